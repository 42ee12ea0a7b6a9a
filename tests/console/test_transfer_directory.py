"""The transfer directory: every other agent with the state routing sees (a console closed past
the grace is away), each queue's callers waiting and the wait a transferred caller may expect,
in a fixed number of queries; the console serves it to agents only."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console.calls.directory import DEFAULT_HANDLE_SECONDS, transfer_directory
from contacts.models import Channel, Contact, ContactState, Desk, Queue
from tests.factories import UserFactory, make_agent

pytestmark = pytest.mark.django_db


def waiting_call(queue: str) -> Contact:
    return Contact.objects.create(
        channel=Channel.PHONE,
        queue=Queue.objects.get(name=queue),
        state=ContactState.WAITING,
        offered_at=timezone.now(),
    )


def test_agents_show_their_live_state_and_only_free_ones_can_be_picked(settings):
    settings.AGENT_PRESENCE_GRACE_SECONDS = 20
    me = make_agent("agent001", state="on_call")
    make_agent("agent002", state="available")
    make_agent("agent003", state="break")
    gone = make_agent("agent004", state="available")
    gone.socket_closed_at = timezone.now() - timedelta(seconds=60)
    gone.save()

    directory = transfer_directory(viewer=me.user, now=timezone.now())

    assert [(a["username"], a["state"], a["reachable"]) for a in directory["agents"]] == [
        ("agent002", "available", True),
        ("agent003", "break", False),
        ("agent004", "away", False),
    ]


def test_expected_wait_is_the_callers_ahead_times_handle_time_shared_by_the_desk():
    me = make_agent("agent001", state="on_call")
    make_agent("agent002", state="on_call")
    make_agent("agent101", desk=Desk.SERVICE_CENTER, state="available")
    waiting_call("loans")
    waiting_call("loans")
    answered = timezone.now() - timedelta(minutes=10)
    Contact.objects.create(
        channel=Channel.PHONE,
        queue=Queue.objects.get(name="loans"),
        state=ContactState.WRAPPED_UP,
        answered_at=answered,
        wrapped_up_at=answered + timedelta(seconds=240),
    )

    queues = {
        q["name"]: q for q in transfer_directory(viewer=me.user, now=timezone.now())["queues"]
    }

    # Two ahead and this caller, 240 s each, among two agents at work (the viewer not counted
    # as free, but at work: both are on a call).
    assert (queues["loans"]["waiting"], queues["loans"]["expected_wait_s"]) == (2, 360)
    # No history yet on the repayment queue: the default handle time.
    assert queues["repayment"]["expected_wait_s"] == round(DEFAULT_HANDLE_SECONDS / 2)
    # A free agent on the service desk and nobody waiting: no wait.
    assert queues["atm"]["expected_wait_s"] == 0
    assert queues["loans"]["label"] == "ローン申込"


def test_the_directory_takes_the_same_few_queries_for_many_agents():
    me = make_agent("agent001")
    for n in range(2, 30):
        make_agent(f"agent{n:03d}", state="available")
        waiting_call("loans")
    with CaptureQueriesContext(connection) as queries:
        transfer_directory(viewer=me.user, now=timezone.now())
    assert len(queries) == 4


def test_only_agents_may_read_the_directory(client):
    client.force_login(UserFactory(username="super001", role="supervisor"))
    assert client.get("/console/directory/").status_code == 403
    agent = make_agent("agent001")
    make_agent("agent002", state="available")
    client.force_login(agent.user)
    answer = client.get("/console/directory/").json()
    assert [a["username"] for a in answer["agents"]] == ["agent002"]
