"""Opening a customer's record is audited; the customer page shows the whole journey."""

from datetime import timedelta

import pytest
from django.utils import timezone

from console.audit.models import ViewAudit
from contacts.handle_time import TOKYO
from contacts.models import Channel, Contact, ContactNote, ContactState, Desk
from customers.models import Customer
from customers.resolution import ingest_source_records
from tests.factories import api_key, make_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> Customer:
    outcome = ingest_source_records(
        system="loan_cc",
        records=[{"external_id": "L1", "name": "山田 太郎", "phones": ["0312345678"]}],
    )
    return Customer.objects.get(pk=outcome.results[0].customer_id)


def contact_of(
    customer, *, channel=Channel.PHONE, desk=Desk.CONTACT_CENTER, minutes_ago=0, agent=None
):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return Contact.objects.create(
        channel=channel,
        source="pbx",
        call_id=f"c-{channel}-{desk}-{minutes_ago}",
        customer=customer,
        desk=desk,
        agent=agent,
        state=ContactState.WRAPPED_UP,
        offered_at=at,
        answered_at=at,
        ended_at=at + timedelta(seconds=100),
        wrapped_up_at=at + timedelta(seconds=130),
    )


def test_opening_from_a_contact_is_audited_with_that_contact(client, customer):
    agent = make_agent("agent001")
    contact = contact_of(customer, agent=agent.user)
    client.force_login(agent.user)

    response = client.get(f"/customers/{customer.pk}/", {"contact": str(contact.pk)})

    assert response.status_code == 200
    entry = ViewAudit.objects.get()
    assert (entry.viewer, entry.customer_id, entry.contact) == (agent.user, customer.pk, contact)


def test_opening_during_own_call_from_an_unknown_number_names_that_call(client, customer):
    agent = make_agent("agent001")
    unknown = contact_of(None, agent=agent.user)
    client.force_login(agent.user)

    client.get(f"/customers/{customer.pk}/", {"contact": str(unknown.pk)})

    assert ViewAudit.objects.get().contact == unknown


def test_another_agents_call_does_not_explain_an_opening(client, customer):
    agent = make_agent("agent001")
    someone_elses = contact_of(None, agent=make_agent("agent002").user)
    client.force_login(agent.user)

    client.get(f"/customers/{customer.pk}/", {"contact": str(someone_elses.pk)})

    entry = ViewAudit.objects.get()
    assert entry.contact is None
    assert str(someone_elses.pk) in entry.reason


def test_opening_with_a_reason_is_audited_with_the_reason(client, customer):
    agent = make_agent("agent001")
    client.force_login(agent.user)

    client.get(f"/customers/{customer.pk}/", {"reason": "折り返し電話の準備"})

    assert ViewAudit.objects.get().reason == "折り返し電話の準備"


def test_api_reads_are_audited_with_the_client(api, customer):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['read'], name='crm')}")

    api.get(f"/api/v1/customers/{customer.pk}/")

    entry = ViewAudit.objects.get()
    assert (entry.client.name, entry.reason) == ("crm", "api")


def test_the_audit_page_is_for_admins_only(client, customer, admin_user):
    agent = make_agent("agent001")
    client.force_login(agent.user)
    client.get(f"/customers/{customer.pk}/", {"reason": "check"})
    assert client.get("/audit/customer-views/").status_code == 403

    client.force_login(admin_user)
    page = client.get("/audit/customer-views/", {"viewer": agent.user.pk})

    assert page.status_code == 200
    assert "agent001" in page.content.decode()
    assert "check" in page.content.decode()


def test_customer_page_shows_every_channel_and_desk_and_filters(client, customer):
    agent = make_agent("agent001")
    call = contact_of(customer, agent=agent.user, minutes_ago=5)
    ContactNote.objects.create(contact=call, author=agent.user, text="返済日の相談")
    contact_of(customer, channel=Channel.ATM, desk=Desk.SERVICE_CENTER, minutes_ago=60)
    client.force_login(agent.user)

    everything = client.get(f"/customers/{customer.pk}/", {"contact": call.pk}).content.decode()
    atm_only = client.get(
        f"/customers/{customer.pk}/", {"contact": call.pk, "channel": "atm"}
    ).content.decode()

    assert "返済日の相談" in everything
    assert everything.count("<td>2026") + everything.count("<td>20") >= 2
    assert "返済日の相談" not in atm_only


def test_timeline_is_paginated(client, customer):
    agent = make_agent("agent001")
    for minutes in range(30):
        contact_of(customer, minutes_ago=minutes)
    client.force_login(agent.user)

    first = client.get(f"/customers/{customer.pk}/", {"reason": "折り返し電話の準備"})
    second = client.get(f"/customers/{customer.pk}/", {"reason": "折り返し電話の準備", "page": 2})

    assert len(first.context["timeline"].object_list) == 25
    assert len(second.context["timeline"].object_list) == 5


def test_a_record_opened_outside_a_call_asks_why_first_and_keeps_the_answer(client, customer):
    agent = make_agent("agent001")
    client.force_login(agent.user)

    asked = client.get(f"/customers/{customer.pk}/")

    assert asked.status_code == 200
    assert 'id="opening-reason-form"' in asked.content.decode()
    assert "山田" not in asked.content.decode()  # nothing of the customer before the reason
    assert not ViewAudit.objects.exists()
    client.get(f"/customers/{customer.pk}/", {"reason": "  "})
    assert not ViewAudit.objects.exists()

    opened = client.get(f"/customers/{customer.pk}/", {"reason": "書面での問い合わせへの回答"})
    assert "山田" in opened.content.decode()
    assert ViewAudit.objects.get().reason == "書面での問い合わせへの回答"


def audit_page_rows(client, **filters) -> list[str]:
    page = client.get("/audit/customer-views/", filters)
    assert page.status_code == 200
    return [entry.reason for entry in page.context["page"]]


def test_the_audit_log_is_filtered_by_day_person_and_customer_name_or_number(
    client, customer, admin_user
):
    other = Customer.objects.get(
        pk=ingest_source_records(
            system="loan_cc",
            records=[{"external_id": "L2", "name": "佐藤 花子", "customer_number": "C0099"}],
        )
        .results[0]
        .customer_id
    )
    first, second = make_agent("agent001"), make_agent("agent002")
    ViewAudit.objects.create(customer=customer, viewer=first.user, reason="a")
    ViewAudit.objects.create(customer=other, viewer=second.user, reason="b")
    ViewAudit.objects.create(
        customer=customer, viewer=second.user, reason="c", at=timezone.now() - timedelta(days=3)
    )
    client.force_login(admin_user)
    today = timezone.localdate(timezone.now(), timezone=TOKYO).isoformat()

    assert sorted(audit_page_rows(client)) == ["a", "b", "c"]
    assert sorted(audit_page_rows(client, customer="山田")) == ["a", "c"]
    assert audit_page_rows(client, customer="C0099") == ["b"]
    assert audit_page_rows(client, viewer=second.user.pk, start=today) == ["b"]
    assert audit_page_rows(client, end=(timezone.now() - timedelta(days=2)).date()) == ["c"]
    assert (
        client.get("/audit/customer-views/", {"start": today, "end": "2020-01-01"}).status_code
        == 400
    )
    assert client.get("/audit/customer-views.csv", {"viewer": "x"}).status_code == 400
