"""Service tickets through the API: the same lifecycle the console uses."""

import pytest

from contacts.models import Case, CaseComment, CaseStatus
from customers.resolution import ingest_source_records
from tests.factories import make_agent

pytestmark = pytest.mark.django_db

TICKET = {
    "external_id": "TCK-1001",
    "kind": "card_reissue",
    "subject": "カード再発行",
    "opened_at": "2026-11-24T10:00:00+09:00",
    "customer": {"customer_number": "C0012345"},
}


@pytest.fixture
def tickets_api(client_with_scopes):
    ingest_source_records(
        system="loan_cc", records=[{"external_id": "L1", "customer_number": "C0012345"}]
    )
    return client_with_scopes("tickets")


def test_ticket_lifecycle_create_update_comment_close(tickets_api):
    created = tickets_api.post("/api/v1/tickets", TICKET, format="json")
    assert created.status_code == 201
    ticket = created.json()["id"]
    assert created.json()["customer_id"] is not None

    moved = tickets_api.post(
        f"/api/v1/tickets/{ticket}/status", {"status": "in_progress"}, format="json"
    )
    commented = tickets_api.post(
        f"/api/v1/tickets/{ticket}/comments", {"text": "発送済み"}, format="json"
    )
    closed = tickets_api.post(
        f"/api/v1/tickets/{ticket}/close", {"resolution": "受領確認"}, format="json"
    )

    assert (moved.status_code, commented.status_code, closed.status_code) == (200, 201, 200)
    case = Case.objects.get()
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    assert list(CaseComment.objects.values_list("text", flat=True)) == ["発送済み", "受領確認"]
    assert tickets_api.get(f"/api/v1/tickets/{ticket}").json()["status"] == "closed"


def test_the_same_ticket_again_is_answered_with_the_first(tickets_api):
    first = tickets_api.post("/api/v1/tickets", TICKET, format="json")
    again = tickets_api.post("/api/v1/tickets", TICKET, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert Case.objects.count() == 1


def test_a_closed_ticket_cannot_reopen_or_take_comments(tickets_api):
    ticket = tickets_api.post("/api/v1/tickets", TICKET, format="json").json()["id"]
    tickets_api.post(f"/api/v1/tickets/{ticket}/close", {}, format="json")

    reopened = tickets_api.post(
        f"/api/v1/tickets/{ticket}/status", {"status": "open"}, format="json"
    )
    commented = tickets_api.post(f"/api/v1/tickets/{ticket}/comments", {"text": "x"}, format="json")

    assert (reopened.status_code, commented.status_code) == (409, 409)
    assert reopened.json()["error"]["code"] == "conflict"
    assert not CaseComment.objects.exists()


def test_unknown_ticket_is_404_and_bad_status_400(tickets_api):
    missing = tickets_api.post(
        "/api/v1/tickets/00000000-0000-0000-0000-000000000000/status",
        {"status": "closed"},
        format="json",
    )
    ticket = tickets_api.post("/api/v1/tickets", TICKET, format="json").json()["id"]
    bad = tickets_api.post(
        f"/api/v1/tickets/{ticket}/status", {"status": "exploded"}, format="json"
    )

    assert missing.status_code == 404
    assert bad.status_code == 400


def test_an_agent_updates_and_comments_a_ticket_on_the_customer_page(tickets_api, client):
    ticket = tickets_api.post("/api/v1/tickets", TICKET, format="json").json()
    agent = make_agent("agent101", desk="service_center")
    client.force_login(agent.user)

    client.post(
        f"/customers/{ticket['customer_id']}/cases/{ticket['id']}",
        {"status": "in_progress", "comment": "お客様へ折り返し済み"},
    )
    page = client.get(
        f"/customers/{ticket['customer_id']}/", {"reason": "チケットの確認"}
    ).content.decode()

    case = Case.objects.get()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.comments.get().author == agent.user
    assert "お客様へ折り返し済み" in page
    assert tickets_api.get(f"/api/v1/tickets/{ticket['id']}").json()["status"] == "in_progress"
