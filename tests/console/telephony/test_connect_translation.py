"""Amazon Connect's snapshots as call events, without the database: what each one implies."""

from datetime import UTC, datetime, timedelta

from console.telephony.connect import ConnectContact, call_events, spread_holds

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def contact(**fields) -> ConnectContact:
    return ConnectContact(
        contact_id="c-2",
        call_id="c-1",
        instance_id="demo",
        transferred=False,
        **fields,
    )


def test_a_queued_contact_waits_for_connect_to_name_its_agent():
    assert call_events(contact(enqueued_at=T0), queue="loans", agent="") == []


def test_a_caller_who_hangs_up_in_the_flow_is_no_contact():
    assert call_events(contact(disconnected_at=T0), queue="", agent="") == []


def test_a_caller_who_gives_up_in_the_queue_is_offered_then_ended():
    events = call_events(
        contact(enqueued_at=T0, disconnected_at=T0 + timedelta(seconds=50)), queue="cards", agent=""
    )
    assert [(e.type, e.queue) for e in events] == [("offered", "cards"), ("ended", "")]


def test_a_transferred_contact_opens_the_next_leg_for_its_agent():
    leg = ConnectContact(
        contact_id="c-2",
        call_id="c-1",
        instance_id="demo",
        transferred=True,
        initiated_at=T0,
        connected_at=T0 + timedelta(seconds=10),
    )
    events = call_events(leg, queue="atm", agent="agent101")
    first = events[0]
    assert (first.type, first.call_id, first.target_queue, first.target_agent) == (
        "transferred",
        "c-1",
        "atm",
        "agent101",
    )
    assert [e.event_id for e in events] == ["c-2:transferred", "c-2:answered"]


def test_holds_are_spread_over_the_connected_time_with_connects_totals():
    holds = spread_holds(connected_at=T0, ended_at=T0 + timedelta(seconds=300), count=3, seconds=90)
    assert len(holds) == 3
    assert sum((end - start).total_seconds() for start, end in holds) == 90
    assert all(T0 <= start < end <= T0 + timedelta(seconds=300) for start, end in holds)
