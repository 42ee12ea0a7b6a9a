"""One language per page in headless Chromium: the console and the customer page in Japanese
show no queue or wrap-up name of the English side, and in English none of the Japanese; the
caller's number and the customer's phones in one Japanese format."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Channel, Contact, ContactState, Desk, Queue, WrapUpCode
from customers.models import SourceRecord
from tests.e2e.test_agent_console import NAME, go_available, known_caller, offer_call, open_console
from tests.factories import api_key, make_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

__all__ = ["known_caller"]  # a fixture, used by name


@pytest.fixture
def cti_key(transactional_db):
    return api_key(scopes=["cti"], name="pbx")


def names_in(language: str) -> set[str]:
    field = f"label_{language}"
    rows = [*Queue.objects.values_list(field, flat=True)]
    rows += WrapUpCode.objects.values_list(field, flat=True)
    return {name for name in rows if name}


def names_of_the_other_language_shown(page, language: str) -> list[str]:
    other = "en" if language == "ja" else "ja"
    # The transfer list's options are text too, though a closed <select> does not show them.
    text = page.evaluate(
        "() => document.body.innerText + [...document.querySelectorAll('option')]"
        ".map((o) => o.textContent).join(' ')"
    )
    return sorted(name for name in names_in(other) - names_in(language) if name in text)


def test_each_locale_shows_queue_and_wrap_up_names_in_its_language_only(
    daphne_server, logged_in_page, browser_errors, known_caller, cti_key
):
    customer = SourceRecord.objects.get(external_id="L-000123").customer
    Contact.objects.create(  # an earlier call, wrapped up: the pop's recent contacts name it
        customer=customer,
        channel=Channel.PHONE,
        queue=Queue.objects.get(name="repayment"),
        desk=Desk.CONTACT_CENTER,
        state=ContactState.WRAPPED_UP,
        wrap_up_code=WrapUpCode.objects.get(desk=Desk.CONTACT_CENTER, code="repayment_plan"),
        offered_at=timezone.now() - timedelta(days=3),
    )
    make_agent("agent001")
    page = open_console(logged_in_page, "agent001")
    go_available(page)
    offer_call(daphne_server.url, cti_key)
    expect(page.locator("#caller-name")).to_have_text(NAME)
    # The caller's number as Japanese people write it, though the PBX sent digits only.
    expect(page.locator("#call-from")).to_have_text("090-1234-5678")

    expect(page.locator("#call-queue")).to_have_text("ローン申込")
    expect(page.locator("#screen-pop")).to_contain_text("返済相談 · 返済計画を案内")
    assert names_of_the_other_language_shown(page, "ja") == []

    page.select_option("#language", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#call-queue")).to_have_text("Loan applications")
    expect(page.locator("#screen-pop")).to_contain_text(
        "Repayment consultations · Repayment plan agreed"
    )
    assert names_of_the_other_language_shown(page, "en") == []

    # The customer page, in a tab of its own, in English too.
    with page.context.expect_page() as opened:
        page.locator("#open-customer").click()
    customer_page = opened.value
    customer_page.wait_for_load_state()
    expect(customer_page.locator("#timeline")).to_contain_text("Repayment consultations")
    expect(customer_page.locator("body")).to_contain_text("090-1234-5678")
    assert names_of_the_other_language_shown(customer_page, "en") == []
    assert browser_errors.errors == []
