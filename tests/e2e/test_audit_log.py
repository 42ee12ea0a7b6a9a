"""The access log in headless Chromium: an administrator narrows it to one customer, found by
name, and one person, and the CSV download holds exactly the rows on the page."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from console.audit.models import ViewAudit
from customers.models import Customer
from customers.resolution import ingest_source_records
from tests.e2e.conftest import screenshot
from tests.factories import UserFactory, make_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def customer(external_id: str, name: str, number: str) -> Customer:
    outcome = ingest_source_records(
        system="loan_cc",
        records=[{"external_id": external_id, "name": name, "customer_number": number}],
    )
    return Customer.objects.get(pk=outcome.results[0].customer_id)


def test_the_audit_csv_holds_the_filtered_rows_of_the_page(
    daphne_server, logged_in_page, browser_errors
):
    UserFactory(username="admin001", role="admin")
    sato = make_agent("agent001").user
    sato.last_name, sato.first_name = "佐藤", "花子"
    sato.save()
    other_agent = make_agent("agent002").user
    taro, hanako = customer("L1", "山田 太郎", "C0000001"), customer("L2", "鈴木 花子", "C0000002")
    now = timezone.now()
    ViewAudit.objects.create(customer=taro, viewer=sato, reason="折り返し電話の準備", at=now)
    ViewAudit.objects.create(
        customer=taro, viewer=sato, reason="書面での問い合わせ", at=now - timedelta(hours=1)
    )
    ViewAudit.objects.create(customer=taro, viewer=other_agent, reason="別の人", at=now)
    ViewAudit.objects.create(customer=hanako, viewer=sato, reason="別の顧客", at=now)

    page = logged_in_page("admin001", "/audit/customer-views/")
    page.fill("#id_customer", "山田")
    page.select_option("#id_viewer", label="佐藤 花子")
    page.locator("#audit-filters button[type=submit]").click()
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("山田 太郎 · C0000001")
    expect(rows.first).to_contain_text("佐藤 花子")

    with page.expect_download() as download:
        page.locator("#audit-csv").click()
    lines = list(
        csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig")))
    )
    assert lines[0] == [
        "日時（日本時間）",
        "参照者",
        "ユーザー名",
        "顧客番号",
        "顧客",
        "参照元コンタクト",
        "理由",
    ]
    on_page = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]
    assert [line[6] for line in lines[1:]] == [row[4] for row in on_page]
    assert [line[0] for line in lines[1:]] == [row[0] for row in on_page]
    assert all(
        line[1:5] == ["佐藤 花子", "agent001", "C0000001", "山田 太郎"] for line in lines[1:]
    )
    screenshot(page, "audit_log")
    assert browser_errors.errors == []
