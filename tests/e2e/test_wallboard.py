"""The supervisor's pages in headless Chromium against a real Daphne: telephony events posted
through the API change the figures on the open wallboard within a second or two; a report's CSV
download holds the figures of its table."""

import csv
import io
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from console.supervision.rollups import roll_up_days
from contacts.queues import set_service_level_thresholds
from tests.console.scripted_day import EARLIER_DAY, NEXT_DAY, D, Player, set_up_people
from tests.e2e.conftest import screenshot
from tests.factories import UserFactory, api_key, make_agent
from tests.live_server import post_call_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cti_key(transactional_db):
    return api_key(scopes=["cti"], name="pbx")


def test_supervisor_watches_calls_change_the_wallboard(
    daphne_server, logged_in_page, browser_errors, cti_key
):
    UserFactory(username="super001", role="supervisor")
    make_agent("agent001", desk="contact_center", state="available")
    make_agent("agent101", desk="service_center", state="break")
    page = logged_in_page("super001", "/wallboard/")
    expect(page.locator("#connection")).to_have_attribute("data-connected", "true")
    loans = page.locator('#queue-rows tr[data-queue="loans"]')

    def figure(name: str):
        return loans.locator(f'[data-figure="{name}"]')

    expect(figure("waiting")).to_have_text("0")
    expect(page.locator('#agent-states [data-figure="agents.break"]')).to_have_text("1")

    # Two calls for loans a few minutes ago: the first rings agent001, the second waits.
    start = timezone.now() - timedelta(minutes=5)

    def event(n: int, call: str, kind: str, seconds: int, **extra) -> None:
        post_call_event(
            daphne_server.url,
            cti_key,
            event_id=f"e{n}",
            call_id=call,
            type=kind,
            at=(start + timedelta(seconds=seconds)).isoformat(),
            **extra,
        )

    event(1, "c1", "offered", 0, queue="loans", **{"from": "09012345678"})
    event(2, "c2", "offered", 5, queue="loans")
    expect(figure("waiting")).to_have_text("2")
    expect(page.locator('#agent-states [data-figure="agents.on_call"]')).to_have_text("1")
    expect(page.locator('#roster-rows tr[data-agent="agent001"]')).to_have_attribute(
        "data-state", "on_call"
    )

    # agent001 answers after 10 s (within 20 s); the waiting caller gives up.
    event(3, "c1", "answered", 10)
    event(4, "c2", "ended", 50)
    expect(figure("waiting")).to_have_text("0")
    expect(figure("answered_today")).to_have_text("1")
    expect(figure("abandoned_today")).to_have_text("1")
    expect(figure("service_level")).to_have_text("50.0%")

    # 230 s of talk and 30 s of after-call work: AHT 260 s, shown as 4:20.
    event(5, "c1", "ended", 240)
    event(6, "c1", "wrapup_done", 270)
    expect(figure("aht_s")).to_have_text("4:20")
    expect(page.locator('#agent-states [data-figure="agents.available"]')).to_have_text("1")
    contact_center = page.locator('#desk-tiles [data-desk="contact_center"]')
    expect(contact_center.locator('[data-figure="answered_today"]')).to_have_text("1")
    expect(page.locator("#calls-chart")).to_be_visible()

    screenshot(page, "wallboard")
    assert browser_errors.errors == []


class PbxOverHttp:
    """The scripted day's events to the live server, as the PBX sends them. (In process, the
    pushes on commit would meet Playwright's event loop in this thread.)"""

    def __init__(self, url: str, key: str):
        self.url, self.key = url, key

    def post(self, path: str, body: dict, format: str = "json") -> SimpleNamespace:
        post_call_event(self.url, self.key, **body)
        return SimpleNamespace(status_code=202, content=b"")


def test_supervisor_reads_a_report_and_its_csv_has_the_same_figures(
    daphne_server, logged_in_page, browser_errors, cti_key
):
    UserFactory(username="super001", role="supervisor")
    set_service_level_thresholds(thresholds={"repayment": 30})
    set_up_people()
    Player(cti=PbxOverHttp(daphne_server.url, cti_key)).play_all()
    roll_up_days(days=[EARLIER_DAY, D, NEXT_DAY])

    query = f"start={D}&end={D}&group=queue&period=day"
    page = logged_in_page("super001", "/reports/")
    page.goto(f"{daphne_server.url}/reports/?{query}")
    rows = page.locator("#report-table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(2).locator("td").nth(1)).to_have_text("loans")
    expect(rows.nth(2).locator("td").nth(2)).to_have_text("5")  # contacts
    with page.expect_download() as download:
        page.locator("#csv-link").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    on_page = [
        [cell.strip() for cell in row.locator("td, th").all_inner_texts()]
        for row in page.locator("#report-table thead tr, #report-table tbody tr").all()
    ]
    assert list(csv.reader(io.StringIO(text))) == on_page
    screenshot(page, "reports")

    compare = page
    compare.goto(
        f"{daphne_server.url}/reports/compare/?before_start={D}&before_end={D}"
        f"&before_desk=contact_center&after_start={D}&after_end={D}&after_desk=service_center"
    )
    expect(compare.locator("#comparison-table tbody tr")).to_have_count(11)
    screenshot(compare, "comparison")
    assert browser_errors.errors == []
