"""Today's report in headless Chromium against a real Daphne: after a morning of calls posted
through the telephony API, and no rollup at all, the report for today shows the wallboard's
figures, with service level and abandonment coloured against the queue's targets."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from console.supervision.models import RolledUpDay
from contacts.handle_time import day_bounds, tokyo_today
from contacts.models import Queue
from tests.e2e.conftest import screenshot
from tests.factories import UserFactory, api_key, make_agent
from tests.live_server import post_call_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# (call, queue, seconds after the start, event); agent001 takes loans, agent101 atm.
MORNING = [
    ("m1", "loans", 0, "offered"),
    ("m2", "loans", 5, "offered"),  # waits: agent001 is on m1
    ("m1", "loans", 10, "answered"),
    ("m3", "atm", 20, "offered"),
    ("m3", "atm", 30, "answered"),
    ("m2", "loans", 50, "ended"),  # gave up waiting: abandoned
    ("m3", "atm", 150, "ended"),
    ("m3", "atm", 180, "wrapup_done"),
    ("m1", "loans", 240, "ended"),
    ("m1", "loans", 270, "wrapup_done"),
    ("m4", "loans", 300, "offered"),
    ("m4", "loans", 345, "answered"),  # late: 45 s against 20 s
    ("m4", "loans", 405, "ended"),
    ("m4", "loans", 420, "wrapup_done"),
]
FIGURES = ["answered_today", "abandoned_today", "service_level", "abandonment_rate", "aht_s"]
# The report's columns (after period and group) holding the same figures.
REPORT_COLUMNS = {
    "answered_today": 3,
    "abandoned_today": 4,
    "abandonment_rate": 5,
    "service_level": 6,
    "aht_s": 7,
}


def test_todays_report_shows_the_wallboards_figures_without_any_rollup(
    daphne_server, logged_in_page, browser_errors
):
    UserFactory(username="super001", role="supervisor")
    make_agent("agent001", desk="contact_center", state="available")
    make_agent("agent101", desk="service_center", state="available")
    Queue.objects.filter(name="loans").update(service_level_target=80, abandonment_target=40)
    key = api_key(scopes=["cti"], name="pbx")
    now = timezone.now()
    # Eight minutes ago, or just after midnight if today is younger than that.
    start = max(now - timedelta(minutes=8), day_bounds(tokyo_today(now))[0] + timedelta(seconds=1))
    for n, (call, queue, seconds, kind) in enumerate(MORNING):
        extra = {"queue": queue, "from": f"0901111{n:04d}"} if kind == "offered" else {}
        post_call_event(
            daphne_server.url,
            key,
            event_id=f"morning-{n}",
            call_id=call,
            type=kind,
            at=(start + timedelta(seconds=seconds)).isoformat(),
            **extra,
        )

    board = logged_in_page("super001", "/wallboard/")
    expect(board.locator("#connection")).to_have_attribute("data-connected", "true")
    loans_on_board = board.locator('#queue-rows tr[data-queue="loans"]')
    expect(loans_on_board.locator('[data-figure="answered_today"]')).to_have_text("2")
    on_board = {
        name: loans_on_board.locator(f'[data-figure="{name}"]').inner_text() for name in FIGURES
    }
    assert on_board == {
        "answered_today": "2",
        "abandoned_today": "1",
        "service_level": "33.3%",
        "abandonment_rate": "33.3%",
        "aht_s": "2:48",  # m1 230 s talk + 30 s after-call work, m4 60 + 15: 335 s / 2
    }
    sl_on_board = loans_on_board.locator('[data-figure="service_level"]')
    expect(sl_on_board).to_have_attribute("data-target", "missed")  # 33 % < 80 %
    abandonment_on_board = loans_on_board.locator('[data-figure="abandonment_rate"]')
    expect(abandonment_on_board).to_have_attribute("data-target", "met")  # 33 % ≤ 40 %

    report = board.context.new_page()
    report.goto(f"{daphne_server.url}/reports/?group=queue&period=range")
    report.locator(".quick-ranges a[data-range='1']").click()  # "today"
    loans_in_report = report.locator("#report-table tbody tr", has_text="loans")
    expect(loans_in_report).to_have_count(1)
    cells = loans_in_report.locator("td")
    in_report = {
        name: cells.nth(column).inner_text().strip() for name, column in REPORT_COLUMNS.items()
    }
    assert in_report == {
        name: value.rstrip("%") if name in ("service_level", "abandonment_rate") else value
        for name, value in on_board.items()
    }
    assert cells.nth(2).inner_text().strip() == "3"  # contacts offered to loans
    expect(cells.nth(REPORT_COLUMNS["service_level"])).to_have_attribute("data-target", "missed")
    expect(cells.nth(REPORT_COLUMNS["abandonment_rate"])).to_have_attribute("data-target", "met")
    expect(report.locator("#small-sample")).to_be_visible()
    expect(report.locator("#live-days")).to_be_visible()
    assert not RolledUpDay.objects.exists()
    screenshot(report, "live_report_today")
    assert browser_errors.errors == []
