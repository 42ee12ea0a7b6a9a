"""A client with the `tickets` scope sees and changes only the tickets it created: another
client's tickets and the ATM monitor's cases answer 404, as a missing case would, and stay as
they were. The `read` scope may read others' tickets, not change them."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contacts.models import Case, CaseComment
from tests.factories import api_key

pytestmark = pytest.mark.django_db


def client_named(name: str, *scopes: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=list(scopes), name=name)}")
    return api


def ticket(api: APIClient) -> str:
    response = api.post(
        "/api/v1/tickets",
        {
            "external_id": "TCK-1",
            "kind": "card_reissue",
            "subject": "カード再発行",
            "opened_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201
    return response.json()["id"]


def atm_case() -> str:
    response = client_named("atm-monitor", "atm").post(
        "/api/v1/atm/incidents",
        {
            "incident_id": "INC-1",
            "type": "device_error",
            "atm_id": "ATM-1",
            "occurred_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201
    return response.json()["id"]


@pytest.mark.parametrize("whose", ["another client's ticket", "an ATM case"])
def test_a_tickets_client_cannot_read_or_change_a_case_it_did_not_create(whose):
    case_id = ticket(client_named("crm", "tickets")) if whose.startswith("another") else atm_case()
    intruder = client_named("helpdesk", "tickets")

    answers = [
        intruder.get(f"/api/v1/tickets/{case_id}"),
        intruder.post(f"/api/v1/tickets/{case_id}/comments", {"text": "見た"}, format="json"),
        intruder.post(
            f"/api/v1/tickets/{case_id}/status", {"status": "in_progress"}, format="json"
        ),
        intruder.post(f"/api/v1/tickets/{case_id}/close", {"resolution": "x"}, format="json"),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert answers[0].json()["error"]["code"] == "not_found"
    case = Case.objects.get(pk=case_id)
    assert case.status == "open"
    assert not CaseComment.objects.exists()


def test_the_creator_reads_and_changes_its_own_ticket():
    crm = client_named("crm", "tickets")
    case_id = ticket(crm)

    assert crm.get(f"/api/v1/tickets/{case_id}").status_code == 200
    moved = crm.post(f"/api/v1/tickets/{case_id}/status", {"status": "in_progress"}, format="json")
    assert moved.status_code == 200


def test_the_read_scope_reads_others_tickets_but_does_not_change_them():
    case_id = ticket(client_named("crm", "tickets"))
    auditor = client_named("auditor", "tickets", "read")

    assert auditor.get(f"/api/v1/tickets/{case_id}").status_code == 200
    moved = auditor.post(
        f"/api/v1/tickets/{case_id}/status", {"status": "in_progress"}, format="json"
    )
    assert moved.status_code == 404
