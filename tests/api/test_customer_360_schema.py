"""The customer-360 answers as its documented schema says, in every part: integrators generate
clients from /api/schema/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from contacts.models import Case, CaseKind, Channel, Contact, ContactState, Desk
from customers.resolution import ingest_source_records

pytestmark = pytest.mark.django_db


def openapi_3_0_to_json_schema(node):
    """OpenAPI 3.0 says `nullable: true` where JSON Schema says a type may be null."""
    if isinstance(node, list):
        return [openapi_3_0_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: openapi_3_0_to_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        else:  # a $ref or allOf: the value may also be null
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def customer_360_validator(client) -> Draft202012Validator:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = openapi_3_0_to_json_schema(schema["components"])
    return Draft202012Validator(
        {"$ref": "#/components/schemas/Customer360Schema", "components": components}
    )


def test_a_customer_with_every_part_answers_as_documented(client, client_with_scopes):
    outcome = ingest_source_records(
        system="loan_cc",
        records=[
            {
                "external_id": "L-1",
                "name": "山田 太郎",
                "name_kana": "ヤマダ タロウ",
                "birth_date": "1980-04-01",
                "phones": ["090-1234-5678"],
                "accounts": [
                    {"kind": "loan", "number": "4980001234", "days_past_due": 12},
                    {"kind": "card", "number": "4111000011112222"},
                ],
            }
        ],
    )
    customer_id = outcome.results[0].customer_id
    now = timezone.now()
    Case.objects.create(
        customer_id=customer_id,
        kind=CaseKind.CARD_RETAINED,
        owner_desk=Desk.SERVICE_CENTER,
        subject="ATM-0042 card retained",
        opened_at=now - timedelta(days=1),
    )
    Contact.objects.create(
        customer_id=customer_id,
        channel=Channel.PHONE,
        desk=Desk.CONTACT_CENTER,
        state=ContactState.WRAPPED_UP,
        offered_at=now - timedelta(hours=2),
    )

    answer = client_with_scopes("read").get(f"/api/v1/customers/{customer_id}/")

    assert answer.status_code == 200
    body = answer.json()
    assert body["accounts"] and body["open_cases"] and body["recent_contacts"]
    assert body["alerts"] and body["next_best_actions"] and body["match"]
    errors = [error.message for error in customer_360_validator(client).iter_errors(body)]
    assert errors == []
