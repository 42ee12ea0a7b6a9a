"""The customer page's timeline in headless Chromium against a real Daphne: touchpoints posted
through the API on every channel appear with their channel's icon and words, and the channel
filter narrows the timeline to one channel."""

import json
from datetime import datetime, timedelta
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from contacts.models import TOUCHPOINT_CHANNELS
from customers.models import Customer
from customers.resolution import ingest_source_records
from tests.e2e.conftest import screenshot
from tests.factories import api_key, make_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TOKYO = ZoneInfo("Asia/Tokyo")
SUBJECTS = {
    "web": "会員ページで住所変更",
    "app": "アプリで増枠を申込",
    "branch": "店頭で書類を提出",
    "line": "LINEで残高照会",
    "email": "メールで明細の再送依頼",
    "sms": "返済日のお知らせSMS",
    "chat": "チャットで審査状況を確認",
}


@pytest.fixture
def taro(transactional_db) -> Customer:
    outcome = ingest_source_records(
        system="loan_cc",
        records=[{"external_id": "L-1", "customer_number": "C0012345", "name": "山田 太郎"}],
    )
    return Customer.objects.get(pk=outcome.results[0].customer_id)


def post_touchpoints(base_url: str) -> dict:
    key = api_key(scopes=["interactions"], name="channels")
    now = datetime.now(TOKYO)
    rows = [
        {
            "source": "demo_channels",
            "external_id": f"tp-{channel}",
            "channel": channel,
            "direction": "inbound",
            "occurred_at": (now - timedelta(hours=n)).isoformat(),
            "customer": {"customer_number": "C0012345"},
            "subject": SUBJECTS[channel],
        }
        for n, channel in enumerate(TOUCHPOINT_CHANNELS)
    ]
    request = Request(
        f"{base_url}/api/v1/interactions/batch",
        data=json.dumps({"interactions": rows}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_timeline_shows_every_channel_and_filters_by_one(
    daphne_server, logged_in_page, browser_errors, taro
):
    answer = post_touchpoints(daphne_server.url)
    assert answer["errors"] == [] and len(answer["results"]) == len(TOUCHPOINT_CHANNELS)
    make_agent("agent001")
    page = logged_in_page("agent001", f"/customers/{taro.pk}/?reason=review")

    rows = page.locator("#timeline tbody tr")
    expect(rows).to_have_count(len(TOUCHPOINT_CHANNELS))
    for subject in SUBJECTS.values():
        expect(page.locator("#timeline")).to_contain_text(subject)
    expect(rows.filter(has_text=SUBJECTS["app"]).locator(".channel-icon")).to_have_text("▣")
    expect(rows.filter(has_text=SUBJECTS["branch"])).to_contain_text("店頭窓口")
    screenshot(page, "touchpoints-timeline")

    page.locator("#id_channel").select_option("app")
    page.locator("#timeline").get_by_role("button").click()

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(SUBJECTS["app"])
    expect(rows.first).to_contain_text("アプリ")
    page.locator("#id_channel").select_option("line")
    page.locator("#timeline").get_by_role("button").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(SUBJECTS["line"])
    assert browser_errors.errors == []
