"""What a browser may send down a socket that the console cannot take — text that is not JSON,
binary frames, odd `resume` values — is answered `{"type": "error"}` and the socket stays open.
`resume` takes a whole number from 0 to the agent's last sequence number."""

import pytest

from console.agents.models import AgentState
from tests.console.test_call_flow import (
    agent,
    connect_agent,
    next_of_type,
    post_event,
    refreshed,
)
from tests.console.test_wallboard_socket import open_wallboard, person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def answer_to(socket, **frame) -> dict:
    await socket.send_to(**frame)
    return await socket.receive_json_from(timeout=5)


async def assert_still_served(socket, cti, call_id: str = "c1") -> dict:
    """The socket still carries the agent's calls."""
    await post_event(
        cti, event_id=f"{call_id}-offer", call_id=call_id, type="offered", queue="loans"
    )
    return await next_of_type(socket, "screen_pop")


@pytest.mark.parametrize(
    "frame",
    [
        {"text_data": "not json"},
        {"text_data": "{"},
        {"text_data": "[" * 100_000 + "]" * 100_000},
        {"bytes_data": b"\x00\x01binary"},
        {"text_data": '"just a string"'},
        {"text_data": '{"type": "\\ud800"}'},
        {"text_data": '{"type": "set_state", "state": ["available"]}'},
    ],
)
async def test_an_unreadable_frame_is_an_error_and_the_socket_stays(cti, frame):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)

    answer = await answer_to(socket, **frame)

    assert answer["type"] == "error" and answer["message"]
    assert (await assert_still_served(socket, cti))["seq"] >= 1
    await socket.disconnect()


@pytest.mark.parametrize(
    "last_seq",
    ["true", "false", "-1", "1.5", '"3"', "null", "[1]", "1" + "0" * 30, str(2**63), "9" * 400],
)
async def test_an_odd_resume_is_an_error_and_changes_nothing(cti, last_seq):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)

    answer = await answer_to(socket, text_data=f'{{"type": "resume", "last_seq": {last_seq}}}')

    assert answer["type"] == "error"
    # The next message still comes: no seq from the future silenced the socket.
    await assert_still_served(socket, cti)
    await socket.disconnect()


async def test_resume_past_the_agents_last_message_is_refused(cti):
    taro = await agent("agent001", state=AgentState.AVAILABLE)
    socket = await connect_agent(taro)
    pop = await assert_still_served(socket, cti)
    last_seq = (await refreshed(taro)).last_seq
    while await socket.receive_nothing(timeout=0.2) is False:
        await socket.receive_json_from()

    too_far = await answer_to(socket, text_data=f'{{"type": "resume", "last_seq": {last_seq + 1}}}')
    await socket.send_json_to({"type": "resume", "last_seq": pop["seq"] - 1})
    replayed = await socket.receive_json_from(timeout=5)

    assert too_far["type"] == "error"
    assert replayed == pop
    await socket.disconnect()


async def test_the_wallboard_socket_answers_unreadable_frames_and_stays(transactional_db):
    supervisor = await person("super001", "supervisor")
    socket, connected, _ = await open_wallboard(supervisor)
    assert connected

    for frame in ({"bytes_data": b"\xff"}, {"text_data": "nope"}):
        await socket.send_to(**frame)
        while (answer := await socket.receive_json_from(timeout=5))["type"] != "error":
            pass
    await socket.send_json_to({"type": "refresh"})
    while (answer := await socket.receive_json_from(timeout=5))["type"] == "error":
        pass

    assert answer["type"] != "error"
    await socket.disconnect()
