"""Every showing of a customer's personal data leaves an access-log row with who, when, and from
which call or for what reason: the screen pop, a reload of the console during the call, a
`resume` replay, search results (page, htmx and API), source records, the 360. A person who opens
more customers in an hour than the limit, outside their own calls, raises an alert."""

import logging
from uuid import UUID

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from console.audit.models import ViewAlert, ViewAudit
from customers.models import Customer
from tests.console.test_call_flow import (
    T0,
    agent,
    connect_agent,
    known_customer,
    next_of_type,
    post_event,
)
from tests.factories import UserFactory
from tests.security.test_signed_out_sockets import connect

CALLER = {"from": "09012345678", "queue": "loans"}


@database_sync_to_async
def audit_rows(**filters) -> list[dict]:
    return list(
        ViewAudit.objects.filter(**filters)
        .order_by("at", "id")
        .values(
            "customer_id",
            "viewer__username",
            "contact_id",
            "reason",
            "on_own_call",
            "listed",
        )
    )


def row(customer_id, contact_id, reason, *, viewer="agent001", listed=False, own=True) -> dict:
    return {
        "customer_id": customer_id,
        "viewer__username": viewer,
        "contact_id": contact_id,
        "reason": reason,
        "on_own_call": own,
        "listed": listed,
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_screen_pop_is_audited_with_its_call_in_one_insert(cti):
    customer_id = await known_customer()
    taro = await agent("agent001", state="available")
    socket = await connect_agent(taro)

    @database_sync_to_async
    def offer():
        with CaptureQueriesContext(connection) as queries:
            response = cti.post(
                "/api/v1/cti/events",
                {"event_id": "e1", "call_id": "c1", "type": "offered", "at": f"{T0:%FT%T%z}"}
                | CALLER,
                format="json",
            )
        assert response.status_code == 202, response.content
        audit_statements = [q for q in queries if "console_viewaudit" in q["sql"]]
        return response.json(), audit_statements

    answer, audit_statements = await offer()
    pop = await next_of_type(socket, "screen_pop")

    assert pop["customer"]["id"] == customer_id
    assert len(audit_statements) == 1  # the pop costs one round trip more, not one per row
    assert await audit_rows() == [
        row(UUID(customer_id), UUID(answer["contact_id"]), "screen pop"),
    ]
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_an_unknown_callers_candidates_are_audited_as_listed(cti):
    first = await known_customer(phone="03-3333-4444", name="田中 一郎")
    second = await known_customer(phone="03-3333-4444", name="田中 和子")
    taro = await agent("agent001", state="available")
    socket = await connect_agent(taro)

    answer = await post_event(
        cti, event_id="e1", call_id="c1", type="offered", queue="loans", **{"from": "0333334444"}
    )
    await next_of_type(socket, "screen_pop")

    rows = await audit_rows()
    assert sorted(str(entry["customer_id"]) for entry in rows) == sorted([first, second])
    assert {(str(e["contact_id"]), e["reason"], e["listed"]) for e in rows} == {
        (answer["contact_id"], "screen pop", True)
    }
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_console_reload_and_a_resume_replay_are_audited(cti):
    customer_id = await known_customer()
    taro = await agent("agent001", state="available")
    web = Client()
    await database_sync_to_async(web.force_login)(taro.user)
    socket = await connect(web)
    answer = await post_event(cti, event_id="e1", call_id="c1", type="offered", **CALLER)
    pop = await next_of_type(socket, "screen_pop")

    page = await database_sync_to_async(web.get)("/console/")
    await socket.send_json_to({"type": "resume", "last_seq": pop["seq"] - 1})
    replayed = await next_of_type(socket, "screen_pop")

    assert page.status_code == 200
    assert replayed["seq"] == pop["seq"]
    reasons = [
        (str(entry["customer_id"]), str(entry["contact_id"]), entry["reason"], entry["on_own_call"])
        for entry in await audit_rows()
    ]
    assert reasons == [
        (customer_id, answer["contact_id"], "screen pop", True),
        (customer_id, answer["contact_id"], "console reload", True),
        (customer_id, answer["contact_id"], "resume replay", True),
    ]
    await socket.disconnect()


@pytest.fixture
def yamadas(db) -> list[Customer]:
    from customers.resolution import ingest_source_records

    ingest_source_records(
        system="loan_cc",
        records=[{"external_id": f"L{n}", "name": f"山田 {n}号"} for n in range(3)],
    )
    return list(Customer.objects.all())


@pytest.mark.django_db
def test_search_results_are_audited_with_the_query_on_the_page_and_as_typed(agent, yamadas):
    web = Client()
    web.force_login(agent)

    page = web.get("/customers/", {"q": "山田"})
    as_typed = web.get("/customers/", {"q": "山"}, HTTP_HX_REQUEST="true")

    assert page.status_code == as_typed.status_code == 200
    entries = ViewAudit.objects.filter(viewer=agent)
    assert entries.count() == 6
    assert sorted(set(entries.values_list("reason", flat=True))) == ["search: 山", "search: 山田"]
    assert all(entry.listed and not entry.on_own_call for entry in entries)
    # An empty search shows nobody, and writes nothing.
    web.get("/customers/", {"q": ""})
    assert entries.count() == 6


@pytest.mark.django_db
def test_a_search_for_the_agents_own_call_names_that_call(agent, yamadas):
    from contacts.models import Contact

    own = Contact.objects.create(source="pbx", call_id="c1", agent=agent, caller_number="0300")
    someone_elses = Contact.objects.create(source="pbx", call_id="c2", caller_number="0301")
    web = Client()
    web.force_login(agent)

    web.get("/customers/", {"q": "山田", "contact": str(own.pk)})
    web.get("/customers/", {"q": "山田 1", "contact": str(someone_elses.pk)})

    assert set(ViewAudit.objects.values_list("reason", "contact_id", "on_own_call")) == {
        ("search: 山田", own.pk, True),
        ("search: 山田 1", None, False),
    }


def open_customers(web: Client, customers) -> None:
    for customer in customers:
        assert (
            web.get(f"/customers/{customer.pk}/", {"reason": "account review"}).status_code == 200
        )


@pytest.mark.django_db
def test_opening_more_customers_than_the_limit_outside_calls_raises_one_alert(
    settings, agent, supervisor, yamadas, caplog
):
    settings.AUDIT_ALERT_CUSTOMERS_PER_HOUR = 2
    web = Client()
    web.force_login(agent)

    open_customers(web, yamadas[:2])
    open_customers(web, yamadas[:2])  # the same two again: still two customers
    assert not ViewAlert.objects.exists()
    with caplog.at_level(logging.WARNING, logger="console.audit.records"):
        open_customers(web, yamadas[2:])
        open_customers(web, yamadas)  # already raised this hour

    (alert,) = ViewAlert.objects.all()
    assert (alert.viewer, alert.customers, alert.limit) == (agent, 3, 2)
    assert [r.getMessage() for r in caplog.records if "viewing alert" in r.getMessage()] == [
        f"Customer viewing alert: user {agent.pk} opened 3 customers outside their calls "
        "within an hour (limit 2)."
    ]
    boss = Client()
    boss.force_login(supervisor)
    wallboard = boss.get("/wallboard/").content.decode()
    assert 'data-agent="agent001"' in wallboard


@pytest.mark.django_db
def test_search_results_and_own_calls_do_not_count_towards_the_alert(settings, agent, yamadas):
    from contacts.models import Contact

    settings.AUDIT_ALERT_CUSTOMERS_PER_HOUR = 1
    web = Client()
    web.force_login(agent)
    for customer in yamadas:
        call = Contact.objects.create(
            source="pbx", call_id=f"c-{customer.pk}", agent=agent, customer=customer
        )
        web.get(f"/customers/{customer.pk}/", {"contact": str(call.pk)})
    web.get("/customers/", {"q": "山田"})

    assert ViewAudit.objects.count() == 6
    assert not ViewAlert.objects.exists()


@pytest.mark.django_db
def test_the_per_agent_page_is_for_supervisors_and_counts_customers_per_day(
    agent, supervisor, yamadas
):
    web = Client()
    web.force_login(agent)
    open_customers(web, yamadas[:2])
    web.get("/customers/", {"q": "山田"})
    UserFactory(username="agent002", role="agent")

    assert web.get("/audit/customer-views/by-agent/").status_code == 403
    boss = Client()
    boss.force_login(supervisor)
    page = boss.get("/audit/customer-views/by-agent/")

    assert page.status_code == 200
    (figures,) = page.context["rows"]
    assert figures["viewer__username"] == "agent001"
    assert (figures["opened"], figures["opened_off_call"], figures["listed"]) == (2, 2, 3)
    assert figures["showings"] == 5
    assert boss.get("/audit/customer-views/by-agent/", {"start": "x"}).status_code == 400
