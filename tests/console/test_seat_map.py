"""The seat map over /ws/supervisor/: only the seat map's socket names a call's customer, and
writes each one down once per call; the help sign reaches every supervisor at once; joining a
call goes to the call's platform as its connector knows how, or is recorded only."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from console.agents.models import HelpRequest
from console.asgi import application
from console.audit.models import ViewAudit
from console.calls.events import handle_call_event
from console.supervision.models import CallJoin
from contacts.call_events import CallEventInput
from contacts.models import Contact
from customers.models import Customer
from tests.console.test_wallboard_socket import ORIGIN, cookie_of, next_stats, person
from tests.factories import UserFactory, make_agent

pytestmark = [pytest.mark.django_db(transaction=True)]


def live_call(*, source: str, agent: str, call_id: str = "c1", customer=None) -> Contact:
    at = timezone.now()
    for kind in ["offered", "answered"]:
        handle_call_event(
            source=source,
            event=CallEventInput(
                event_id=f"{call_id}-contact:{kind}",
                call_id=call_id,
                type=kind,
                at=at,
                queue="loans",
                agent=agent,
            ),
        )
    contact = Contact.objects.get(source=source, call_id=call_id)
    if customer is not None:
        Contact.objects.filter(pk=contact.pk).update(customer=customer)
    return contact


def roster_call(message: dict, agent: str) -> dict:
    return next(entry for entry in message["roster"] if entry["agent"] == agent)["call"]


async def open_socket(user, path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, await cookie_of(user)])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@pytest.mark.asyncio
async def test_only_the_seat_map_names_the_caller_and_writes_it_down_once_per_call():
    customer = await database_sync_to_async(Customer.objects.create)(
        name="山田 太郎", name_kana="ヤマダ タロウ", customer_number="C0012345"
    )
    await database_sync_to_async(make_agent)("agent001", state="available")
    contact = await database_sync_to_async(live_call)(
        source="pbx", agent="agent001", customer=customer
    )
    supervisor = await person("super001", "supervisor")

    wallboard = await open_socket(supervisor, "/ws/supervisor/")
    seat_map = await open_socket(supervisor, "/ws/supervisor/?view=seat_map")
    plain = roster_call(await next_stats(wallboard), "agent001")
    named = roster_call(await next_stats(seat_map), "agent001")
    await seat_map.send_json_to({"type": "refresh"})
    again = roster_call(await next_stats(seat_map), "agent001")

    assert "customer_id" not in plain and "customer" not in plain
    assert named["customer"] == again["customer"]
    assert named["customer"]["name"] == "山田 太郎"
    assert "customer_id" not in named
    audits = await database_sync_to_async(list)(
        ViewAudit.objects.filter(viewer=supervisor).values_list("customer_id", "contact_id")
    )
    assert audits == [(customer.pk, contact.pk)]
    await wallboard.disconnect()
    await seat_map.disconnect()


@pytest.mark.asyncio
async def test_the_help_sign_reaches_the_supervisors_at_once_and_is_raised_once():
    agent = await database_sync_to_async(make_agent)("agent001", state="available")
    supervisor = await person("super001", "supervisor")
    seat_map = await open_socket(supervisor, "/ws/supervisor/?view=seat_map")
    await next_stats(seat_map)
    console = await open_socket(agent.user, "/ws/agent/")

    await console.send_json_to({"type": "help_sign", "raised": True})
    await console.send_json_to({"type": "help_sign", "raised": True})
    await console.send_json_to({"type": "help_sign", "raised": "yes"})
    # The refusal is sent straight back, the sign's message on commit: either may come first.
    answers = {}
    for _ in range(2):
        message = await console.receive_json_from(timeout=5)
        answers[message["type"]] = message
    own, refused = answers["help_sign"], answers["error"]
    alert = await seat_map.receive_json_from(timeout=5)
    while alert["type"] != "help_sign":
        alert = await seat_map.receive_json_from(timeout=5)

    assert (own["type"], own["raised"]) == ("help_sign", True)
    assert "raised" in refused["message"]
    assert (alert["agent"], alert["raised"]) == ("agent001", True)
    assert await database_sync_to_async(HelpRequest.objects.count)() == 1

    await console.send_json_to({"type": "help_sign", "raised": False})
    lowered = await console.receive_json_from(timeout=5)
    assert lowered["raised"] is False
    request = await database_sync_to_async(HelpRequest.objects.get)()
    assert request.lowered_at is not None and request.acknowledged_by_id is None
    await console.disconnect()
    await seat_map.disconnect()


def join(client: Client, **form):
    return client.post("/wallboard/seats/join", form)


@pytest.fixture
def supervisor_client(transactional_db):
    client = Client()
    client.force_login(UserFactory(username="super001", role="supervisor"))
    return client


def test_joining_a_connect_call_asks_for_a_monitor_and_a_whisper_is_recorded_only(
    supervisor_client,
):
    make_agent("agent001", state="available")
    live_call(source="amazon-connect:instance-1", agent="agent001", call_id="initial-1")

    barge = join(supervisor_client, agent="agent001", mode="barge")
    whisper = join(supervisor_client, agent="agent001", mode="whisper")

    assert barge.status_code == whisper.status_code == 200
    first, second = CallJoin.objects.order_by("started_at", "pk")
    assert first.platform_request == {
        "action": "MonitorContact",
        "InstanceId": "instance-1",
        "ContactId": "initial-1-contact",
        "UserId": "super001",
        "AllowedMonitorCapabilities": ["SILENT_MONITOR", "BARGE"],
    }
    # One join at a time: the whisper ended the barge. Connect has no whisper: recorded only.
    assert first.ended_at == second.started_at
    assert (second.platform, second.sent_to_platform) == ("amazon_connect", False)
    assert whisper.json()["join"]["sent_to_platform"] is False


def test_an_asterisk_whisper_spies_on_the_agents_channel_and_leaving_ends_the_join(
    supervisor_client,
):
    make_agent("agent001", state="available")
    live_call(source="asterisk:pbx1", agent="agent001")

    answer = join(supervisor_client, agent="agent001", mode="whisper").json()
    left = supervisor_client.post(f"/wallboard/seats/joins/{answer['join']['id']}/end")

    request = CallJoin.objects.get().platform_request
    assert (request["Application"], request["Data"]) == ("ChanSpy", "PJSIP/agent001,qwE")
    assert request["Channel"] == "PJSIP/super001"
    assert left.status_code == 200 and left.json()["join"]["ended_at"]


def test_a_join_without_a_call_answers_the_help_sign_and_is_recorded_only(supervisor_client):
    agent = make_agent("agent001", state="available")
    HelpRequest.objects.create(agent=agent)

    answer = join(supervisor_client, agent="agent001", mode="monitor")

    assert answer.status_code == 200
    join_row = CallJoin.objects.get()
    assert (join_row.contact, join_row.platform_request) == (None, {})
    request = HelpRequest.objects.get()
    assert request.acknowledged_by.username == "super001" and request.lowered_at is not None


@pytest.mark.parametrize(
    "form", [{"agent": "agent001", "mode": "listen"}, {"agent": "nobody", "mode": "monitor"}, {}]
)
def test_a_bad_join_is_refused_with_json_and_stores_nothing(supervisor_client, form):
    make_agent("agent001", state="available")

    answer = join(supervisor_client, **form)

    assert answer.status_code == 400
    assert answer.json()["error"]["message"]
    assert CallJoin.objects.count() == 0


def test_agents_may_not_join_calls(transactional_db):
    agent = make_agent("agent001", state="available")
    make_agent("agent002", state="available")
    client = Client()
    client.force_login(agent.user)

    assert join(client, agent="agent002", mode="monitor").status_code == 403
    assert client.get("/wallboard/seats/").status_code == 403
    assert CallJoin.objects.count() == 0
