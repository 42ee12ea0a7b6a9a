"""The security pages in headless Chromium against a real Daphne: the lockout page after too many
wrong passwords, the password change page with the validators' refusals, and the supervisor's
page of customers viewed per agent with its alert."""

import pytest
from playwright.sync_api import expect

from console.audit.models import SignInLockout
from customers.resolution import ingest_source_records
from tests.e2e.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def try_password(page, base_url: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", "agent001")
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_load_state()


def test_guessing_shows_the_lockout_page_in_japanese_and_english(
    daphne_server, new_page, browser_errors
):
    UserFactory(username="agent001", role="agent")
    # The lockout answers 429, which Chromium reports as a failed resource.
    browser_errors.allow("status of 429")
    page = new_page()
    for n in range(5):
        try_password(page, daphne_server.url, f"guess-{n}")

    try_password(page, daphne_server.url, PASSWORD)

    expect(page.locator("h1")).to_have_text("サインインできません")
    expect(page.get_by_role("alert")).to_contain_text("15 分後にもう一度お試しください")
    with page.expect_navigation():
        page.select_option("#language", "en")
    try_password(page, daphne_server.url, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(
        "Too many wrong passwords. Try again in 15 minutes."
    )
    assert SignInLockout.objects.filter(username="agent001").count() == 1
    assert browser_errors.errors == []


def test_a_password_is_changed_on_its_page_and_the_validators_refuse_a_weak_one(
    daphne_server, logged_in_page, new_page, browser_errors
):
    UserFactory(username="agent001", role="agent")
    page = logged_in_page("agent001", "/")
    page.get_by_role("link", name="パスワード変更").click()

    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "12345678")
    page.fill("#id_new_password2", "12345678")
    page.get_by_role("button", name="パスワード変更").click()
    expect(page.get_by_role("alert")).to_contain_text("パスワードは変更されていません")
    expect(page.locator("#new_password2-error").first).to_be_visible()

    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "longer-and-rarer-7")
    page.fill("#id_new_password2", "longer-and-rarer-7")
    page.get_by_role("button", name="パスワード変更").click()
    expect(page.locator("h1")).to_have_text("パスワードを変更しました")

    again = new_page()
    again.goto(f"{daphne_server.url}/accounts/login/")
    again.fill("#id_username", "agent001")
    again.fill("#id_password", "longer-and-rarer-7")
    again.press("#id_password", "Enter")
    again.wait_for_url(f"{daphne_server.url}/")
    assert browser_errors.errors == []


def test_the_supervisor_sees_customers_viewed_per_agent_and_the_alert(
    daphne_server, logged_in_page, browser_errors, settings
):
    UserFactory(username="agent001", role="agent")
    UserFactory(username="super001", role="supervisor")
    outcome = ingest_source_records(
        system="loan_cc",
        records=[{"external_id": f"L{n}", "name": f"山田 {n}号"} for n in range(40)],
    )
    agent_page = logged_in_page("agent001", "/")
    # More than the default limit of 30 an hour, none of them on a call.
    for result in outcome.results[:31]:
        agent_page.goto(f"{daphne_server.url}/customers/{result.customer_id}/?reason=review")

    page = logged_in_page("super001", "/wallboard/")
    expect(page.locator('#view-alerts-section [data-agent="agent001"]')).to_contain_text("31")
    page.get_by_role("link", name="オペレーター別の顧客閲覧数").first.click()
    figures = page.locator('#customer-views tr[data-agent="agent001"]')
    expect(figures.locator('[data-figure="opened"]')).to_have_text("31")
    expect(figures.locator('[data-figure="opened_off_call"]')).to_have_text("31")
    expect(page.locator("#range-alerts")).to_contain_text("agent001")
    assert browser_errors.errors == []
