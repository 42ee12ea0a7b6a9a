"""A socket does not outlive its session: logging out, being deactivated or losing the agent
role sets the agent offline and closes their sockets at once; a session that ended any other
way is found on the next message; routing never offers a call to an inactive person."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from console.agents.models import Agent, AgentState
from console.asgi import application
from tests.console.test_call_flow import ORIGIN, post_event
from tests.factories import make_agent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def signed_in_agent(username: str = "agent001") -> tuple[Agent, Client]:
    agent = make_agent(username, state=AgentState.AVAILABLE)
    web = Client()
    web.force_login(agent.user)
    return agent, web


async def connect(web: Client) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(
        application,
        "/ws/agent/",
        headers=[ORIGIN, (b"cookie", f"sessionid={web.cookies['sessionid'].value}".encode())],
    )
    connected, _ = await socket.connect()
    assert connected
    return socket


async def closed_within_a_second(socket: WebsocketCommunicator) -> dict:
    """The close, with the frames sent before it."""
    sent = []
    while True:
        output = await socket.receive_output(timeout=1)
        if output["type"] == "websocket.close":
            return {**output, "sent_before": sent}
        sent.append(output.get("text", ""))


@database_sync_to_async
def state_of(agent: Agent) -> str:
    agent.refresh_from_db()
    return agent.state


async def test_logging_out_sets_the_agent_offline_and_closes_the_socket():
    agent, web = await signed_in_agent()
    socket = await connect(web)

    response = await database_sync_to_async(web.post)("/accounts/logout/")

    assert response.status_code == 302
    assert (await closed_within_a_second(socket))["code"] == 4401
    assert await state_of(agent) == AgentState.OFFLINE


async def test_deactivating_a_person_closes_their_socket():
    agent, web = await signed_in_agent()
    socket = await connect(web)

    @database_sync_to_async
    def deactivate():
        agent.user.is_active = False
        agent.user.save()

    await deactivate()

    assert (await closed_within_a_second(socket))["code"] == 4401
    assert await state_of(agent) == AgentState.OFFLINE


async def test_losing_the_agent_role_closes_the_socket():
    agent, web = await signed_in_agent()
    socket = await connect(web)

    await database_sync_to_async(agent.user.groups.remove)(
        await database_sync_to_async(Group.objects.get)(name="agent")
    )

    assert (await closed_within_a_second(socket))["code"] == 4401
    assert await state_of(agent) == AgentState.OFFLINE


async def test_a_session_that_ended_elsewhere_closes_the_socket_on_its_next_message():
    _, web = await signed_in_agent()
    socket = await connect(web)
    await database_sync_to_async(Session.objects.all().delete)()

    await socket.send_json_to({"type": "resume", "last_seq": 0})

    assert (await closed_within_a_second(socket))["code"] == 4401


async def test_a_push_after_the_session_ended_is_not_forwarded(cti):
    _, web = await signed_in_agent()
    socket = await connect(web)
    # The session is gone without a logout (expired, flushed), and more than a second passes.
    await database_sync_to_async(Session.objects.all().delete)()
    await socket.receive_nothing(timeout=1.1)

    await post_event(
        cti, event_id="e1", call_id="c1", type="offered", queue="loans", agent="agent001"
    )

    output = await closed_within_a_second(socket)
    assert output["code"] == 4401
    assert not any("screen_pop" in frame for frame in output["sent_before"])


async def test_routing_passes_by_an_inactive_person_left_available(cti):
    @database_sync_to_async
    def inactive_but_available() -> None:
        agent = make_agent("agent001", state=AgentState.AVAILABLE, since=timezone.now())
        type(agent.user).objects.filter(pk=agent.user_id).update(is_active=False)

    await inactive_but_available()

    answer = await post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans")

    assert answer["agent"] is None
