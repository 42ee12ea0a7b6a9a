"""Asterisk: recorded AMI traces (tests/console/telephony/ami_traces) replayed through
panoramisk's own test manager give the calls the native day's times, twice over as after a
restart without a change; pops reach the queue member rung, and the blind transfer's next agent
sees the first agent's notes."""

import asyncio
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connections
from panoramisk import testing

from console.agents.models import Agent
from console.telephony.asterisk import AmiTranslator, AsteriskListener, record_ami_events
from contacts.models import CallEvent, Contact, ContactState
from contacts.notes import add_note
from tests.console.scripted_day import SCRIPT, Player, set_up_people
from tests.console.telephony.scripted_platform_day import leg_figures
from tests.console.test_call_flow import connect_agent, next_of_type

TRACES = Path(__file__).parent / "ami_traces"
SOURCE = "asterisk:pbx1"
CALLS = {"1795996800.101": "c1", "1795998000.301": "c3", "1796000400.401": "c4"}


async def replay(*traces: str) -> AsteriskListener:
    """A new listener (as after a restart) reading each trace as Asterisk would send it."""
    manager = testing.Manager(loop=asyncio.get_running_loop())
    listener = AsteriskListener(manager=manager, source=SOURCE)
    for trace in traces:
        manager.stream = str(TRACES / trace)
        await manager.send_action({"Action": "Ping"})
        await listener.drain()
    manager.close()
    # The database work ran on asgiref's thread: its connection goes with the listener.
    await sync_to_async(connections.close_all)()
    return listener


def test_replayed_traces_give_the_native_days_times_and_a_restart_changes_nothing(cti):
    set_up_people()
    Player(cti).play_all()
    native = leg_figures(source="pbx", call_ids={m["call_id"]: m["call_id"] for m in SCRIPT})

    first = asyncio.run(replay("morning.ami", "transfer.ami"))
    stored = CallEvent.objects.filter(source=SOURCE).count()
    again = asyncio.run(replay("morning.ami", "transfer.ami"))

    # c3's abandon repeats the offer its ringing made: one duplicate the first time too.
    assert (first.recorded.recorded, first.recorded.duplicates) == (stored, 1)
    assert (again.recorded.recorded, again.recorded.duplicates) == (0, stored + 1)
    asterisk = leg_figures(source=SOURCE, call_ids=CALLS)
    assert asterisk.keys() == {("c1", 0), ("c3", 0), ("c4", 0), ("c4", 1)}
    for leg, figures in asterisk.items():
        native_leg = native[leg]
        for name in (
            "queue",
            "agent",
            "customer_id",
            "offered_at",
            "answered_at",
            "ended_at",
            "hold_seconds",
            "talk_seconds",
        ):
            assert getattr(figures, name) == getattr(native_leg, name), (leg, name)
    # Asterisk reports no wrap-up: the agents do it in the console.
    assert asterisk[("c3", 0)].state == ContactState.ABANDONED
    assert asterisk[("c4", 0)].state == ContactState.TRANSFERRED
    assert asterisk[("c1", 0)].hold_seconds == 60


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_pops_reach_the_members_rung_and_the_transfer_carries_the_notes():
    await database_sync_to_async(set_up_people)()
    sockets = {}
    for username in ("agent001", "agent002", "agent101"):
        agent = await database_sync_to_async(Agent.objects.get)(user__username=username)
        sockets[username] = await connect_agent(agent)

    await replay("morning.ami")
    taro = await next_of_type(sockets["agent001"], "screen_pop")
    hanako = await next_of_type(sockets["agent002"], "screen_pop")
    first_leg = await database_sync_to_async(Contact.objects.get)(pk=hanako["contact"]["id"])
    author = await database_sync_to_async(lambda: first_leg.agent)()
    await database_sync_to_async(add_note)(contact=first_leg, author=author, text="入金不一致の件")
    await replay("transfer.ami")
    transferred = await next_of_type(sockets["agent101"], "screen_pop")

    assert taro["customer"]["name"] == "山田 太郎"
    assert hanako["customer"]["name"] == "佐藤 花子"
    assert transferred["customer"]["name"] == "佐藤 花子"
    (earlier,) = transferred["transfer"]["from_contacts"]
    assert (earlier["agent"], [n["text"] for n in earlier["notes"]]) == (
        "agent002",
        ["入金不一致の件"],
    )
    for socket in sockets.values():
        await socket.disconnect()


def test_a_member_no_one_knows_is_dropped_and_the_next_call_goes_on(transactional_db):
    set_up_people()
    trace = (TRACES / "morning.ami").read_text().replace("MemberName: agent001", "MemberName: x")

    translator = AmiTranslator()
    outcomes = [
        record_ami_events(source=SOURCE, events=translator.call_events(message))
        for message in _messages(trace)
    ]

    assert sum(o.recorded for o in outcomes) > 0
    assert not Contact.objects.filter(call_id="1795996800.101").exists()
    assert Contact.objects.get(call_id="1796000400.401").agent.username == "agent002"


def _messages(trace: str) -> list[dict]:
    blocks = [b for b in trace.split("\n\n") if b.startswith("Event:")]
    return [dict(line.split(": ", 1) for line in b.splitlines() if ": " in line) for b in blocks]
