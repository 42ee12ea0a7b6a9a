"""Customer pages in headless Chromium against a real Daphne: search however the query is
written, as the agent types, by keyboard; one customer's page with both desks' names and accounts
that never show in full, each code by its label in Japanese and in English."""

import re

import pytest
from playwright.sync_api import expect

from console.audit.models import ViewAudit
from customers.models import SourceRecord
from customers.resolution import ingest_source_records
from tests.customers import people
from tests.e2e.conftest import screenshot
from tests.factories import make_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# One person known to both desks (tests/customers/people.py): the ATM desk writes half-width
# kana, full-width digits and here also another kanji for the given name.
TARO_LOAN = people.TARO_LOAN
TARO_ATM = {**people.TARO_ATM, "name": "山田　太朗"}
# Someone else: a search that listed everybody would find two rows.
HANAKO = {
    "external_id": "L-000999",
    "name": "佐藤 花子",
    "name_kana": "サトウ ハナコ",
    "birth_date": "1975-02-02",
    "phones": ["080-9999-0000"],
}
FULL_NUMBERS = ["4980-0012-3456", "498000123456", "4111 1111 1111 1234", "4111111111111234"]


@pytest.fixture
def taro(transactional_db):
    ingest_source_records(system="loan_cc", records=[TARO_LOAN, HANAKO])
    ingest_source_records(system="atm_svc", records=[TARO_ATM])
    customer = SourceRecord.objects.get(system="loan_cc", external_id="L-000123").customer
    assert SourceRecord.objects.get(system="atm_svc", external_id="A-77").customer == customer
    assert customer.name in ("山田 太郎", "山田　太朗")
    return customer


@pytest.fixture
def agent_page(logged_in_page):
    make_agent("agent001")
    return logged_in_page("agent001", "/customers/")


def search(page, query: str) -> None:
    box = page.locator("#id_q")
    box.fill(query)
    box.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text(query)


def test_search_in_any_width_finds_the_customer(agent_page, browser_errors, taro):
    page = agent_page
    expect(page.locator("#id_q")).to_be_focused()
    for query in ["ﾔﾏﾀﾞ ﾀﾛｳ", "０９０１２３４５６７８", "やまだ"]:
        search(page, query)
        results = page.locator("table tbody tr")
        expect(results).to_have_count(1)
        expect(results.get_by_role("link")).to_have_text(taro.name)
        expect(results.get_by_role("link")).to_have_attribute("href", f"/customers/{taro.pk}/")
        expect(page.locator("#id_q")).to_have_value(query)
    screenshot(page, "customer-search")
    assert browser_errors.errors == []


def test_results_appear_as_the_agent_types_without_enter(agent_page, browser_errors, taro):
    page = agent_page
    box = page.locator("#id_q")
    # Set on this document: a form submitted the old way would load a new one without it.
    page.evaluate("window.sameDocument = true")

    # Half-width kana, typed key by key: the results come while the agent pauses.
    box.press_sequentially("ﾔﾏﾀﾞ", delay=30)
    expect(page.locator("#results-heading")).to_contain_text("ﾔﾏﾀﾞ")
    results = page.locator("#search-results tbody tr")
    expect(results).to_have_count(1)
    expect(results.get_by_role("link")).to_have_text(taro.name)
    # The address follows the box, so a reload or a link shows the same results.
    expect(page).to_have_url(re.compile(r"/customers/\?q=%EF%BE%94"))

    # A full-width phone number replaces the kana: the results follow the box.
    box.fill("")
    box.press_sequentially("０９０１２３４５６７８", delay=30)
    expect(page.locator("#results-heading")).to_contain_text("０９０１２３４５６７８")
    expect(results).to_have_count(1)
    assert page.evaluate("window.sameDocument") is True
    screenshot(page, "customer-search-as-you-type")

    # From the box to the result and into the customer page, by keyboard.
    box.press("ArrowDown")
    expect(results.get_by_role("link")).to_be_focused()
    page.keyboard.press("Escape")
    expect(box).to_be_focused()
    box.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{taro.pk}/")
    assert browser_errors.errors == []


def test_customer_page_shows_identity_and_masked_accounts(agent_page, browser_errors, taro):
    page = agent_page
    search(page, "ﾔﾏﾀﾞ")
    page.locator("table tbody tr").get_by_role("link", name=taro.name).click()
    # Outside a call the page asks why first, and the reason goes into the access log.
    page.wait_for_url(f"**/customers/{taro.pk}/")
    expect(page.locator("#identity-heading")).to_have_count(0)
    page.fill("#opening-reason", "折り返し電話の準備")
    page.press("#opening-reason", "Enter")
    page.wait_for_url(f"**/customers/{taro.pk}/?reason=*")
    assert ViewAudit.objects.get(customer=taro, listed=False).reason == "折り返し電話の準備"

    # The name survivorship chose heads the page; each desk's own spelling is in its record.
    expect(page.locator("#identity-heading")).to_contain_text(taro.name)
    records = page.locator("section[aria-labelledby=records-heading] tbody tr")
    expect(records).to_have_count(2)
    loan_record = records.filter(has_text="ローンコンタクトセンター")
    atm_record = records.filter(has_text="ATM・カードサービスセンター")
    expect(loan_record).to_contain_text("山田 太郎")
    expect(atm_record).to_contain_text("山田　太朗")
    expect(atm_record).to_contain_text("ﾔﾏﾀﾞ ﾀﾛｳ")
    accounts = page.locator("section[aria-labelledby=accounts-heading] tbody")
    expect(accounts).to_contain_text("****1234")
    expect(accounts).to_contain_text("****3456")
    # Not in the text, nor anywhere in the markup the browser got.
    text, markup = page.locator("body").inner_text(), page.content()
    for full in FULL_NUMBERS:
        assert full not in text
        assert full not in markup
    screenshot(page, "customer-detail")
    assert browser_errors.errors == []
