"""An agent's working day in headless Chromium against a real Daphne: a closed tab stops routing
within the grace and its ringing call goes to another agent; a break asked for during a call is
kept through the wrap-up; the connection and the agent's state shown apart, in the page's
language."""

import time

import pytest
from playwright.sync_api import expect

from console.agents.models import Agent, AgentState
from contacts.models import Contact, ContactState
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.test_agent_console import CALLER, NAME, go_available, known_caller, offer_call
from tests.factories import api_key, make_agent
from tests.live_server import post_call_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

__all__ = ["known_caller"]  # a fixture, used by name
GRACE_S = 2


@pytest.fixture
def cti_key(transactional_db):
    return api_key(scopes=["cti"], name="pbx")


@pytest.fixture
def server(daphne_with):
    return daphne_with(AGENT_PRESENCE_GRACE_SECONDS=str(GRACE_S))


def console_of(new_page, server, username: str):
    page = new_page()
    log_in(page, server.url, username, next_path="/console/")
    expect(page.locator("#connection")).to_have_attribute("data-connected", "true")
    return page


def test_a_closed_tab_stops_routing_and_its_ringing_call_goes_to_another_agent(
    server, new_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    make_agent("agent002")
    taro = console_of(new_page, server, "agent001")
    go_available(taro)
    time.sleep(0.05)  # taro is the longest idle: the first call is his
    hana = console_of(new_page, server, "agent002")
    go_available(hana)

    offered = offer_call(server.url, cti_key)
    assert offered["agent"] == "agent001"
    expect(taro.locator("#caller-name")).to_have_text(NAME)

    # Taro closes the tab without answering: past the grace, Hana's console rings.
    taro.close()
    expect(hana.locator("#caller-name")).to_have_text(NAME, timeout=GRACE_S * 1000 + 10_000)
    expect(hana.locator("#agent-state")).to_have_attribute("data-state", "on_call")
    contact = Contact.objects.select_related("agent").get(pk=offered["contact_id"])
    assert (contact.agent.username, contact.state) == ("agent002", ContactState.OFFERED)
    assert Agent.objects.get(user__username="agent001").state == AgentState.AWAY

    # Nothing more goes to the empty chair.
    second = offer_call(server.url, cti_key, caller=CALLER, event_id="e2", call_id="call-2")
    assert second["agent"] is None
    assert browser_errors.errors == []


def test_a_break_asked_for_during_the_call_is_kept_after_the_wrap_up(
    server, new_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    taro = console_of(new_page, server, "agent001")
    go_available(taro)
    offered = offer_call(server.url, cti_key)
    expect(taro.locator("#caller-name")).to_have_text(NAME)

    taro.locator("[data-state=break]").click()
    expect(taro.locator("#agent-state")).to_have_attribute("data-state", "on_call")
    expect(taro.locator("#next-state")).to_have_attribute("data-state", "break")
    expect(taro.locator("#next-state")).to_contain_text("離席中")

    for event_id, kind in (("e2", "answered"), ("e3", "ended")):
        post_call_event(server.url, cti_key, event_id=event_id, call_id="call-1", type=kind)
    expect(taro.locator("#agent-state")).to_have_attribute("data-state", "wrap_up")
    expect(taro.locator("#next-state")).to_have_attribute("data-state", "break")

    taro.locator("#wrap-up-code").select_option(index=1)
    taro.locator("#wrap-up-form [type=submit]").click()
    expect(taro.locator("#agent-state")).to_have_attribute("data-state", "break")
    expect(taro.locator("#next-state")).to_be_hidden()
    # The finished call's pop is gone with it.
    expect(taro.locator("#caller-name")).to_have_count(0)
    assert Contact.objects.get(pk=offered["contact_id"]).state == ContactState.WRAPPED_UP
    assert browser_errors.errors == []


def test_a_lost_connection_is_shown_apart_from_the_agents_state(
    server, new_page, browser_errors, known_caller
):
    make_agent("agent001")
    taro = console_of(new_page, server, "agent001")
    go_available(taro)
    browser_errors.allow("WebSocket connection to .* failed")
    server.stop()

    expect(taro.locator("#connection")).to_have_attribute("data-connected", "false")
    expect(taro.locator("#connection")).to_have_text("接続が切れました — 再接続中…")
    expect(taro.locator("#agent-state")).to_have_text("受付可")
    # A click while the socket is down says why nothing happens, in Japanese.
    taro.locator("[data-state=break]").click()
    expect(taro.locator("#console-error")).to_contain_text("接続されていないため")
    screenshot(taro, "connection-lost")
    server.start()
    expect(taro.locator("#connection")).to_have_attribute("data-connected", "true")


def test_after_the_call_a_wrap_up_needs_a_code_notes_are_listed_and_the_shift_list_is_live(
    server, new_page, browser_errors, known_caller, cti_key
):
    agent = make_agent("agent001")
    agent.user.first_name, agent.user.last_name = "太郎", "山田"
    agent.user.save()
    taro = console_of(new_page, server, "agent001")
    go_available(taro)
    offered = offer_call(server.url, cti_key)
    expect(taro.locator("#caller-name")).to_have_text(NAME)
    # The shift's list shows the call as soon as it rings, without a reload.
    expect(taro.locator("#shift-contacts tr")).to_have_count(1)
    expect(taro.locator("#shift-contacts")).to_contain_text(NAME)

    taro.locator("[data-action=answer]").click()
    expect(taro.locator("#agent-console")).to_have_attribute("data-call-state", "answered")
    taro.locator("#note-text").fill("返済日の変更を希望")
    taro.locator("#note-form [type=submit]").click()
    expect(taro.locator("#saved-notes .saved-note")).to_have_count(1)
    expect(taro.locator("#saved-notes .saved-note")).to_contain_text("返済日の変更を希望")
    expect(taro.locator("#saved-notes .saved-note")).to_contain_text("太郎")

    post_call_event(server.url, cti_key, event_id="e3", call_id="call-1", type="ended")
    expect(taro.locator("#agent-state")).to_have_attribute("data-state", "wrap_up")
    # Without a code the wrap-up is refused, in Japanese, and after-call work goes on.
    browser_errors.allow(r"status of 400 .*/wrap-up")
    taro.locator("#wrap-up-form [type=submit]").click()
    expect(taro.locator("#console-error")).to_have_text(
        "後処理を終えるには後処理コードを選んでください。"
    )
    expect(taro.locator("#agent-state")).to_have_attribute("data-state", "wrap_up")
    assert Contact.objects.get(pk=offered["contact_id"]).state == ContactState.ENDED

    taro.locator("#wrap-up-code").select_option(index=1)
    taro.locator("#wrap-up-form [type=submit]").click()
    expect(taro.locator("#agent-state")).to_have_attribute("data-state", "available")
    expect(taro.locator("#caller-name")).to_have_count(0)
    expect(taro.locator("#shift-contacts")).to_contain_text("完了")
    assert browser_errors.errors == []


POP_ORDER = [
    "identity",
    "alerts",
    "open_cases",
    "recent_contacts",
    "since_last_call",
    "money",
    "actions",
    "match",
]


def test_the_pop_reads_in_order_and_the_money_facts_wait_for_the_identity_check(
    server, new_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    taro = console_of(new_page, server, "agent001")
    go_available(taro)
    offered = offer_call(server.url, cti_key)
    expect(taro.locator("#caller-name")).to_have_text(NAME)
    parts = taro.locator("#screen-pop .pop-section").evaluate_all(
        "(sections) => sections.map((s) => s.dataset.part)"
    )
    assert parts == POP_ORDER
    # Days past due are in the page but blurred, with the reason said.
    money = taro.locator("#money-facts")
    expect(money).to_have_attribute("data-locked", "true")
    expect(money).to_contain_text("本人確認が済むと表示されます。")
    assert "blur" in money.locator("ul").evaluate("(list) => getComputedStyle(list).filter")

    taro.locator("[data-action=answer]").click()
    expect(taro.locator("#agent-console")).to_have_attribute("data-call-state", "answered")
    # Passed needs every question: with one unticked it is refused.
    browser_errors.allow(r"status of 400 .*/identity-check")
    boxes = taro.locator("#identity-check input[type=checkbox]")
    expect(boxes).to_have_count(3)
    boxes.nth(0).check()
    taro.locator("[data-identity=passed]").click()
    expect(taro.locator("#console-error")).to_contain_text("すべての項目")
    expect(money).to_have_attribute("data-locked", "true")
    for index in range(3):
        boxes.nth(index).check()
    taro.locator("[data-identity=passed]").click()
    expect(taro.locator("#identity-result")).to_contain_text("本人確認済み")
    expect(taro.locator("#money-facts")).to_have_attribute("data-locked", "false")
    expect(taro.locator("#money-facts")).to_contain_text("12日")
    screenshot(taro, "pop-identity-checked")

    contact = Contact.objects.get(pk=offered["contact_id"])
    assert contact.identity_check == "passed"
    assert contact.identity_check_questions == ["name", "birth_date", "registered_phone"]

    # The customer page shows the alerts and actions, and the check in the call's timeline
    # entry; it opens in a tab of its own, the console stays.
    with taro.context.expect_page() as opened:
        taro.locator("#open-customer").click()
    customer_page = opened.value
    customer_page.wait_for_load_state()
    expect(customer_page.locator("#customer-alerts")).to_contain_text("延滞中")
    expect(customer_page.locator("#timeline")).to_contain_text("本人確認済み")
    assert taro.url.endswith("/console/")
    assert browser_errors.errors == []
