"""The real-time path: a telephony event in, routing, the screen pop out on the agent's socket."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from console.agents.models import Agent, AgentState
from console.asgi import application
from contacts.models import Contact, ContactState
from contacts.notes import add_note
from customers.resolution import ingest_source_records
from tests.factories import make_agent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
T0 = timezone.now().replace(microsecond=0)


@database_sync_to_async
def post_event(cti, **event):
    event.setdefault("at", T0.isoformat())
    response = cti.post("/api/v1/cti/events", event, format="json")
    assert response.status_code == 202, response.content
    return response.json()


@database_sync_to_async
def agent_socket_headers(agent: Agent) -> list:
    web = Client()
    web.force_login(agent.user)
    return [ORIGIN, (b"cookie", f"sessionid={web.cookies['sessionid'].value}".encode())]


async def connect_agent(agent: Agent) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, "/ws/agent/", headers=await agent_socket_headers(agent)
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_of_type(communicator, kind: str, timeout: float = 5) -> dict:
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


@database_sync_to_async
def agent(username: str, **fields) -> Agent:
    return make_agent(username, **fields)


@database_sync_to_async
def known_customer(phone: str = "090-1234-5678", name: str = "山田 太郎") -> str:
    outcome = ingest_source_records(
        system="loan_cc",
        records=[
            {
                "external_id": f"L-{phone}-{name}",
                "name": name,
                "phones": [phone],
                "accounts": [{"kind": "loan", "number": "4980001234", "days_past_due": 12}],
            }
        ],
    )
    return str(outcome.results[0].customer_id)


@database_sync_to_async
def refreshed(agent_: Agent) -> Agent:
    agent_.refresh_from_db()
    return agent_


async def test_known_caller_pops_on_the_available_agents_screen(cti):
    customer_id = await known_customer()
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)

    answer = await post_event(
        cti, event_id="e1", call_id="c1", type="offered", **{"from": "09012345678"}, queue="loans"
    )

    pop = await next_of_type(socket, "screen_pop")
    assert answer["agent"] == "agent001"
    assert answer["customer_id"] == pop["customer"]["id"] == customer_id
    assert pop["contact"]["id"] == answer["contact_id"]
    assert pop["customer"]["accounts"][0]["masked_number"] == "****1234"
    assert {"code": "payment_past_due", "days_past_due": 12} in pop["customer"]["alerts"]
    assert {"code": "repayment_consultation"} in pop["customer"]["next_best_actions"]
    assert pop["seq"] >= 1
    assert (await refreshed(taro)).state == AgentState.ON_CALL
    await socket.disconnect()


async def test_the_pop_shows_earlier_calls_as_history_not_the_call_being_offered(cti):
    await known_customer()
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    caller = {"from": "09012345678", "queue": "loans"}
    earlier = await post_event(cti, event_id="e1", call_id="c1", type="offered", **caller)
    await post_event(cti, event_id="e2", call_id="c1", type="ended")
    await post_event(cti, event_id="e3", call_id="c1", type="wrapup_done")

    await post_event(cti, event_id="e4", call_id="c2", type="offered", **caller)

    pops = [await next_of_type(socket, "screen_pop") for _ in range(2)]
    assert [c["id"] for c in pops[1]["customer"]["recent_contacts"]] == [earlier["contact_id"]]
    await socket.disconnect()


async def test_unknown_caller_gets_no_customer_but_looser_candidates(cti):
    await known_customer(phone="03-1234-5678")
    await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(await database_sync_to_async(Agent.objects.get)())

    # Another area code, the same last eight digits.
    await post_event(
        cti,
        event_id="e1",
        call_id="c1",
        type="offered",
        queue="loans",
        **{"from": "0451234567"[:2] + "12345678"},
    )

    pop = await next_of_type(socket, "screen_pop")
    assert pop["customer"] is None
    assert [c["name"] for c in pop["candidates"]] == ["山田 太郎"]
    await socket.disconnect()


async def test_shared_number_gets_candidates_not_a_guess(cti):
    await known_customer(phone="03-3333-4444", name="田中 一郎")
    await known_customer(phone="03-3333-4444", name="田中 和子")
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)

    answer = await post_event(
        cti, event_id="e1", call_id="c1", type="offered", queue="loans", **{"from": "0333334444"}
    )

    pop = await next_of_type(socket, "screen_pop")
    assert answer["customer_id"] is None
    assert pop["customer"] is None
    assert sorted(c["name"] for c in pop["candidates"]) == ["田中 一郎", "田中 和子"]
    await socket.disconnect()


@database_sync_to_async
def pick_in_console(agent: Agent, *, contact_id: str, customer_id: str) -> int:
    web = Client()
    web.force_login(agent.user)
    response = web.post(
        f"/console/contacts/{contact_id}/pick", {"customer_id": customer_id}, HTTP_HX_REQUEST="true"
    )
    return response.status_code


async def test_picking_the_caller_links_the_call_and_refreshes_the_agents_screen(cti):
    await known_customer(phone="03-3333-4444", name="田中 一郎")
    await known_customer(phone="03-3333-4444", name="田中 和子")
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    await post_event(
        cti, event_id="e1", call_id="c1", type="offered", queue="loans", **{"from": "0333334444"}
    )
    pop = await next_of_type(socket, "screen_pop")
    kazuko = next(c for c in pop["candidates"] if c["name"] == "田中 和子")

    status = await pick_in_console(taro, contact_id=pop["contact"]["id"], customer_id=kazuko["id"])

    update = await next_of_type(socket, "customer_update")
    assert status == 200
    assert update["contact_id"] == pop["contact"]["id"]
    assert update["customer"]["id"] == kazuko["id"]
    contact = await database_sync_to_async(Contact.objects.get)(pk=pop["contact"]["id"])
    assert str(contact.customer_id) == kazuko["id"]
    assert contact.customer_picked_by_id == taro.user_id
    await socket.disconnect()


async def test_routing_prefers_the_longest_idle_available_agent(cti):
    await agent("agent001", state=AgentState.AVAILABLE, since=T0 - timedelta(minutes=1))
    await agent("agent002", state=AgentState.AVAILABLE, since=T0 - timedelta(minutes=9))
    await agent("agent003", state=AgentState.ON_CALL, since=T0 - timedelta(minutes=30))
    await agent("agent004", state=AgentState.BREAK, since=T0 - timedelta(minutes=60))
    await agent(
        "agent005", desk="service_center", state=AgentState.AVAILABLE, since=T0 - timedelta(hours=2)
    )

    first = await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")
    second = await post_event(cti, event_id="e2", call_id="c2", type="offered", queue="loans")
    third = await post_event(cti, event_id="e3", call_id="c3", type="offered", queue="loans")

    assert (first["agent"], second["agent"], third["agent"]) == ("agent002", "agent001", None)


async def test_a_waiting_call_goes_to_the_next_agent_who_becomes_available(cti):
    kazu = await agent("agent001", state=AgentState.BREAK)
    socket = await connect_agent(kazu)
    answer = await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")
    assert answer["agent"] is None

    await socket.send_json_to({"type": "set_state", "state": "available"})

    pop = await next_of_type(socket, "screen_pop")
    assert pop["contact"]["id"] == answer["contact_id"]
    assert (await refreshed(kazu)).state == AgentState.ON_CALL
    await socket.disconnect()


async def test_an_agent_on_a_call_gets_no_second_call_and_a_break_waits_for_the_call(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    await post_event(
        cti, event_id="e1", call_id="c1", type="offered", queue="loans", agent="agent001"
    )
    second = await post_event(
        cti, event_id="e2", call_id="c2", type="offered", queue="loans", agent="agent001"
    )

    await socket.send_json_to({"type": "set_state", "state": "break"})

    assert second["agent"] is None
    while (queued := await next_of_type(socket, "agent_state"))["next_state"] is None:
        pass
    assert (queued["state"], queued["next_state"]) == ("on_call", "break")
    assert (await refreshed(taro)).state == AgentState.ON_CALL
    await socket.disconnect()


async def test_duplicate_and_out_of_order_events(cti):
    await agent("agent001", state=AgentState.AVAILABLE)
    call = {"call_id": "c1"}
    offered = await post_event(
        cti, event_id="e1", type="offered", queue="loans", at=T0.isoformat(), **call
    )
    await post_event(
        cti, event_id="e3", type="ended", at=(T0 + timedelta(seconds=100)).isoformat(), **call
    )
    await post_event(
        cti, event_id="e2", type="answered", at=(T0 + timedelta(seconds=10)).isoformat(), **call
    )
    again = await post_event(
        cti, event_id="e2", type="answered", at=(T0 + timedelta(seconds=50)).isoformat(), **call
    )

    contact = await database_sync_to_async(Contact.objects.get)(pk=offered["contact_id"])
    assert again["duplicate"] is True
    assert contact.state == ContactState.ENDED
    assert contact.answered_at == T0 + timedelta(seconds=10)
    assert contact.talk_seconds == 90


async def test_resume_after_a_disconnect_loses_nothing_and_repeats_nothing(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")
    pop = await next_of_type(socket, "screen_pop")
    await socket.disconnect()

    # While the browser is away, the call goes on.
    await post_event(cti, event_id="e2", call_id="c1", type="answered")
    await post_event(cti, event_id="e3", call_id="c1", type="hold")

    socket = await connect_agent(taro)
    await socket.send_json_to({"type": "resume", "last_seq": pop["seq"]})
    replayed = [await socket.receive_json_from(timeout=5) for _ in range(3)]
    await post_event(cti, event_id="e4", call_id="c1", type="unhold")
    live = await socket.receive_json_from(timeout=5)

    assert [(m["type"], m["state"]) for m in replayed] == [
        ("agent_state", "on_call"),
        ("call_state", "answered"),
        ("call_state", "hold"),
    ]
    seqs = [m["seq"] for m in [*replayed, live]]
    assert seqs == list(range(pop["seq"] + 1, pop["seq"] + 5))
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_an_agent_never_receives_another_agents_messages(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    hanako = await agent("agent002", state=AgentState.BREAK)
    taro_socket = await connect_agent(taro)
    hanako_socket = await connect_agent(hanako)

    await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")

    await next_of_type(taro_socket, "screen_pop")
    assert await hanako_socket.receive_nothing(timeout=0.5)
    await taro_socket.disconnect()
    await hanako_socket.disconnect()


async def test_transfer_carries_the_context_and_the_first_agents_notes(cti):
    customer_id = await known_customer()
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    mika = await agent("agent101", desk="service_center", state=AgentState.AVAILABLE)
    taro_socket = await connect_agent(taro)
    mika_socket = await connect_agent(mika)
    first = await post_event(
        cti, event_id="e1", call_id="c1", type="offered", queue="loans", **{"from": "09012345678"}
    )
    await post_event(cti, event_id="e2", call_id="c1", type="answered")
    contact = await database_sync_to_async(Contact.objects.get)(pk=first["contact_id"])
    await database_sync_to_async(add_note)(
        contact=contact, author=taro.user, text="ATMでカードが戻らないとのこと"
    )

    moved = await post_event(
        cti, event_id="e3", call_id="c1", type="transferred", target_queue="atm"
    )

    pop = await next_of_type(mika_socket, "screen_pop")
    assert moved["agent"] == "agent101"
    assert pop["customer"]["id"] == customer_id
    (earlier,) = pop["transfer"]["from_contacts"]
    assert earlier["agent"] == "agent001"
    assert earlier["notes"][0]["text"] == "ATMでカードが戻らないとのこと"
    assert (await next_of_type(taro_socket, "call_state"))["state"] == "answered"
    assert (await next_of_type(taro_socket, "call_state"))["state"] == "transferred"
    assert (await refreshed(taro)).state == AgentState.WRAP_UP
    await taro_socket.disconnect()
    await mika_socket.disconnect()


async def test_handle_time_of_a_scripted_call(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    script = [
        ("offered", 0),
        ("answered", 8),
        ("hold", 60),
        ("unhold", 100),
        ("ended", 300),
        ("wrapup_done", 345),
    ]
    for n, (kind, seconds) in enumerate(script):
        answer = await post_event(
            cti,
            event_id=f"e{n}",
            call_id="c1",
            type=kind,
            queue="loans",
            at=(T0 + timedelta(seconds=seconds)).isoformat(),
        )

    contact = await database_sync_to_async(Contact.objects.get)(pk=answer["contact_id"])
    assert (contact.hold_seconds, contact.talk_seconds, contact.after_call_work_seconds) == (
        40,
        252,
        45,
    )
    assert contact.handle_seconds == 337
    assert contact.state == ContactState.WRAPPED_UP
    assert (await refreshed(taro)).state == AgentState.AVAILABLE


async def test_bad_events_are_refused_with_field_errors(cti):
    bad = await database_sync_to_async(cti.post)(
        "/api/v1/cti/events",
        {"event_id": "e1", "call_id": "c1", "type": "ringing", "at": "yesterday", "queue": "nope"},
        format="json",
    )

    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) >= {"type", "at"}
    assert not await database_sync_to_async(Contact.objects.exists)()
