"""The handle-time reports' figures against the scripted day of tests/console/scripted_day.py,
with the right answers worked out by hand from the story of each call: by desk, queue and agent,
by day, hour and range, across midnight, and the before/after comparison."""

from datetime import date

import pytest
from django.utils import translation

from console.supervision.models import RolledUpDay
from console.supervision.reports import COLUMNS, Side, compare, contact_report
from console.supervision.rollups import roll_up_days
from console.supervision.tasks import roll_up_days_task
from contacts.queues import set_service_level_thresholds
from tests.console.scripted_day import EARLIER_DAY, NEXT_DAY, D, Player, at, set_up_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def played_day(client_with_scopes):
    set_service_level_thresholds(thresholds={"repayment": 30})
    set_up_people()
    player = Player(cti=client_with_scopes("cti"))
    player.play_all()
    roll_up_days_task.apply(
        kwargs={"days": [d.isoformat() for d in (EARLIER_DAY, D, NEXT_DAY)]}
    ).get()
    # The API's requests leave the default language (Japanese) active: read the labels in English.
    with translation.override("en"):
        yield player


def rows_by_group(report) -> dict:
    return {row.group: row for row in report.rows}


def test_report_by_desk_for_the_day(played_day):
    report = contact_report(start=D, end=D, group="desk", period="day")

    rows = rows_by_group(report)
    cc, service = rows["Contact center"].figures, rows["Service center"].figures
    # Contact center: c1, c2, c3, c4 (leg 0), c6, c8.
    assert (cc.contacts, cc.answered, cc.abandoned, cc.handled) == (6, 5, 1, 5)
    assert cc.service_level == 3 / 6  # c1, c4, c6 within; c2, c8 late; c3 abandoned
    assert cc.abandonment_rate == 1 / 6
    assert cc.talk_seconds == 240 + 240 + 240 + 300 + 120
    assert cc.hold_seconds == 60
    assert cc.after_call_work_seconds == 50 + 30 + 60 + 48 + 20
    assert cc.aht_seconds == (350 + 270 + 300 + 348 + 140) / 5
    assert (cc.transfers, cc.transfers_to_other_desk) == (1, 1)
    # Calls with a known customer: c1 (A), c3 (B), c4 (B), c6 (A); repeats: c1, c4, c6.
    assert (cc.calls, cc.calls_with_customer, cc.repeat_calls) == (6, 4, 3)
    assert cc.repeat_rate == 3 / 4
    assert cc.first_contact_resolution == 1 / 4
    assert cc.identified_share == 4 / 6
    # Service center: c4's second leg and c5.
    assert (service.contacts, service.answered, service.abandoned) == (2, 1, 1)
    assert (service.service_level, service.aht_seconds) == (0.5, 360)
    assert (service.average_talk_seconds, service.average_hold_seconds) == (270, 30)
    assert service.average_after_call_work_seconds == 60
    assert (service.calls, service.calls_with_customer, service.repeat_rate) == (1, 0, None)
    assert service.identified_share == 1 / 2  # the transferred leg came with B already known
    assert report.total.contacts == 8


def test_report_by_queue_and_hour(played_day):
    report = contact_report(start=D, end=D, group="queue", period="hour")

    cells = {(row.period, row.group): row.figures for row in report.rows}
    assert set(cells) == {
        ("2026-11-24 09:00", "loans"),
        ("2026-11-24 10:00", "repayment"),
        ("2026-11-24 10:00", "atm"),
        ("2026-11-24 10:00", "cards"),
        ("2026-11-24 11:00", "loans"),
        ("2026-11-24 23:00", "loans"),
    }
    nine = cells[("2026-11-24 09:00", "loans")]
    assert (nine.contacts, nine.answered, nine.abandoned) == (3, 2, 1)
    assert nine.service_level == 1 / 3
    assert (nine.aht_seconds, nine.average_hold_seconds) == (310, 30)
    assert (nine.calls_with_customer, nine.repeat_calls) == (2, 1)
    # c6 crossed midnight: all of it counts at 23h on D, talk included.
    late = cells[("2026-11-24 23:00", "loans")]
    assert (late.contacts, late.talk_seconds, late.after_call_work_seconds) == (1, 300, 48)
    assert (late.service_level, late.repeat_rate) == (1.0, 1.0)
    repayment = cells[("2026-11-24 10:00", "repayment")]
    assert (repayment.service_level, repayment.aht_seconds) == (1.0, 300)


def test_report_by_agent_for_the_day(played_day):
    report = contact_report(start=D, end=D, group="agent", period="range")

    rows = {row.group: row.figures for row in report.rows}
    assert set(rows) == {"agent001", "agent002", "agent101", "—"}
    first = rows["agent001"]  # c1, c3 (rang, abandoned), c6, c8
    assert (first.contacts, first.answered, first.abandoned) == (4, 3, 1)
    assert first.aht_seconds == (350 + 348 + 140) / 3
    assert first.average_talk_seconds == (240 + 300 + 120) / 3
    assert first.service_level == 2 / 4
    assert (first.calls_with_customer, first.repeat_calls) == (3, 2)
    second = rows["agent002"]  # c2 and c4's first leg
    assert (second.contacts, second.aht_seconds, second.transfers_to_other_desk) == (2, 285, 1)
    assert rows["agent101"].aht_seconds == 360
    assert rows["—"].abandoned == 1  # c5 never reached an agent


def test_report_over_three_days_by_day(played_day):
    report = contact_report(start=EARLIER_DAY, end=NEXT_DAY, group="all", period="day")

    by_day = {row.period: row.figures for row in report.rows}
    assert set(by_day) == {"2026-11-21", "2026-11-24", "2026-11-25"}
    assert by_day["2026-11-21"].aht_seconds == 180 + 30
    assert by_day["2026-11-24"].contacts == 8
    assert (by_day["2026-11-25"].contacts, by_day["2026-11-25"].aht_seconds) == (1, 150)
    assert report.total.contacts == 10
    # Two days of the range have no calls and were never rolled up: the page says so.
    assert report.days_not_rolled_up == [date(2026, 11, 22), date(2026, 11, 23)]


def test_desk_filter_keeps_one_desk(played_day):
    report = contact_report(start=D, end=D, group="queue", period="day", desk="service_center")

    assert [row.group for row in report.rows] == ["atm", "cards"]


def test_two_desks_side_by_side(played_day):
    result = compare(
        before=Side(start=D, end=D, desk="contact_center"),
        after=Side(start=D, end=D, desk="service_center"),
    )

    rows = {row[0]: row[1:] for row in result.rows}
    assert rows["AHT"] == ["4:42", "6:00", "+1:18"]  # 282 s, 360 s: durations as m:ss
    assert rows["Repeat contacts %"] == ["75.0", "", ""]
    assert rows["Contacts"] == ["6", "2", "-4"]


def test_two_periods_side_by_side(played_day):
    result = compare(before=Side(start=EARLIER_DAY, end=EARLIER_DAY), after=Side(start=D, end=D))

    assert result.before_figures.aht_seconds == 210
    assert result.after_figures.aht_seconds == (350 + 270 + 300 + 348 + 140 + 360) / 6
    assert result.after_figures.repeat_rate == 3 / 4
    assert result.before_figures.repeat_rate == 0


def report_cells(report) -> list[list[str]]:
    return [row.cells for row in report.rows] + [[str(report.total.contacts)]]


@pytest.mark.parametrize("group,period", [("agent", "day"), ("queue", "hour"), ("desk", "range")])
def test_a_day_still_open_is_summed_live_and_reads_the_same_once_rolled_up(
    client_with_scopes, group, period
):
    set_up_people()
    Player(cti=client_with_scopes("cti")).play_all()
    just_after_midnight = at(NEXT_DAY, "00:20:00")  # D is still open: c6 crossed midnight

    live = contact_report(start=D, end=D, group=group, period=period, now=just_after_midnight)
    assert live.live_days == [D]
    assert not RolledUpDay.objects.exists()
    assert live.total.contacts == 8

    roll_up_days(days=[D], now=at(NEXT_DAY, "00:40:00"))
    rolled = contact_report(start=D, end=D, group=group, period=period, now=at(NEXT_DAY, "01:00"))
    assert rolled.live_days == []
    assert report_cells(rolled) == report_cells(live)


def test_agents_are_named_by_their_display_name(played_day):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="agent001").update(last_name="佐藤", first_name="花子")

    report = contact_report(start=D, end=D, group="agent", period="range")

    assert "佐藤 花子" in {row.group for row in report.rows}


def test_service_level_is_marked_against_the_queues_target(played_day):
    from contacts.models import Queue

    Queue.objects.filter(name="loans").update(service_level_target=50, abandonment_target=10)
    report = contact_report(start=D, end=D, group="queue", period="range")

    loans = next(row for row in report.rows if row.group == "loans")
    names = ["period", "group", *(name for name, _heading, _write in COLUMNS)]
    marks = {name: mark for name, (_cell, mark) in zip(names, loans.marked_cells, strict=True)}
    # loans on D: 5 contacts, 4 answered (2 within 20 s), 1 abandoned → 40 % < 50 %; 20 % > 10 %.
    assert (marks["service_level"], marks["abandonment_rate"]) == ("missed", "missed")
    assert loans.small_sample
