"""Input that JSON allows but nothing can hold: a lone surrogate, a thousand levels of nesting,
a body over the limit. Each is a clear JSON 4xx and stores nothing, never a 500."""

import json

import pytest

from contacts.models import Case
from customers.models import SourceRecord
from tests.console.test_api_access import assert_error

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/source-records/batch"


def post_raw(api, path: str, body: str | bytes):
    return api.generic("POST", path, body, content_type="application/json")


@pytest.mark.parametrize(
    "second_record",
    [
        '{"external_id": "L-2", "\\ud800": "x"}',  # a field name
        '{"external_id": "L-2", "gender": "\\udfff"}',  # a value
        '{"external_id": "L-2", "accounts": [{"kind": "\\ud800", "number": "1234"}]}',  # a choice
        '{"external_id": "L-2", "attributes": {"a": {"\\ud800": 1}}}',  # deep in attributes
    ],
)
def test_a_batch_with_a_lone_surrogate_is_refused_whole(client_with_scopes, second_record):
    body = '{"system": "loan_cc", "records": [{"external_id": "L-1"}, ' + second_record + "]}"

    response = post_raw(client_with_scopes("ingest"), BATCH, body)

    assert_error(response, 400, "malformed_json")
    assert not SourceRecord.objects.exists()


def test_a_lone_surrogate_in_a_choice_or_a_field_name_of_a_ticket_is_a_400(client_with_scopes):
    api = client_with_scopes("tickets")
    ticket = {"external_id": "T-1", "subject": "s", "opened_at": "2026-11-24T10:00:00+09:00"}
    bad_kind = json.dumps({**ticket, "kind": "\ud800"})
    bad_name = json.dumps({**ticket, "kind": "card_reissue", "\udbff": 1})

    for body in (bad_kind, bad_name):
        assert_error(post_raw(api, "/api/v1/tickets", body), 400, "malformed_json")
    assert not Case.objects.exists()


def test_a_surrogate_pair_is_text_and_accepted(client_with_scopes):
    body = '{"system": "loan_cc", "records": [{"external_id": "L-1", "name": "\\ud83d\\ude00"}]}'

    response = post_raw(client_with_scopes("ingest"), BATCH, body)

    assert response.status_code == 200 and not response.json()["errors"]
    assert SourceRecord.objects.get().payload["name"] == "😀"


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deep_nesting_is_a_400(client_with_scopes, depth):
    nested = "[" * depth + "]" * depth
    body = '{"system": "loan_cc", "records": [{"external_id": "L-1", "attributes": {"a": '
    body += nested + "}}]}"

    assert_error(post_raw(client_with_scopes("ingest"), BATCH, body), 400, "malformed_json")
    assert not SourceRecord.objects.exists()


@pytest.mark.parametrize("idempotency_key", [None, "k-1"])
def test_a_body_over_the_documented_limit_is_a_json_413(client_with_scopes, idempotency_key):
    # The real limits (5 MiB), not a lowered one: Django's own guard then meets the body first.
    address = "a" * (6 * 1024 * 1024)
    body = json.dumps({"system": "loan_cc", "records": [{"external_id": "x", "address": address}]})
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}

    response = client_with_scopes("ingest").generic(
        "POST", BATCH, body, content_type="application/json", **headers
    )

    assert_error(response, 413, "too_large")
    assert not SourceRecord.objects.exists()
