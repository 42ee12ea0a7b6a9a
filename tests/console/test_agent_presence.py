"""The console's socket is the agent's presence: an agent whose console has been closed past the
grace is away and never routed to, and a call ringing for them goes to another agent; a break or
offline asked for during a call waits for its after-call work to end; the socket answers in the
agent's language."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from console.agents.models import AgentState
from console.asgi import application
from console.calls.events import send_absent_agents_away
from contacts.models import Contact, ContactState
from tests.console.test_call_flow import (
    ORIGIN,
    agent,
    agent_socket_headers,
    connect_agent,
    next_of_type,
    post_event,
    refreshed,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PAST_THE_GRACE = timedelta(seconds=21)


async def ask_for(socket, state: str) -> dict:
    """Send set_state and wait until the socket tells the state, or the queued state, it took."""
    await socket.send_json_to({"type": "set_state", "state": state})
    while True:
        message = await next_of_type(socket, "agent_state")
        if state in (message["state"], message["next_state"]) or (
            state == "available" and message["next_state"] is None
        ):
            return message


async def test_a_closed_console_is_passed_by_and_its_ringing_call_goes_to_another_agent(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE, since=timezone.now() - timedelta(1))
    hana = await agent("agent002", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    offered = await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")
    assert offered["agent"] == "agent001"
    await socket.disconnect()

    # Within the grace nothing happens; past it taro is away and hana rings.
    assert await database_sync_to_async(send_absent_agents_away)() == 0
    later = timezone.now() + PAST_THE_GRACE
    assert await database_sync_to_async(send_absent_agents_away)(now=later) == 1
    assert await database_sync_to_async(send_absent_agents_away)(now=later) == 0

    contact = await database_sync_to_async(Contact.objects.select_related("agent").get)()
    assert contact.agent.username == "agent002"
    assert contact.state == ContactState.OFFERED
    assert (await refreshed(taro)).state == AgentState.AWAY
    assert (await refreshed(hana)).state == AgentState.ON_CALL


async def test_a_ringing_call_with_nobody_free_goes_back_to_the_queue_and_waits(cti, settings):
    settings.AGENT_PRESENCE_GRACE_SECONDS = 0
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")
    await socket.disconnect()
    # The timer the closing socket set: no beat, no explicit call.
    for _ in range(50):
        if (await refreshed(taro)).state == AgentState.AWAY:
            break
        await asyncio.sleep(0.1)
    assert taro.state == AgentState.AWAY

    contact = await database_sync_to_async(Contact.objects.get)()
    assert contact.state == ContactState.WAITING
    assert contact.agent_id is None

    # The next agent who becomes available takes it; taro, away, gets no more calls.
    hana = await agent("agent002", state=AgentState.OFFLINE)
    hana_socket = await connect_agent(hana)
    await hana_socket.send_json_to({"type": "set_state", "state": "available"})
    pop = await next_of_type(hana_socket, "screen_pop")
    assert pop["contact"]["id"] == str(contact.pk)
    second = await post_event(cti, event_id="e2", call_id="c2", type="offered", queue="loans")
    assert second["agent"] is None
    await hana_socket.disconnect()


async def away_by_closing(taro, cti) -> None:
    """Taro's console closes with a call ringing for him and nobody else free: past the grace
    he is away and the call waits in the queue."""
    socket = await connect_agent(taro)
    await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")
    await socket.disconnect()
    later = timezone.now() + PAST_THE_GRACE
    assert await database_sync_to_async(send_absent_agents_away)(now=later) == 1
    assert (await refreshed(taro)).state == AgentState.AWAY


async def test_a_console_back_soon_after_is_available_and_takes_the_waiting_call(cti):
    """A lost connection (a network drop, Redis or the server restarting closes every socket)
    must not leave the floor away until each agent clicks."""
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    await away_by_closing(taro, cti)

    socket = await connect_agent(taro)
    pop = await next_of_type(socket, "screen_pop")
    assert pop["contact"]["call_id"] == "c1"
    assert (await refreshed(taro)).state == AgentState.ON_CALL
    await socket.disconnect()


async def test_a_console_back_after_the_return_window_stays_away(cti, settings):
    settings.AGENT_PRESENCE_RETURN_SECONDS = 0
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    await away_by_closing(taro, cti)

    socket = await connect_agent(taro)
    # Frames are handled after connect() is done: the answer to a bad one means it has run.
    await socket.send_json_to({"type": "resume", "last_seq": -1})
    await next_of_type(socket, "error")
    assert (await refreshed(taro)).state == AgentState.AWAY
    contact = await database_sync_to_async(Contact.objects.get)()
    assert (contact.state, contact.agent_id) == (ContactState.WAITING, None)
    await socket.disconnect()


async def test_an_agent_with_a_console_open_elsewhere_is_still_present(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    first, second = await connect_agent(taro), await connect_agent(taro)
    await first.disconnect()
    later = timezone.now() + PAST_THE_GRACE
    assert await database_sync_to_async(send_absent_agents_away)(now=later) == 0
    assert (await refreshed(taro)).state == AgentState.AVAILABLE
    await second.disconnect()
    assert await database_sync_to_async(send_absent_agents_away)(now=later) == 1


async def test_an_agent_talking_keeps_the_call_and_goes_away_when_it_is_wrapped_up(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")
    await post_event(cti, event_id="e2", call_id="c1", type="answered")
    await socket.disconnect()
    later = timezone.now() + PAST_THE_GRACE
    assert await database_sync_to_async(send_absent_agents_away)(now=later) == 0
    assert (await refreshed(taro)).state == AgentState.ON_CALL

    await post_event(cti, event_id="e3", call_id="c1", type="ended")
    taro.socket_closed_at = timezone.now() - PAST_THE_GRACE
    await database_sync_to_async(taro.save)(update_fields=["socket_closed_at"])
    await post_event(cti, event_id="e4", call_id="c1", type="wrapup_done", agent="agent001")
    assert (await refreshed(taro)).state == AgentState.AWAY


async def test_a_break_asked_for_during_the_call_is_taken_when_the_wrap_up_ends(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")

    queued = await ask_for(socket, "break")
    assert queued == {**queued, "state": "on_call", "next_state": "break"}

    await post_event(cti, event_id="e2", call_id="c1", type="answered")
    await post_event(cti, event_id="e3", call_id="c1", type="ended")
    assert (await refreshed(taro)).state == AgentState.WRAP_UP
    assert taro.next_state == AgentState.BREAK
    await post_event(cti, event_id="e4", call_id="c1", type="wrapup_done", agent="agent001")

    taro = await refreshed(taro)
    assert (taro.state, taro.next_state) == (AgentState.BREAK, "")
    await socket.disconnect()


async def test_a_break_chosen_during_wrap_up_is_kept(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")
    await post_event(cti, event_id="e2", call_id="c1", type="answered")
    await post_event(cti, event_id="e3", call_id="c1", type="ended")
    queued = await ask_for(socket, "break")
    assert queued == {**queued, "state": "wrap_up", "next_state": "break"}
    await post_event(cti, event_id="e4", call_id="c1", type="wrapup_done", agent="agent001")
    assert (await refreshed(taro)).state == AgentState.BREAK
    await socket.disconnect()


async def test_available_takes_back_a_queued_break(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")
    await ask_for(socket, "offline")
    assert (await ask_for(socket, "available"))["next_state"] is None
    await post_event(cti, event_id="e2", call_id="c1", type="answered")
    await post_event(cti, event_id="e3", call_id="c1", type="ended")
    await post_event(cti, event_id="e4", call_id="c1", type="wrapup_done", agent="agent001")
    assert (await refreshed(taro)).state == AgentState.AVAILABLE
    await socket.disconnect()


@pytest.mark.parametrize(
    ("language_header", "expected"),
    [
        ((b"cookie-language", "en"), "That is not a state an agent can choose."),
        ((b"accept-language", "ja,en;q=0.5"), "エージェントが選べる状態ではありません。"),
        ((b"accept-language", "en-US,en;q=0.9"), "That is not a state an agent can choose."),
    ],
)
async def test_the_socket_answers_in_the_agents_language(cti, language_header, expected):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    headers = [header for header in await agent_socket_headers(taro) if header != ORIGIN]
    name, language = language_header
    if name == b"cookie-language":
        headers = [
            (b"cookie", value + f"; django_language={language}".encode()) for _, value in headers
        ]
    else:
        headers.append((name, language.encode()))
    socket = WebsocketCommunicator(application, "/ws/agent/", headers=[ORIGIN, *headers])
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "set_state", "state": "on_call"})
    assert (await next_of_type(socket, "error"))["message"] == expected
    await socket.disconnect()
