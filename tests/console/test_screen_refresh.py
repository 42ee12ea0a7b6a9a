"""Every write that changes what the customer-360 shows refreshes the screen of an agent talking
to that customer, in the write's own commit: a case opened, moved along or closed (over the API
and from the customer page), an incident given its customer, the caller picked (test_call_flow),
a steward's link, a merge and an unmerge. A write that is rolled back pushes nothing."""

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from console.agents.models import AgentMessage, AgentState
from console.service_desk.cases import update_case_status
from contacts.models import Case, CaseStatus
from customers.merging import merge_customers
from customers.models import Customer, MergeDecision, ReviewCandidate, SourceRecord
from customers.resolution import ingest_source_records
from tests.console.test_call_flow import connect_agent, next_of_type, post_event
from tests.factories import UserFactory, api_key, make_agent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def customer_record(*, external_id: str, name: str, phone: str, birth_date: str) -> str:
    outcome = ingest_source_records(
        system="loan_cc" if external_id.startswith("L") else "atm_svc",
        records=[
            {
                "external_id": external_id,
                "name": name,
                "phones": [phone],
                "birth_date": birth_date,
            }
        ],
    )
    return str(outcome.results[0].customer_id)


async def on_a_call(cti, *, phone: str = "090-1111-2222") -> tuple:
    """Taro calls and agent001 has his screen: the socket, the pop and his customer id."""
    customer_id = await customer_record(
        external_id="L-1", name="山田 太郎", phone=phone, birth_date="1980-04-01"
    )
    agent = await database_sync_to_async(make_agent)("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(agent)
    await post_event(
        cti, event_id="e1", call_id="c1", type="offered", queue="loans", **{"from": phone}
    )
    pop = await next_of_type(socket, "screen_pop")
    assert pop["customer"]["id"] == customer_id
    return socket, pop, customer_id


@database_sync_to_async
def tickets_client() -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['tickets'], name='crm')}")
    return api


@database_sync_to_async
def open_ticket(api: APIClient, customer_number: str) -> dict:
    response = api.post(
        "/api/v1/tickets",
        {
            "external_id": "TCK-1",
            "kind": "card_reissue",
            "subject": "カード再発行",
            "opened_at": timezone.now().isoformat(),
            "customer": {"customer_number": customer_number},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


@database_sync_to_async
def customer_number(customer_id: str) -> str:
    customer = Customer.objects.get(pk=customer_id)
    if not customer.customer_number:
        customer.customer_number = "C0000001"
        customer.save(update_fields=["customer_number"])
    return customer.customer_number


@database_sync_to_async
def signed_in(role: str) -> Client:
    web = Client()
    web.force_login(UserFactory(username=f"{role}001", role=role))
    return web


async def test_a_ticket_opened_for_the_caller_appears_on_the_agents_screen(cti):
    socket, pop, customer_id = await on_a_call(cti)
    api = await tickets_client()

    ticket = await open_ticket(api, await customer_number(customer_id))

    update = await next_of_type(socket, "customer_update")
    assert update["contact_id"] == pop["contact"]["id"]
    assert [case["id"] for case in update["customer"]["open_cases"]] == [ticket["id"]]
    await socket.disconnect()


async def test_a_case_moved_along_or_closed_over_the_api_refreshes_the_screen(cti):
    socket, _, customer_id = await on_a_call(cti)
    api = await tickets_client()
    ticket = await open_ticket(api, await customer_number(customer_id))
    await next_of_type(socket, "customer_update")

    moved = await database_sync_to_async(api.post)(
        f"/api/v1/tickets/{ticket['id']}/status", {"status": "in_progress"}, format="json"
    )
    assert moved.status_code == 200
    update = await next_of_type(socket, "customer_update")
    assert [case["status"] for case in update["customer"]["open_cases"]] == ["in_progress"]

    closed = await database_sync_to_async(api.post)(
        f"/api/v1/tickets/{ticket['id']}/close", {"resolution": "再発行済み"}, format="json"
    )
    assert closed.status_code == 200
    update = await next_of_type(socket, "customer_update")
    assert update["customer"]["open_cases"] == []
    await socket.disconnect()


async def test_a_case_changed_from_the_customer_page_refreshes_the_screen(cti):
    socket, _, customer_id = await on_a_call(cti)
    ticket = await open_ticket(await tickets_client(), await customer_number(customer_id))
    await next_of_type(socket, "customer_update")
    web = await signed_in("admin")

    response = await database_sync_to_async(web.post)(
        f"/customers/{customer_id}/cases/{ticket['id']}", {"status": "resolved"}
    )

    assert response.status_code == 302
    update = await next_of_type(socket, "customer_update")
    assert [case["status"] for case in update["customer"]["open_cases"]] == []
    assert await database_sync_to_async(lambda: Case.objects.get().status)() == "resolved"
    await socket.disconnect()


@database_sync_to_async
def unresolved_incident() -> str:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['atm'], name='atm-monitor')}")
    response = api.post(
        "/api/v1/atm/incidents",
        {
            "incident_id": "INC-1",
            "type": "card_retained",
            "atm_id": "ATM-9",
            "occurred_at": timezone.now().isoformat(),
            "customer": {"customer_number": "C9999999"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["customer_id"] is None
    return response.json()["id"]


async def test_an_incident_given_to_the_caller_by_a_steward_refreshes_the_screen(cti):
    socket, _, customer_id = await on_a_call(cti)
    incident_id = await unresolved_incident()
    web = await signed_in("steward")

    response = await database_sync_to_async(web.post)(
        f"/incidents/{incident_id}/customer", {"customer_id": customer_id}
    )

    assert response.status_code == 302
    update = await next_of_type(socket, "customer_update")
    assert [case["id"] for case in update["customer"]["open_cases"]] == [incident_id]
    await socket.disconnect()


async def test_a_stewards_link_refreshes_the_screen_with_the_joined_records(cti):
    socket, _, customer_id = await on_a_call(cti)
    await customer_record(
        external_id="A-1", name="山田 太郎", phone="03-5555-6666", birth_date="1980-04-01"
    )
    record = await database_sync_to_async(SourceRecord.objects.get)(
        system="atm_svc", external_id="A-1"
    )
    assert str(record.customer_id) != customer_id
    # Whatever the matcher thought of the pair, a steward is asked about it.
    candidate, _ = await database_sync_to_async(ReviewCandidate.objects.get_or_create)(
        source_record=record,
        candidate_customer_id=customer_id,
        defaults={"rule": "name_birth_date", "score": 0.7},
    )
    web = await signed_in("steward")

    response = await database_sync_to_async(web.post)(
        f"/review/{candidate.pk}/", {"decision": "link", "reason": "同一人物 (電話で確認)"}
    )

    assert response.status_code == 302
    update = await next_of_type(socket, "customer_update")
    systems = sorted(match["system"] for match in update["customer"]["match"])
    assert systems == ["atm_svc", "loan_cc"]
    await socket.disconnect()


async def test_a_merge_and_its_undoing_refresh_the_callers_screen(cti):
    socket, _, customer_id = await on_a_call(cti)
    other_id = await customer_record(
        external_id="A-2", name="山田 花子", phone="03-7777-8888", birth_date="1985-01-02"
    )

    @database_sync_to_async
    def merge() -> MergeDecision:
        return merge_customers(
            survivor=Customer.objects.get(pk=other_id),
            absorbed=Customer.objects.get(pk=customer_id),
            rule="steward",
            reason="test",
        )

    decision = await merge()
    merged = await next_of_type(socket, "customer_update")
    assert merged["customer"]["id"] == other_id

    web = await signed_in("steward")
    response = await database_sync_to_async(web.post)(
        f"/customers/{other_id}/merges/{decision.pk}/unmerge",
        {"reason": "別人でした", "confirm": "yes"},
    )
    assert response.status_code == 302
    unmerged = await next_of_type(socket, "customer_update")
    assert unmerged["customer"]["id"] == customer_id
    await socket.disconnect()


async def test_a_case_change_that_is_rolled_back_pushes_nothing(cti):
    socket, _, customer_id = await on_a_call(cti)
    ticket = await open_ticket(await tickets_client(), await customer_number(customer_id))
    await next_of_type(socket, "customer_update")

    @database_sync_to_async
    def change_and_roll_back() -> int:
        with pytest.raises(RuntimeError), transaction.atomic():
            update_case_status(case_id=ticket["id"], status=CaseStatus.IN_PROGRESS)
            raise RuntimeError("the request failed after the change")
        return AgentMessage.objects.filter(body__type="customer_update").count()

    assert await change_and_roll_back() == 1  # the ticket's own
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()
