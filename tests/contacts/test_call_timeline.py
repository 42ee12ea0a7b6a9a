"""A call's legs computed from its events: times from `at`, any arrival order, transfers."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contacts.call_timeline import TimelineEvent, call_legs
from contacts.models import ContactState

START = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def event(n: int, type_: str, seconds: float, **fields) -> TimelineEvent:
    return TimelineEvent(
        event_id=f"e{n}", type=type_, at=START + timedelta(seconds=seconds), **fields
    )


SCRIPTED_CALL = [
    event(1, "offered", 0, queue="loans", agent="agent001", caller_number="09012345678"),
    event(2, "answered", 12),
    event(3, "hold", 60),
    event(4, "unhold", 90),
    event(5, "hold", 120),
    event(6, "unhold", 125),
    event(7, "ended", 312),
    event(8, "wrapup_done", 372, agent="agent001"),
]


def test_scripted_call_gives_talk_hold_and_after_call_work():
    (leg,) = call_legs(SCRIPTED_CALL)

    assert leg.state == ContactState.WRAPPED_UP
    assert leg.offered_at == START
    assert leg.answered_at == START + timedelta(seconds=12)
    assert leg.hold_seconds == 35
    assert leg.ended_at == START + timedelta(seconds=312)
    assert leg.wrapped_up_at == START + timedelta(seconds=372)


@pytest.mark.parametrize(
    "order", list(itertools.islice(itertools.permutations(range(8)), 0, 40320, 997))
)
def test_any_arrival_order_gives_the_same_legs(order):
    shuffled = [SCRIPTED_CALL[i] for i in order]

    assert call_legs(shuffled) == call_legs(SCRIPTED_CALL)


def test_a_repeated_event_changes_nothing():
    assert call_legs([*SCRIPTED_CALL, SCRIPTED_CALL[2], SCRIPTED_CALL[1]]) == call_legs(
        SCRIPTED_CALL
    )


def test_a_call_ended_before_an_answer_is_abandoned():
    (leg,) = call_legs([event(1, "offered", 0, queue="loans"), event(2, "ended", 40)])

    assert leg.state == ContactState.ABANDONED
    assert leg.answered_at is None


def test_an_offer_without_an_agent_waits():
    (leg,) = call_legs([event(1, "offered", 0, queue="loans")])

    assert leg.state == ContactState.WAITING


def test_transfer_ends_one_leg_and_offers_the_next():
    legs = call_legs(
        [
            event(1, "offered", 0, queue="loans", agent="agent001", caller_number="0312345678"),
            event(2, "answered", 5),
            event(3, "hold", 30),
            event(4, "transferred", 50, target_queue="atm", target_agent="agent002"),
            event(5, "answered", 58),
            event(6, "ended", 200),
            event(7, "wrapup_done", 80, agent="agent001"),
            event(8, "wrapup_done", 230, agent="agent002"),
        ]
    )

    first, second = legs
    assert (first.state, first.hold_seconds, first.ended_at) == (
        ContactState.TRANSFERRED,
        20,
        START + timedelta(seconds=50),
    )
    assert first.wrapped_up_at == START + timedelta(seconds=80)
    assert (second.leg, second.queue, second.agent) == (1, "atm", "agent002")
    assert second.caller_number == "0312345678"
    assert second.answered_at == START + timedelta(seconds=58)
    assert second.state == ContactState.WRAPPED_UP


def test_events_before_the_offer_wait_for_it():
    legs = call_legs([event(2, "answered", 5), event(1, "offered", 0, queue="loans", agent="a")])

    assert legs[0].state == ContactState.ANSWERED


def test_the_transferring_agents_own_end_ends_their_leg_not_the_call():
    # Amazon Connect reports the first leg's disconnect, naming its agent, after the transfer.
    legs = call_legs(
        [
            event(1, "offered", 0, queue="loans", agent="agent001"),
            event(2, "answered", 5),
            event(3, "transferred", 50, target_queue="atm", target_agent="agent002"),
            event(4, "ended", 52, agent="agent001"),
            event(5, "answered", 58, agent="agent002"),
            event(6, "ended", 200, agent="agent002"),
        ]
    )

    first, second = legs
    assert (first.state, first.ended_at) == (
        ContactState.TRANSFERRED,
        START + timedelta(seconds=50),
    )
    assert (second.state, second.ended_at) == (ContactState.ENDED, START + timedelta(seconds=200))
