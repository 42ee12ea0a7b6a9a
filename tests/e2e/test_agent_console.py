"""The agent console in headless Chromium against a real Daphne: a call answered, noted and
transferred with the keyboard alone, a console that rides out a server restart, a caller's
context in words rather than codes (Japanese and English), a customer found from the console as
the agent types, every opening of a customer's page in the audit log, and the page bugs these
tests found (a seq left in the tab by the previous agent, timers carried over from the last
call, a reload losing a transferred call's wrap-up)."""

import json
from datetime import UTC, datetime, timedelta
from urllib.request import Request, urlopen

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from console.agents.models import Agent, AgentMessage, AgentState
from console.audit.models import ViewAudit
from contacts.models import (
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    Contact,
    ContactState,
    Desk,
    Queue,
)
from customers.models import SourceRecord
from customers.resolution import ingest_source_records
from tests.e2e.conftest import log_in, press_shortcut, screenshot
from tests.factories import UserFactory, api_key, make_agent
from tests.live_server import post_call_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CALLER = "090-1234-5678"
NAME = "山田 太郎"
FIRST_NOTE = "ATMでカードが戻らないとのこと"
TRANSFER_NOTE = "新宿西口のATM、13時ごろ。サービスセンターで再発行をお願いします"


@pytest.fixture
def known_caller(transactional_db):
    ingest_source_records(
        system="loan_cc",
        records=[
            {
                "external_id": "L-000123",
                "customer_number": "C0012345",
                "name": NAME,
                "name_kana": "ヤマダ タロウ",
                "phones": [CALLER],
                "accounts": [
                    {
                        "kind": "loan",
                        "number": "4980001234",
                        "status": "delinquent",
                        "days_past_due": 12,
                    }
                ],
            }
        ],
    )


@pytest.fixture
def cti_key(transactional_db):
    return api_key(scopes=["cti"], name="pbx")


def open_console(logged_in_page, username: str):
    page = logged_in_page(username, "/console/")
    expect(page.locator("#connection")).to_have_attribute("data-connected", "true")
    return page


def go_available(page) -> None:
    press_shortcut(page, "1")
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "available")


def offer_call(
    base_url: str, key: str, *, caller: str = CALLER, event_id: str = "e1", call_id: str = "call-1"
) -> dict:
    """A call from `caller` offered to the loans queue, no agent named."""
    return post_call_event(
        base_url,
        key,
        event_id=event_id,
        call_id=call_id,
        type="offered",
        queue="loans",
        **{"from": caller.replace("-", "")},
    )


def test_agent_answers_notes_and_transfers_and_the_service_desk_sees_it(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001", desk="contact_center")
    make_agent("agent101", desk="service_center")
    taro = open_console(logged_in_page, "agent001")
    go_available(taro)

    # A known customer calls the loans queue: the console pops the name.
    offered = offer_call(daphne_server.url, cti_key)
    assert offered["agent"] == "agent001"
    expect(taro.locator("#caller-name")).to_have_text(NAME)
    expect(taro.locator("#agent-state")).to_have_attribute("data-state", "on_call")

    # Answer, then a note, with the keyboard only.
    press_shortcut(taro, "p")
    expect(taro.locator("#agent-console")).to_have_attribute("data-call-state", "answered")
    press_shortcut(taro, "n")
    expect(taro.locator("#note-text")).to_be_focused()
    taro.keyboard.type(FIRST_NOTE)
    taro.keyboard.press("Tab")
    expect(taro.locator("#note-form [type=submit]")).to_be_focused()
    taro.keyboard.press("Enter")
    expect(taro.locator("#note-text")).to_have_attribute("placeholder", "✓")
    expect(taro.locator("#note-text")).to_have_value("")

    # The service desk's agent signs in in another browser context and goes available.
    mika = open_console(logged_in_page, "agent101")
    go_available(mika)

    # Transfer to the ATM queue with a note, keyboard only.
    press_shortcut(taro, "x")
    expect(taro.locator("#transfer-queue")).to_be_focused()
    taro.keyboard.type("ATM")
    expect(taro.locator("#transfer-queue")).to_have_value("atm")
    taro.keyboard.press("Tab")
    expect(taro.locator("#transfer-agent")).to_be_focused()
    taro.keyboard.press("Tab")
    expect(taro.locator("#transfer-note")).to_be_focused()
    taro.keyboard.type(TRANSFER_NOTE)
    taro.keyboard.press("Tab")
    expect(taro.locator("#transfer-form [type=submit]")).to_be_focused()
    taro.keyboard.press("Enter")
    expect(taro.locator("#agent-console")).to_have_attribute("data-call-state", "transferred")
    expect(taro.locator("#agent-state")).to_have_attribute("data-state", "wrap_up")

    # The service desk sees who calls and both of the first agent's notes.
    expect(mika.locator("#caller-name")).to_have_text(NAME)
    expect(mika.locator("#screen-pop .note")).to_have_text([FIRST_NOTE, TRANSFER_NOTE])
    expect(mika.locator("#agent-state")).to_have_attribute("data-state", "on_call")
    screenshot(mika, "transfer-service-desk")

    # A reload in after-call work keeps the transferred call and its wrap-up form on screen.
    taro.reload()
    expect(taro.locator("#connection")).to_have_attribute("data-connected", "true")
    expect(taro.locator("#agent-console")).to_have_attribute("data-call-state", "transferred")
    expect(taro.locator("#wrap-up-form")).to_be_visible()

    # The first agent finishes the wrap-up with a code, and is available again.
    press_shortcut(taro, "w")
    expect(taro.locator("#wrap-up-code")).to_be_focused()
    taro.keyboard.press("ArrowDown")
    expect(taro.locator("#wrap-up-code")).not_to_have_value("")
    code = taro.locator("#wrap-up-code").input_value()
    taro.keyboard.press("Tab")
    expect(taro.locator("#wrap-up-disposition")).to_be_focused()
    taro.keyboard.type("サービスセンターへ転送")
    taro.keyboard.press("Enter")
    expect(taro.locator("#agent-state")).to_have_attribute("data-state", "available")
    expect(taro.locator("#call")).to_be_hidden()
    screenshot(taro, "transfer-contact-center")

    first_leg = Contact.objects.get(pk=offered["contact_id"])
    assert first_leg.state == ContactState.TRANSFERRED
    assert first_leg.wrapped_up_at is not None
    assert first_leg.wrap_up_code.code == code
    assert first_leg.disposition == "サービスセンターへ転送"
    assert [note.text for note in first_leg.notes.all()] == [FIRST_NOTE, TRANSFER_NOTE]
    assert Agent.objects.get(user__username="agent001").state == AgentState.AVAILABLE
    assert browser_errors.errors == []


def test_console_reconnects_and_resumes_after_the_server_drops_the_socket(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001", desk="contact_center")
    taro = open_console(logged_in_page, "agent001")
    # What the page sends on the sockets it opens from now on (the first one is open already).
    sent = []
    taro.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(frame)))
    go_available(taro)
    seen_before_the_drop = Agent.objects.get(user__username="agent001").last_seq
    # Every caller name the page ever puts on screen, counted where it happens.
    taro.evaluate(
        """() => {
          window.shownPops = 0;
          new MutationObserver((changes) => {
            for (const change of changes)
              for (const node of change.addedNodes)
                if (node.querySelector && node.querySelector("#caller-name")) window.shownPops++;
          }).observe(document.getElementById("screen-pop"), {childList: true});
        }"""
    )
    # The socket refused while the server is down is what this test is about.
    browser_errors.allow(r"WebSocket connection to '.*/ws/agent/' failed")

    # The server goes away: the page says it is offline.
    daphne_server.stop()
    expect(taro.locator("#connection")).to_have_attribute("data-connected", "false")

    # A new server on the same port takes a call for the agent while the page is away. The
    # browser's network is cut meanwhile, so the page cannot reconnect before the call is
    # posted and must get the pop by resuming, not live.
    taro.context.set_offline(True)
    daphne_server.start()
    offered = offer_call(daphne_server.url, cti_key)
    assert offered["agent"] == "agent001"
    pop = AgentMessage.objects.get(agent__user__username="agent001", body__type="screen_pop")
    assert pop.seq > seen_before_the_drop
    expect(taro.locator("#connection")).to_have_attribute("data-connected", "false")
    assert taro.locator("#caller-name").count() == 0

    # The network is back: the page reconnects by itself, resumes from its last seq, shows the
    # pop once.
    taro.context.set_offline(False)
    expect(taro.locator("#connection")).to_have_attribute("data-connected", "true")
    expect(taro.locator("#caller-name")).to_have_text(NAME)
    expect(taro.locator("#agent-state")).to_have_attribute("data-state", "on_call")
    resumes = [frame for frame in sent if '"resume"' in frame]
    assert resumes == [f'{{"type":"resume","last_seq":{seen_before_the_drop}}}']
    # A later message on the same socket: a repeated pop would have come before it.
    press_shortcut(taro, "p")
    expect(taro.locator("#agent-console")).to_have_attribute("data-call-state", "answered")
    assert taro.evaluate("window.shownPops") == 1
    assert taro.locator("#caller-name").count() == 1
    screenshot(taro, "reconnected-console")
    assert browser_errors.errors == []


def test_the_next_agent_signed_in_in_the_same_tab_gets_their_own_screen_pop(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    make_agent("agent002")
    page = open_console(logged_in_page, "agent001")
    go_available(page)
    press_shortcut(page, "2")
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "break")

    # The first agent signs out; the next one signs in in the same tab.
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_url("**/accounts/login/")
    log_in(page, daphne_server.url, "agent002", next_path="/console/")
    expect(page.locator("#connection")).to_have_attribute("data-connected", "true")
    go_available(page)
    offered = offer_call(daphne_server.url, cti_key)

    assert offered["agent"] == "agent002"
    expect(page.locator("#caller-name")).to_have_text(NAME)
    screenshot(page, "next-agent-same-tab")
    assert browser_errors.errors == []


def finish_wrap_up(page) -> None:
    press_shortcut(page, "w")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "available")


def test_a_new_call_starts_its_timers_at_zero(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    page = open_console(logged_in_page, "agent001")
    go_available(page)
    caller = {"from": CALLER.replace("-", ""), "queue": "loans", "type": "offered"}
    post_call_event(daphne_server.url, cti_key, event_id="e1", call_id="call-1", **caller)
    expect(page.locator("#caller-name")).to_have_text(NAME)
    press_shortcut(page, "p")
    expect(page.locator("#timer-talk")).not_to_have_text("0:00")
    press_shortcut(page, "e")
    expect(page.locator("#timer-acw")).not_to_have_text("0:00")
    finish_wrap_up(page)

    post_call_event(daphne_server.url, cti_key, event_id="e2", call_id="call-2", **caller)

    expect(page.locator("#agent-console")).to_have_attribute("data-call-state", "offered")
    expect(page.locator("#timer-talk")).to_have_text("0:00")
    expect(page.locator("#timer-acw")).to_have_text("0:00")
    screenshot(page, "second-call-timers")
    assert browser_errors.errors == []


def test_an_atm_incident_during_the_call_updates_the_callers_context(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent101", desk="service_center")
    page = open_console(logged_in_page, "agent101")
    go_available(page)
    post_call_event(
        daphne_server.url,
        cti_key,
        event_id="e1",
        call_id="c1",
        type="offered",
        queue="atm",
        **{"from": CALLER},
    )
    expect(page.locator("#caller-name")).to_have_text(NAME)
    atm_key = api_key(scopes=["atm"], name="atm-monitor")

    request = Request(
        f"{daphne_server.url}/api/v1/atm/incidents",
        data=json.dumps(
            {
                "incident_id": "INC-1",
                "type": "card_retained",
                "atm_id": "ATM-0042",
                "occurred_at": datetime.now(UTC).isoformat(),
                "customer": {"customer_number": "C0012345"},
            }
        ).encode(),
        headers={"Authorization": f"Bearer {atm_key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urlopen(request, timeout=10) as response:
        assert response.status == 201

    expect(page.locator("li.alert").filter(has_text="ATM")).to_have_count(1)
    screenshot(page, "atm-incident-during-call")
    assert browser_errors.errors == []


def test_the_callers_context_shows_words_not_codes_in_japanese_and_english(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    customer = SourceRecord.objects.get(external_id="L-000123").customer
    Case.objects.create(
        customer=customer,
        kind=CaseKind.REPAYMENT_CONSULTATION,
        status=CaseStatus.IN_PROGRESS,
        owner_desk=Desk.CONTACT_CENTER,
        subject="返済日の変更",
        opened_at=timezone.now() - timedelta(days=2),
    )
    Contact.objects.create(  # an earlier call: the pop's recent contacts are the history
        customer=customer,
        channel=Channel.PHONE,
        queue=Queue.objects.get(name="loans"),
        desk=Desk.CONTACT_CENTER,
        state=ContactState.WRAPPED_UP,
        offered_at=timezone.now() - timedelta(days=3),
    )
    make_agent("agent001")
    page = open_console(logged_in_page, "agent001")
    go_available(page)
    offer_call(daphne_server.url, cti_key)
    expect(page.locator("#caller-name")).to_have_text(NAME)

    pop = page.locator("#screen-pop")
    expect(page.locator("#call-state")).to_have_text("着信中")
    expect(page.locator("#call-queue")).to_have_text("ローン申込")
    expect(pop).to_contain_text("ローン · ****1234 · 延滞")
    expect(pop).to_contain_text("延滞延滞12日")  # the money facts: past due, 12 days
    expect(pop).to_contain_text("返済日の変更 · 返済相談 · 対応中")
    expect(pop).to_contain_text("電話 · ローン申込")
    expect(pop).to_contain_text("ローンコンタクトセンター L-000123")
    expect(page.locator("#agent-state")).to_have_text("通話中")
    screenshot(page, "screen-pop-japanese")
    codes = [
        "delinquent",
        "loan ",
        "repayment_consultation",
        "in_progress",
        "phone",
        "offered",
        "loan_cc",
    ]
    for code in codes:
        assert code not in pop.inner_text()

    # In English the same call, restored from the page after the language changes.
    page.select_option("#language", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#caller-name")).to_have_text(NAME)
    expect(page.locator("#call-state")).to_have_text("Ringing")
    expect(pop).to_contain_text("Loan · ****1234 · Delinquent")
    expect(pop).to_contain_text("Past due12 days past due")  # the money facts
    expect(pop).to_contain_text("返済日の変更 · Repayment consultation · In progress")
    expect(pop).to_contain_text("Loan contact center L-000123")
    expect(page.locator("#agent-state")).to_have_text("On a call")
    # English words may contain a code's word ("Registered phone number"): codes with their
    # underscores, and status codes in lower case, must still never show.
    for code in [c for c in codes if "_" in c or c in ("delinquent", "offered")]:
        assert code not in pop.inner_text()
    screenshot(page, "screen-pop-english")
    assert browser_errors.errors == []


def test_agent_finds_the_caller_from_the_console_by_keyboard_as_they_type(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    page = open_console(logged_in_page, "agent001")
    go_available(page)
    # A number the customer never gave: the console cannot tell who calls.
    offered = offer_call(daphne_server.url, cti_key, caller="03-5555-0101")
    assert offered["customer_id"] is None
    expect(page.locator("#screen-pop .caller-name")).to_have_text("発信者不明")
    expect(page.locator("#screen-pop")).to_contain_text("顧客検索（Alt+Shift+S）で発信者を探して")

    # The caller gives their name; the agent types it in hiragana, and presses no Enter.
    press_shortcut(page, "s")
    box = page.locator("#id_q")
    expect(box).to_be_focused()
    box.press_sequentially("やまだ", delay=30)
    results = page.locator("#search-results tbody tr")
    expect(results).to_have_count(1)
    expect(results.get_by_role("link")).to_have_text(NAME)
    # Still the console: its address, its live socket.
    assert page.url == f"{daphne_server.url}/console/"
    expect(page.locator("#connection")).to_have_attribute("data-connected", "true")
    screenshot(page, "console-search")

    box.press("ArrowDown")
    page.keyboard.press("Enter")
    customer = SourceRecord.objects.get(external_id="L-000123").customer
    page.wait_for_url(f"**/customers/{customer.pk}/?contact={offered['contact_id']}")
    expect(page.locator("#identity-heading")).to_contain_text(NAME)

    opening = ViewAudit.objects.get(listed=False)
    assert (opening.viewer.username, opening.customer_id) == ("agent001", customer.pk)
    assert str(opening.contact_id) == offered["contact_id"]
    # The search results were written down too, with what was typed and the call.
    searched = ViewAudit.objects.filter(
        listed=True, customer=customer, reason__startswith="search: "
    )
    assert searched.exists()
    assert {str(entry.contact_id) for entry in searched} == {offered["contact_id"]}
    assert browser_errors.errors == []


def test_an_admin_sees_who_opened_the_customer_from_which_call_and_why(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    make_agent("agent001")
    admin_user = UserFactory(username="admin001", role="admin")
    agent = open_console(logged_in_page, "agent001")
    go_available(agent)
    offered = offer_call(daphne_server.url, cti_key)
    contact = Contact.objects.get(pk=offered["contact_id"])

    # The agent opens the full customer page from the screen pop, in a tab of its own.
    with agent.expect_popup() as opened:
        agent.get_by_role("link", name="顧客ページを開く").click()
    customer = SourceRecord.objects.get(external_id="L-000123").customer
    opened.value.wait_for_url(f"**/customers/{customer.pk}/?contact={contact.pk}")
    opened_at = timezone.localtime(ViewAudit.objects.get(reason="").at)

    # An admin reads the log: who, when (Tokyo time), the customer and the call; the screen
    # pop before the opening is there too.
    admin = logged_in_page("admin001", "/audit/customer-views/")
    rows = admin.locator("main tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("td").nth(4)).to_have_text("screen pop")
    cells = rows.first.locator("td")
    expect(cells.nth(0)).to_have_text(opened_at.strftime("%Y-%m-%d %H:%M:%S"))
    expect(cells.nth(1)).to_have_text("agent001")
    expect(cells.nth(2)).to_have_text(f"{NAME} · {customer.customer_number}")
    offered_at = timezone.localtime(contact.offered_at).strftime("%Y-%m-%d %H:%M")
    expect(cells.nth(3)).to_have_text(f"電話 · ローン申込 · {offered_at}")
    screenshot(admin, "audit-log")

    # The admin's own look at the record is logged too, with its reason and no call.
    cells.nth(2).get_by_role("link").click()
    admin.wait_for_url(f"**/customers/{customer.pk}/?reason=audit+review")
    admin.goto(f"{daphne_server.url}/audit/customer-views/?viewer={admin_user.pk}")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(1)).to_have_text("admin001")
    expect(rows.first.locator("td").nth(3)).to_have_text("—")
    expect(rows.first.locator("td").nth(4)).to_have_text("audit review")
    assert browser_errors.errors == []
