"""The live wallboard's figures against the scripted day of tests/console/scripted_day.py,
with the right answers worked out by hand from the story of each call. Transactional: the live
totals move when each event's transaction commits."""

import pytest

from console.supervision.models import LiveQueueFigures
from console.supervision.wallboard import wallboard_snapshot
from contacts.queues import set_service_level_thresholds
from tests.console.scripted_day import NEXT_DAY, D, Player, at, set_up_people

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def player(client_with_scopes):
    set_service_level_thresholds(thresholds={"repayment": 30})
    set_up_people()
    return Player(cti=client_with_scopes("cti"))


def queue(snapshot: dict, name: str) -> dict:
    return next(entry for entry in snapshot["queues"] if entry["name"] == name)


def desk(snapshot: dict, name: str) -> dict:
    return next(entry for entry in snapshot["desks"] if entry["desk"] == name)


def agent(snapshot: dict, username: str) -> dict:
    return next(entry for entry in snapshot["roster"] if entry["agent"] == username)


def test_wallboard_mid_morning_with_a_call_waiting_and_none_free(player):
    player.play_until(at(D, "10:05:30"))

    board = wallboard_snapshot(now=at(D, "10:05:40"))

    # c5 waits in cards: no service-center agent is free, agent101 talks on c4's second leg.
    cards = queue(board, "cards")
    assert (cards["waiting"], cards["longest_wait_s"]) == (1, 40)
    assert cards["oldest_waiting_since"] == at(D, "10:05:00").isoformat()
    assert desk(board, "service_center")["waiting"] == 1
    assert desk(board, "service_center")["longest_wait_s"] == 40
    # Loans so far: c1 (within 20 s), c2 (30 s: late) answered, c3 abandoned.
    loans = queue(board, "loans")
    assert (loans["waiting"], loans["answered_today"], loans["abandoned_today"]) == (0, 2, 1)
    assert loans["aht_s"] == round((350 + 270) / 2)
    assert loans["service_level"] == round(1 / 3, 3)
    # c4's first leg: answered at 25 s (within repayment's 30 s), talked 240 s, wrapped up 60 s
    # after the transfer — counted although the leg's state did not change with the wrap-up.
    repayment = queue(board, "repayment")
    assert (repayment["answered_today"], repayment["aht_s"], repayment["service_level"]) == (
        1,
        300,
        1.0,
    )
    # The second leg is still going: answered (10 s, within), no handle time yet.
    atm = queue(board, "atm")
    assert (atm["answered_today"], atm["aht_s"], atm["service_level"]) == (1, None, 1.0)
    talking = agent(board, "agent101")
    assert talking["state"] == "on_call"
    assert talking["call"]["queue"] == "atm"
    assert talking["call"]["state"] == "answered"
    assert talking["call"]["seconds"] == 65  # since its answer at 10:04:35
    assert talking["call"]["identified_at_offer"] is True


def test_wallboard_with_a_call_ringing_at_an_agent(player):
    player.play_until(at(D, "11:00:00"))

    board = wallboard_snapshot(now=at(D, "11:00:30"))

    loans = queue(board, "loans")
    assert (loans["waiting"], loans["longest_wait_s"]) == (1, 30)
    ringing = agent(board, "agent001")
    assert ringing["state"] == "on_call"
    assert (ringing["call"]["queue"], ringing["call"]["state"]) == ("loans", "offered")
    assert agent(board, "agent101")["state"] == "available"
    assert agent(board, "agent101")["call"] is None
    # The service center's whole morning: c4's second leg (360 s, within) and c5 abandoned.
    cards, atm = queue(board, "cards"), queue(board, "atm")
    assert (cards["answered_today"], cards["abandoned_today"], cards["service_level"]) == (
        0,
        1,
        0.0,
    )
    assert (atm["answered_today"], atm["aht_s"]) == (1, 360)
    service = desk(board, "service_center")
    assert (service["answered_today"], service["abandoned_today"]) == (1, 1)
    assert (service["aht_s"], service["service_level"]) == (360, 0.5)
    assert sum(board["agents"].values()) == 3


def test_wallboard_late_in_the_day_and_after_midnight(player):
    player.play_until(at(D, "23:58:12"))

    before_midnight = wallboard_snapshot(now=at(D, "23:59:00"))

    # c6 is talking: answered at 12 s (within), no handle time until it ends.
    loans = queue(before_midnight, "loans")
    assert (loans["offered_today"], loans["answered_today"], loans["abandoned_today"]) == (5, 4, 1)
    assert loans["aht_s"] == round((350 + 270 + 140) / 3)
    assert loans["service_level"] == round(2 / 5, 3)
    cc = desk(before_midnight, "contact_center")
    assert (cc["answered_today"], cc["abandoned_today"]) == (5, 1)
    assert cc["aht_s"] == round((350 + 270 + 140 + 300) / 4)
    assert cc["service_level"] == 0.5
    hours = {(row["queue"], row["hour"]) for row in before_midnight["intervals"]}
    assert hours == {
        ("loans", 9),
        ("repayment", 10),
        ("atm", 10),
        ("cards", 10),
        ("loans", 11),
        ("loans", 23),
    }

    player.play_all()
    after_midnight = wallboard_snapshot(now=at(NEXT_DAY, "00:13:00"))

    # A new day on the wallboard: only c7 so far. c6 went on past midnight but stays on D.
    assert queue(after_midnight, "loans")["answered_today"] == 0
    cards = queue(after_midnight, "cards")
    assert (cards["answered_today"], cards["aht_s"], cards["service_level"]) == (1, 150, 1.0)
    day_d = {
        row.queue.name: row
        for row in LiveQueueFigures.objects.filter(day=D, hour=23).select_related("queue")
    }
    assert (day_d["loans"].handled, day_d["loans"].handle_seconds) == (1, 348)


def test_replayed_and_repeated_events_do_not_count_twice(player):
    player.play_until(at(D, "09:20:40"))
    # The PBX sends c1's answer again, and a late copy of c2's end under a new id.
    repeated = player.cti.post(
        "/api/v1/cti/events",
        {
            "event_id": player.event_id("c1", "answered"),
            "call_id": "c1",
            "type": "answered",
            "at": at(D, "09:00:10").isoformat(),
        },
        format="json",
    )
    late_copy = player.cti.post(
        "/api/v1/cti/events",
        {
            "event_id": "again",
            "call_id": "c2",
            "type": "ended",
            "at": at(D, "09:14:30").isoformat(),
        },
        format="json",
    )
    assert repeated.json()["duplicate"] is True
    assert late_copy.json()["duplicate"] is False

    loans = queue(wallboard_snapshot(now=at(D, "09:30:00")), "loans")

    assert (loans["answered_today"], loans["abandoned_today"], loans["aht_s"]) == (2, 1, 310)
