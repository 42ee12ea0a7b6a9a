"""/ws/supervisor/: supervisors only; the whole wallboard at once, then at most one `stats`
message a second while anything changes, and nothing for a change that was rolled back."""

import itertools
import time
from datetime import datetime

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils import timezone

from console.asgi import application
from console.calls.events import choose_agent_state, handle_call_event
from console.supervision.models import LiveContactFigures, LiveQueueFigures
from contacts.call_events import CallEventInput
from tests.factories import UserFactory, make_agent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
CONTRACT_QUEUE_KEYS = {
    "name",
    "waiting",
    "longest_wait_s",
    "answered_today",
    "abandoned_today",
    "aht_s",
    "service_level",
}


@database_sync_to_async
def cookie_of(user) -> tuple[bytes, bytes]:
    web = Client()
    web.force_login(user)
    return (b"cookie", f"sessionid={web.cookies['sessionid'].value}".encode())


@database_sync_to_async
def person(username: str, role: str):
    return UserFactory(username=username, role=role)


async def open_wallboard(user) -> tuple[WebsocketCommunicator, bool, int | None]:
    headers = [ORIGIN] if user is None else [ORIGIN, await cookie_of(user)]
    communicator = WebsocketCommunicator(application, "/ws/supervisor/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def next_stats(communicator, *, timeout: float = 5, until=lambda message: True) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        message = await communicator.receive_json_from(
            timeout=max(deadline - time.monotonic(), 0.01)
        )
        if message["type"] == "stats" and until(message):
            return message


async def stats_until_quiet(communicator, *, quiet_for: float) -> list[dict]:
    """Every stats message until nothing has come for a while. (A receive that times out
    would stop the consumer: asgiref's communicator cancels the application.)"""
    received = []
    while not await communicator.receive_nothing(timeout=quiet_for):
        message = await communicator.receive_json_from()
        if message["type"] == "stats":
            received.append(message)
    return received


def queue(message: dict, name: str) -> dict:
    return next(entry for entry in message["queues"] if entry["name"] == name)


@database_sync_to_async
def post(cti, **event) -> dict:
    event.setdefault("at", timezone.now().isoformat())
    response = cti.post("/api/v1/cti/events", event, format="json")
    assert response.status_code == 202, response.content
    return response.json()


async def test_a_socket_without_a_signed_in_person_is_refused(transactional_db):
    _, connected, code = await open_wallboard(None)

    assert (connected, code) == (False, 4401)


@pytest.mark.parametrize("role", ["agent", "steward"])
async def test_people_who_are_not_supervisors_are_refused(transactional_db, role):
    _, connected, code = await open_wallboard(await person(f"{role}-x", role))

    assert (connected, code) == (False, 4403)


@pytest.mark.parametrize("role", ["supervisor", "admin"])
async def test_supervisors_get_the_whole_wallboard_at_once(transactional_db, role):
    await database_sync_to_async(make_agent)("agent001", state="available")
    await database_sync_to_async(make_agent)("agent101", desk="service_center", state="break")

    socket, connected, _ = await open_wallboard(await person(f"{role}-x", role))
    message = await next_stats(socket)

    assert connected
    assert set(message["agents"]) == {"available", "on_call", "wrap_up", "break", "offline", "away"}
    assert (message["agents"]["available"], message["agents"]["break"]) == (1, 1)
    assert {entry["name"] for entry in message["queues"]} == {
        "loans",
        "repayment",
        "limit",
        "atm",
        "cards",
    }
    assert all(set(entry) >= CONTRACT_QUEUE_KEYS for entry in message["queues"])
    assert [entry["agent"] for entry in message["roster"]] == ["agent001", "agent101"]
    await socket.disconnect()


async def test_a_call_and_an_agent_state_change_reach_the_wallboard(cti):
    taro = await database_sync_to_async(make_agent)("agent001", state="available")
    socket, _, _ = await open_wallboard(await person("super001", "supervisor"))
    await next_stats(socket)

    await post(cti, event_id="e1", call_id="c1", type="offered", queue="loans")
    ringing = await next_stats(socket, until=lambda m: queue(m, "loans")["waiting"] == 1)
    await post(cti, event_id="e2", call_id="c1", type="answered")
    answered = await next_stats(socket, until=lambda m: queue(m, "loans")["answered_today"] == 1)
    await post(cti, event_id="e3", call_id="c1", type="ended")
    await post(cti, event_id="e4", call_id="c1", type="wrapup_done")
    await database_sync_to_async(choose_agent_state)(agent_id=taro.pk, state="break")
    on_break = await next_stats(socket, until=lambda m: m["agents"]["break"] == 1)

    assert ringing["agents"]["on_call"] == 1
    assert ringing["roster"][0]["call"]["state"] == "offered"
    assert answered["roster"][0]["call"]["state"] == "answered"
    assert queue(on_break, "loans")["aht_s"] is not None
    assert on_break["roster"][0]["state"] == "break"
    assert on_break["roster"][0]["seconds_in_state"] >= 0
    await socket.disconnect()


async def test_many_events_make_at_most_one_message_a_second(cti):
    for n in range(1, 5):
        await database_sync_to_async(make_agent)(f"agent00{n}", state="available")
    socket, _, _ = await open_wallboard(await person("super001", "supervisor"))
    await next_stats(socket)

    started = time.monotonic()
    for n in range(12):
        await post(cti, event_id=f"o{n}", call_id=f"c{n}", type="offered", queue="loans")
    posting = time.monotonic() - started
    received = await stats_until_quiet(socket, quiet_for=2.5)
    last = received[-1]
    sent_at = [datetime.fromisoformat(message["at"]) for message in received]

    # The last message carries every call: 4 ringing at agents, 8 waiting.
    assert queue(last, "loans")["waiting"] == 12
    assert last["agents"]["on_call"] == 4
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(sent_at)]
    # Turns are a second apart; reading the figures after a turn takes a few milliseconds more
    # or less each time.
    assert all(gap >= 0.9 for gap in gaps), gaps
    assert len(sent_at) <= posting + 2
    await socket.disconnect()


@database_sync_to_async
def offer_and_roll_back() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        handle_call_event(
            source="pbx",
            event=CallEventInput(
                event_id="e1", call_id="c1", type="offered", queue="loans", at=timezone.now()
            ),
        )
        raise RuntimeError("the request failed after the event was handled")


async def test_a_change_that_is_rolled_back_is_never_announced(transactional_db):
    socket, _, _ = await open_wallboard(await person("super001", "supervisor"))
    await next_stats(socket)
    # Let any earlier change go out first.
    await stats_until_quiet(socket, quiet_for=1.2)

    await offer_and_roll_back()

    assert await socket.receive_nothing(timeout=1.5)
    assert not await database_sync_to_async(LiveQueueFigures.objects.exists)()
    assert not await database_sync_to_async(LiveContactFigures.objects.exists)()
    await socket.disconnect()


async def test_the_socket_closes_once_the_person_may_no_longer_watch(transactional_db):
    supervisor = await person("super001", "supervisor")
    socket, _, _ = await open_wallboard(supervisor)
    await next_stats(socket)

    await database_sync_to_async(get_user_model().objects.filter(pk=supervisor.pk).update)(
        is_active=False
    )
    await socket.send_json_to({"type": "refresh"})

    closed = await socket.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}
    await socket.disconnect()
