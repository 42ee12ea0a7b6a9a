"""A card number typed into free text is stored masked: the ticket's subject, details and
comments, an ATM incident's description, an agent's note and wrap-up, a record's attributes.
Nothing shows it afterwards: not the API, the customer page, the customer-360, webhooks or the
admin."""

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from console.agents.models import AgentState
from console.integrations.models import WebhookDelivery
from contacts.models import Case, CaseComment, Contact, ContactNote
from customers.models import SourceRecord
from tests.console.test_call_flow import (
    agent,
    connect_agent,
    known_customer,
    next_of_type,
    post_event,
)
from tests.console.test_webhooks import (  # noqa: F401 (fixtures)
    celery_worker_when_brokered,
    receiver_factory,
    subscribe,
    wait_for,
)
from tests.factories import UserFactory, api_key, make_agent

pytestmark = pytest.mark.django_db(transaction=True)

PAN = "4111 1111 1111 1111"
PAN_DIGITS = "4111111111111111"
MASKED = "**** **** **** 1111"


def assert_no_card_number(text: str) -> None:
    assert PAN not in text and PAN_DIGITS not in text and "4111-1111-1111-1111" not in text


@pytest.fixture
def webhooks_to_a_local_receiver(settings):
    # The receiver is a local http server, which production never allows.
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def taro(client_with_scopes):
    response = client_with_scopes("ingest").post(
        "/api/v1/source-records/batch",
        {
            "system": "loan_cc",
            "records": [
                {
                    "external_id": "L1",
                    "customer_number": "C0012345",
                    "name": "山田 太郎",
                    "address": f"東京都新宿区 {PAN}",
                    "attributes": {"memo": f"カード {PAN}", "pan": int(PAN_DIGITS)},
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 200 and not response.json()["errors"], response.content
    return SourceRecord.objects.get().customer


def test_card_numbers_in_tickets_and_incidents_are_stored_and_sent_masked(
    client_with_scopes,
    taro,
    receiver_factory,  # noqa: F811
    celery_worker_when_brokered,  # noqa: F811
    webhooks_to_a_local_receiver,
):
    receiver = receiver_factory()
    api = client_with_scopes("tickets", "atm", "webhooks", "read")
    subscribe(api, receiver.url, events=("case.created", "case.updated"))

    ticket = api.post(
        "/api/v1/tickets",
        {
            "external_id": "TCK-1",
            "kind": "card_reissue",
            "subject": f"カード再発行 {PAN}",
            "opened_at": timezone.now().isoformat(),
            "details": {"note": f"番号 {PAN}", "card": [PAN_DIGITS]},
            "customer": {"customer_number": "C0012345"},
        },
        format="json",
    )
    comment = api.post(
        f"/api/v1/tickets/{ticket.json()['id']}/comments",
        {"text": "お客様から 4111-1111-1111-1111 と連絡"},
        format="json",
    )
    incident = api.post(
        "/api/v1/atm/incidents",
        {
            "incident_id": "INC-1",
            "type": "card_retained",
            "atm_id": "ATM-7",
            "occurred_at": timezone.now().isoformat(),
            "description": f"card {PAN} retained",
            "customer": {"customer_number": "C0012345"},
        },
        format="json",
    )

    assert (ticket.status_code, comment.status_code, incident.status_code) == (201, 201, 201)
    for answer in (ticket, comment, incident):
        assert_no_card_number(answer.content.decode())
    assert ticket.json()["subject"] == f"カード再発行 {MASKED}"
    assert ticket.json()["details"]["card"] == ["************1111"]
    assert incident.json()["details"]["description"] == f"card {MASKED} retained"
    stored = json.dumps(
        [list(Case.objects.values()), list(CaseComment.objects.values("text"))], default=str
    )
    assert_no_card_number(stored)
    assert "****-****-****-1111" in stored
    wait_for(lambda: len(receiver.received) >= 3)
    for _, body in receiver.received:
        assert_no_card_number(body.decode())
    assert_no_card_number(api.get(f"/api/v1/customers/{taro.pk}/").content.decode())


def test_card_numbers_in_a_records_free_text_are_stored_masked(client_with_scopes, taro):
    record = SourceRecord.objects.get()

    assert record.payload["attributes"] == {"memo": f"カード {MASKED}", "pan": "************1111"}
    assert record.payload["address"] == f"東京都新宿区 {MASKED}"
    assert_no_card_number(json.dumps(record.payload))
    listed = client_with_scopes("export").get("/api/v1/source-records/", {"system": "loan_cc"})
    assert listed.status_code == 200
    assert_no_card_number(listed.content.decode())


def test_card_numbers_in_an_agents_note_and_wrap_up_are_stored_masked(cti, taro):
    agent = make_agent("agent001", state=AgentState.AVAILABLE)
    offered = cti.post(
        "/api/v1/cti/events",
        {
            "event_id": "e1",
            "call_id": "c1",
            "type": "offered",
            "at": timezone.now().isoformat(),
            "from": "0312345678",
            "queue": "loans",
        },
        format="json",
    )
    assert offered.status_code == 202
    contact = Contact.objects.get()
    web = Client()
    web.force_login(agent.user)

    noted = web.post(f"/console/contacts/{contact.pk}/note", {"text": f"カード番号 {PAN}"})
    wrapped = web.post(f"/console/contacts/{contact.pk}/wrap-up", {"disposition": f"{PAN}"})

    assert (noted.status_code, wrapped.status_code) == (200, 200), wrapped.content
    assert ContactNote.objects.get().text == f"カード番号 {MASKED}"
    contact.refresh_from_db()
    assert contact.disposition == MASKED


def test_the_customer_page_and_the_admin_show_no_card_number(
    client,
    client_with_scopes,
    taro,
    receiver_factory,  # noqa: F811
    celery_worker_when_brokered,  # noqa: F811
    webhooks_to_a_local_receiver,
):
    api = client_with_scopes("tickets", "webhooks")
    subscribe(api, receiver_factory().url, events=("case.created",))
    ticket = api.post(
        "/api/v1/tickets",
        {
            "external_id": "TCK-1",
            "kind": "card_reissue",
            "subject": f"カード再発行 {PAN}",
            "opened_at": timezone.now().isoformat(),
            "customer": {"customer_number": "C0012345"},
        },
        format="json",
    )
    assert ticket.status_code == 201
    client.force_login(UserFactory(username="admin", role="admin"))
    delivery = WebhookDelivery.objects.get()

    page = client.get(
        reverse("customer-detail", kwargs={"customer_id": taro.pk}), {"reason": "監査"}
    )
    in_admin = client.get(reverse("admin:console_webhookdelivery_change", args=[delivery.pk]))

    for response in (page, in_admin):
        assert response.status_code == 200
        assert_no_card_number(response.content.decode())
    assert f"カード再発行 {MASKED}" in page.content.decode()


@pytest.mark.asyncio
async def test_the_screen_of_an_agent_talking_to_the_customer_shows_no_card_number(cti):
    customer_id = await known_customer()
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    await post_event(
        cti, event_id="e1", call_id="c1", type="offered", **{"from": "09012345678"}, queue="loans"
    )
    await next_of_type(socket, "screen_pop")

    @database_sync_to_async
    def ticket_with_a_card_number():
        tickets = APIClient()
        tickets.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['tickets'])}")
        return tickets.post(
            "/api/v1/tickets",
            {
                "external_id": "TCK-9",
                "kind": "card_reissue",
                "subject": f"カード {PAN} 再発行",
                "opened_at": timezone.now().isoformat(),
                "customer": {"system": "loan_cc", "external_id": "L-090-1234-5678-山田 太郎"},
            },
            format="json",
        )

    assert (await ticket_with_a_card_number()).status_code == 201
    update = await next_of_type(socket, "customer_update")

    assert update["customer"]["id"] == customer_id
    assert_no_card_number(json.dumps(update, ensure_ascii=False))
    assert f"カード {MASKED} 再発行" in json.dumps(update, ensure_ascii=False)
    await socket.disconnect()
