"""The steward's review queue in headless Chromium: counts, filters and pages; the one wrong kana
marked; linking a record with a kana typo keeps the customer's agreed kana, and a search for the
right spelling still finds the customer."""

import pytest
from playwright.sync_api import expect

from customers.models import ReviewCandidate, SourceRecord
from customers.resolution import ingest_source_records
from tests.e2e.conftest import screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def loan_customer(n: int) -> SourceRecord:
    ingest_source_records(
        system="loan_cc",
        records=[
            {
                "external_id": f"L{n}",
                "name": f"山田 太郎{n}" if n else "山田 太郎",
                "name_kana": "ヤマダ タロウ",
                "birth_date": f"19{60 + n % 40}-04-01",
                "phones": [f"090{n:08d}"],
            }
        ],
    )
    return SourceRecord.objects.get(system="loan_cc", external_id=f"L{n}")


def atm_record(n: int, kana: str) -> SourceRecord:
    # A birth date of its own, so the matcher keeps it apart; the candidate is set up below.
    ingest_source_records(
        system="atm_svc",
        records=[{"external_id": f"A{n}", "name_kana": kana, "birth_date": "2001-01-01"}],
    )
    return SourceRecord.objects.get(system="atm_svc", external_id=f"A{n}")


def test_a_steward_pages_filters_and_links_a_typo_without_losing_the_agreed_kana(
    daphne_server, logged_in_page, browser_errors
):
    UserFactory(username="steward001", role="steward")
    taro = loan_customer(0)
    typo = atm_record(0, "ヤマダ タロ")
    # 60 more, from the loan system by name and birth date only: two pages of them. The
    # matcher sends some of these look-alikes to review itself; the queue is set up by hand.
    others = [loan_customer(n) for n in range(1, 61)]
    ReviewCandidate.objects.all().delete()
    ReviewCandidate.objects.create(
        source_record=typo, candidate_customer=taro.customer, rule="kana_typo", score=0.75
    )
    for other in others:
        ReviewCandidate.objects.create(
            source_record=other,
            candidate_customer=taro.customer,
            rule="name_birth_only",
            score=0.65,
        )

    page = logged_in_page("steward001", "/review/")
    expect(page.locator("#review-count")).to_contain_text("61")
    expect(page.locator("article.review-candidate")).to_have_count(50)
    page.locator("a[rel=next]").click()
    expect(page.locator("article.review-candidate")).to_have_count(11)

    page.select_option("#id_system", "atm_svc")
    page.locator("#review-filters button[type=submit]").click()
    candidate = page.locator("article.review-candidate")
    expect(candidate).to_have_count(1)
    expect(page.locator("#id_system option[value=atm_svc]")).to_contain_text("(1)")
    # The customer is named by name and number; the letter that differs is marked.
    expect(candidate.locator("h2")).to_contain_text("山田 太郎")
    kana = candidate.locator('tr[data-field="name_kana"]')
    expect(kana.locator("mark")).to_have_text("ウ")
    screenshot(page, "review_queue")

    candidate.locator('input[value="link"]').check()
    candidate.locator("textarea[name=reason]").fill("電話で本人確認済み")
    candidate.locator("button[type=submit]").click()
    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator("#id_system")).to_have_value("atm_svc")  # the filter is kept
    expect(page.locator("article.review-candidate")).to_have_count(0)

    taro.customer.refresh_from_db()
    assert SourceRecord.objects.get(pk=typo.pk).customer_id == taro.customer_id
    assert taro.customer.name_kana == "ヤマダ タロウ"
    page.goto(f"{daphne_server.url}/customers/?q=ヤマダタロウ")
    expect(
        page.locator("table.search-results tbody tr", has_text="山田 太郎").first
    ).to_be_visible()
    expect(
        page.locator("table.search-results tbody tr").filter(has_text="ヤマダ タロウ").first
    ).to_be_visible()
    assert browser_errors.errors == []
