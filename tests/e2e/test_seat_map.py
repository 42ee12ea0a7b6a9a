"""The seat map and the help sign in headless Chromium against a real Daphne: the agent raises
the sign from the console by its shortcut, the supervisor's tile lights within a second, the
supervisor joins the call (recorded only: the native CTI API cannot connect a supervisor), the
agent sees who came, and the join and the customer shown on the tile are written down."""

import pytest
from playwright.sync_api import expect

from console.audit.models import ViewAudit
from console.supervision.models import CallJoin
from customers.models import SourceRecord
from customers.resolution import ingest_source_records
from tests.customers import people
from tests.e2e.conftest import press_shortcut, screenshot
from tests.factories import UserFactory, api_key, make_agent
from tests.live_server import post_call_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The help sign is rung to the supervisors at once, not at the wallboard's next turn.
LIGHTS_WITHIN_MS = 1_000


def test_the_agent_raises_the_help_sign_and_the_supervisor_joins_the_call(
    daphne_server, logged_in_page, browser_errors
):
    ingest_source_records(system="loan_cc", records=[people.TARO_LOAN])
    customer = SourceRecord.objects.get(system="loan_cc", external_id="L-000123").customer
    supervisor = UserFactory(
        username="super001", role="supervisor", last_name="佐藤", first_name="花子"
    )
    agent = make_agent("agent001", state="available")
    key = api_key(scopes=["cti"], name="pbx")
    post_call_event(
        daphne_server.url,
        key,
        event_id="e1",
        call_id="c1",
        type="offered",
        queue="loans",
        agent="agent001",
        **{"from": "09012345678"},
    )
    post_call_event(daphne_server.url, key, event_id="e2", call_id="c1", type="answered")

    seats = logged_in_page("super001", "/wallboard/seats/")
    console = logged_in_page("agent001", "/console/")
    expect(seats.locator("#connection")).to_have_attribute("data-connected", "true")
    expect(console.locator("#connection")).to_have_attribute("data-connected", "true")
    tile = seats.locator('.seat[data-agent="agent001"]')
    expect(tile).to_have_attribute("data-state", "on_call")
    expect(tile.locator('[data-figure="customer"]')).to_contain_text("山田 太郎")
    expect(tile.locator('[data-figure="call"]')).to_contain_text("ローン")
    expect(tile).to_have_attribute("data-help", "down")
    expect(seats.locator("#help-alert")).to_be_hidden()

    press_shortcut(console, "r")

    expect(tile).to_have_attribute("data-help", "raised", timeout=LIGHTS_WITHIN_MS)
    expect(seats.locator("#help-count")).to_have_attribute("data-count", "1")
    expect(seats.locator("#help-alert")).to_be_visible()
    expect(console.locator("#agent-console")).to_have_attribute("data-help-sign", "raised")
    screenshot(seats, "seat-map-help-raised")

    tile.locator('button[data-join="monitor"]').click()

    expect(console.locator("#help-sign-status")).to_contain_text("佐藤 花子")
    expect(console.locator("#agent-console")).to_have_attribute("data-help-sign", "acknowledged")
    expect(tile).to_have_attribute("data-help", "down")
    expect(tile.locator('[data-figure="joined"]')).to_contain_text("佐藤 花子")
    expect(seats.locator("#help-alert")).to_be_hidden()
    join = CallJoin.objects.get()
    assert (join.supervisor, join.agent, join.mode) == (supervisor, agent, "monitor")
    assert join.contact.call_id == "c1"
    assert (join.sent_to_platform, join.ended_at) == (False, None)
    assert join.help_request.acknowledged_by == supervisor
    assert ViewAudit.objects.filter(
        viewer=supervisor, customer=customer, contact=join.contact, reason="seat map"
    ).exists()
    assert ViewAudit.objects.filter(
        viewer=supervisor, customer=customer, reason="joined the call (monitor)"
    ).exists()

    tile.locator("button[data-leave]").click()

    expect(tile.locator('[data-figure="joined"]')).to_have_count(0)
    join.refresh_from_db()
    assert join.ended_at is not None and join.ended_at >= join.started_at
    assert browser_errors.errors == []
