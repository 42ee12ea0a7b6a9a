"""The console's call controls and keyboard in headless Chromium against a real Daphne: each
control works only in the call's states that allow it (answer while ringing, hold ⇄ resume, hang up
in the warning colour), the shortcuts are real key events read by the page's one handler and listed
on the page, and a reload mid-call keeps the timers (from the server's times) and the unsaved
note."""

import re
import time

import pytest
from playwright.sync_api import expect

from console.calls.shortcuts import CONSOLE_SHORTCUTS
from tests.e2e.conftest import press_shortcut, screenshot
from tests.e2e.test_agent_console import NAME, go_available, known_caller, offer_call, open_console
from tests.factories import api_key, make_agent
from tests.live_server import post_call_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

__all__ = ["known_caller"]  # a fixture, used by name

CONTROLS = ["answer", "hold", "hang-up", "close-stranded"]


@pytest.fixture
def cti_key(transactional_db):
    return api_key(scopes=["cti"], name="pbx")


def enabled_controls(page) -> dict[str, bool]:
    return {action: page.locator(f"[data-action={action}]").is_enabled() for action in CONTROLS} | {
        "transfer": page.locator("#transfer-form [type=submit]").is_enabled(),
        "wrap_up": page.locator("#wrap-up-form [type=submit]").is_enabled(),
    }


def call_state(page, state: str) -> None:
    expect(page.locator("#agent-console")).to_have_attribute("data-call-state", state)


def test_call_controls_are_enabled_only_in_the_states_that_allow_them(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    page = open_console(logged_in_page, "agent001")
    go_available(page)
    offer_call(daphne_server.url, cti_key)
    expect(page.locator("#caller-name")).to_have_text(NAME)

    call_state(page, "offered")
    assert enabled_controls(page) == {
        "answer": True,
        "hold": False,
        "hang-up": True,
        "close-stranded": True,
        "transfer": False,
        "wrap_up": False,
    }
    # Hang up stands out in the warning colour; the targets are large.
    hang_up = page.locator("[data-action=hang-up]")
    assert hang_up.evaluate("(b) => getComputedStyle(b).backgroundColor") == "rgb(179, 38, 30)"
    assert hang_up.bounding_box()["height"] >= 44
    kbd_size = page.locator("[data-action=answer] kbd").evaluate(
        "(k) => parseFloat(getComputedStyle(k).fontSize)"
    )
    assert kbd_size >= 13

    page.locator("[data-action=answer]").click()
    call_state(page, "answered")
    hold = page.locator("[data-action=hold]")
    expect(hold).to_have_text(re.compile("^保留 "))
    assert enabled_controls(page) == {
        "answer": False,
        "hold": True,
        "hang-up": True,
        "close-stranded": True,
        "transfer": True,
        "wrap_up": False,
    }

    hold.click()
    call_state(page, "hold")
    expect(hold).to_have_text(re.compile("^保留解除"))
    screenshot(page, "controls-on-hold")
    hold.click()
    call_state(page, "answered")
    expect(hold).to_have_text(re.compile("^保留 "))

    hang_up.click()
    call_state(page, "ended")
    assert enabled_controls(page) == {
        "answer": False,
        "hold": False,
        "hang-up": False,
        "close-stranded": False,
        "transfer": False,
        "wrap_up": True,
    }
    assert browser_errors.errors == []


def test_shortcuts_are_real_key_presses_read_by_one_handler_and_listed_on_the_page(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    page = open_console(logged_in_page, "agent001")
    # The page lists every shortcut of the table, with the keys it shows on the controls.
    rows = page.locator("#shortcut-help tbody tr")
    expect(rows).to_have_count(len(CONSOLE_SHORTCUTS))
    expect(page.locator("#shortcut-help")).to_contain_text("Option+Shift")
    expect(page.locator("[data-action=hold] kbd")).to_have_text("Alt+Shift+H")
    # One keydown listener on the document, none on the controls themselves.
    assert page.evaluate("() => document.querySelectorAll('[accesskey]').length") == 0

    page.keyboard.press("Alt+Shift+Digit1")
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "available")
    offer_call(daphne_server.url, cti_key)
    expect(page.locator("#caller-name")).to_have_text(NAME)
    # While the agent types in a field, the shortcut still works and types nothing.
    page.locator("#note-text").focus()
    page.keyboard.press("Alt+Shift+KeyP")
    call_state(page, "answered")
    expect(page.locator("#note-text")).to_have_value("")
    page.keyboard.press("Alt+Shift+KeyH")
    call_state(page, "hold")
    # A shortcut of a control that is off does nothing: answer while talking.
    page.keyboard.press("Alt+Shift+KeyH")
    call_state(page, "answered")
    page.keyboard.press("Alt+Shift+KeyP")
    page.keyboard.press("Alt+Shift+KeyS")
    expect(page.locator("#id_q")).to_be_focused()
    call_state(page, "answered")
    assert browser_errors.errors == []


def timer_seconds(page, timer: str) -> int:
    minutes, seconds = page.locator(f"#timer-{timer}").inner_text().split(":")
    return int(minutes) * 60 + int(seconds)


def test_a_reload_mid_call_keeps_the_timers_within_a_second_and_the_draft_note(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    page = open_console(logged_in_page, "agent001")
    go_available(page)
    offer_call(daphne_server.url, cti_key)
    expect(page.locator("#caller-name")).to_have_text(NAME)
    press_shortcut(page, "p")
    call_state(page, "answered")
    expect(page.locator("#timer-talk")).to_have_text("0:02", timeout=10_000)
    page.locator("#note-text").fill("増額の相談、年収の確認待ち")

    talk_before = timer_seconds(page, "talk")
    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-connected", "true")
    call_state(page, "answered")
    expect(page.locator("#note-text")).to_have_value("増額の相談、年収の確認待ち")
    # The talk timer goes on from the server's answer time: never back to zero, and no more
    # ahead of the time before the reload than the reload itself took.
    started = time.monotonic()
    expect(page.locator("#timer-talk")).not_to_have_text("0:00")
    talk_after = timer_seconds(page, "talk")
    assert talk_before - 1 <= talk_after <= talk_before + 1 + (time.monotonic() - started) + 3

    # Saved, the draft is gone: the next reload shows an empty note.
    page.locator("#note-form [type=submit]").click()
    expect(page.locator("#saved-notes .saved-note")).to_have_count(1)
    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-connected", "true")
    expect(page.locator("#note-text")).to_have_value("")
    post_call_event(daphne_server.url, cti_key, event_id="e9", call_id="call-1", type="ended")
    call_state(page, "ended")
    assert browser_errors.errors == []


def test_a_call_is_transferred_to_an_agent_picked_from_the_live_directory(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    hana_agent = make_agent("agent002")
    hana_agent.user.first_name, hana_agent.user.last_name = "花子", "佐藤"
    hana_agent.user.save()
    taro = open_console(logged_in_page, "agent001")
    go_available(taro)
    offer_call(daphne_server.url, cti_key)
    expect(taro.locator("#caller-name")).to_have_text(NAME)
    press_shortcut(taro, "p")
    call_state(taro, "answered")

    # Hana is offline: listed with her state, not to be picked.
    hana_option = taro.locator("#transfer-agent option[value=agent002]")
    expect(hana_option).to_have_attribute("data-state", "offline")
    expect(hana_option).to_be_disabled()
    expect(hana_option).to_contain_text("佐藤 花子")
    expect(taro.locator("#transfer-queue option[value=loans]")).to_contain_text("予想待ち時間")

    # She opens her console and goes available: the directory shows it by itself.
    hana = open_console(logged_in_page, "agent002")
    go_available(hana)
    expect(hana_option).to_have_attribute("data-state", "available", timeout=15_000)
    expect(hana_option).to_be_enabled()
    taro.locator("#transfer-agent").select_option("agent002")
    taro.locator("#transfer-note").fill("限度額の件、審査状況を確認済み")
    taro.locator("#transfer-form [type=submit]").click()
    call_state(taro, "transferred")
    expect(hana.locator("#caller-name")).to_have_text(NAME)
    expect(hana.locator("#screen-pop .note")).to_have_text(["限度額の件、審査状況を確認済み"])
    assert browser_errors.errors == []
