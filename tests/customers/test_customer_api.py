"""Reading customers over the API: search in any width or script, the customer-360, source records
with their current customer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.merging import merge_customers, unmerge_customers
from customers.models import Customer, SourceRecord
from customers.resolution import ingest_source_records

pytestmark = pytest.mark.django_db

TARO = {
    "customer_number": "C0012345",
    "name": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "birth_date": "1980-04-01",
    "phones": ["090-1234-5678"],
}


@pytest.fixture
def read_api(client_with_scopes):
    return client_with_scopes("read")


@pytest.fixture
def taro(db) -> Customer:
    ingest_source_records(system="loan_cc", records=[{"external_id": "L1", **TARO}])
    return Customer.objects.get()


@pytest.mark.parametrize(
    "query",
    [
        {"phone": "09012345678"},
        {"phone": "+81 90-1234-5678"},
        {"q": "０９０－１２３４－５６７８"},
        {"q": "やまだ"},
        {"q": "ﾔﾏﾀﾞ ﾀ"},
        {"q": "山田"},
        {"q": "c0012345"},
    ],
)
def test_search_finds_the_customer_in_any_width_or_script(read_api, taro, query):
    response = read_api.get("/api/v1/customers/", query)

    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert item["id"] == str(taro.pk)
    assert item["phones"] == ["090-1234-5678"]


def test_search_does_not_find_others(read_api, taro):
    assert read_api.get("/api/v1/customers/", {"q": "スズキ"}).json()["results"] == []


def test_customer_list_is_cursor_paginated(client_with_scopes):
    ingest_source_records(
        system="loan_cc",
        records=[{"external_id": f"L{n}", "name": f"客 {n}"} for n in range(5)],
    )
    exporter = client_with_scopes("export")
    page = exporter.get("/api/v1/customers/", {"page_size": 2}).json()
    seen = [item["id"] for item in page["results"]]
    while page["next"]:
        page = exporter.get(page["next"]).json()
        seen += [item["id"] for item in page["results"]]

    assert len(seen) == len(set(seen)) == 5


def test_customer_360_has_identity_records_and_masked_accounts(read_api, taro):
    ingest_source_records(
        system="atm_svc",
        records=[
            {
                "external_id": "A1",
                **TARO,
                "customer_number": "",
                "accounts": [{"kind": "card", "number": "4111111111111234"}],
            }
        ],
    )

    body = read_api.get(f"/api/v1/customers/{taro.pk}/").json()

    assert body["id"] == str(taro.pk)
    assert body["name"] == "山田 太郎"
    assert {(r["system"], r["external_id"]) for r in body["source_records"]} == {
        ("loan_cc", "L1"),
        ("atm_svc", "A1"),
    }
    assert body["accounts"] == [
        {
            "kind": "card",
            "masked_number": "****1234",
            "system": "atm_svc",
            "status": "",
            "balance": None,
            "credit_limit": None,
            "next_due_date": None,
            "next_due_amount": None,
            "days_past_due": 0,
        }
    ]
    assert "4111111111111234" not in str(body)


def test_absorbed_id_answers_with_the_survivor(read_api, taro):
    ingest_source_records(system="atm_svc", records=[{"external_id": "A9", "name": "別人"}])
    other = Customer.objects.exclude(pk=taro.pk).get()
    merge_customers(survivor=taro, absorbed=other, rule="steward")

    body = read_api.get(f"/api/v1/customers/{other.pk}/").json()

    assert body["id"] == str(taro.pk)
    assert body["merged_from"] == str(other.pk)


def test_unknown_customer_is_404(read_api):
    response = read_api.get("/api/v1/customers/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def queries_for_360(read_api, customer_id) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert read_api.get(f"/api/v1/customers/{customer_id}/").status_code == 200
    return len(captured)


def test_customer_360_takes_the_same_queries_for_1_and_1000_records(read_api):
    small = ingest_source_records(system="loan_cc", records=[{"external_id": "S1", **TARO}])
    big_person = {"name": "大口 一", "birth_date": "1970-01-01", "phones": ["090-9999-0000"]}
    big = ingest_source_records(
        system="atm_svc",
        records=[
            {
                "external_id": f"B{n}",
                **big_person,
                "accounts": [{"kind": "card", "number": f"4000{n:08d}"}],
            }
            for n in range(1000)
        ],
    )
    big_customer = big.results[0].customer_id
    assert SourceRecord.objects.filter(customer_id=big_customer).count() == 1000
    # The key's first use of the minute writes last_used_at.
    read_api.get("/api/v1/customers/", {"q": "大口"})

    assert queries_for_360(read_api, small.results[0].customer_id) == queries_for_360(
        read_api, big_customer
    )


def test_source_record_answers_with_its_current_customer(read_api, taro, steward):
    ingest_source_records(system="atm_svc", records=[{"external_id": "A9", "name": "別人"}])
    other = Customer.objects.exclude(pk=taro.pk).get()
    url = "/api/v1/source-records/atm_svc/A9/"
    merge = merge_customers(survivor=taro, absorbed=other, rule="steward")

    assert read_api.get(url).json()["customer_id"] == str(taro.pk)

    unmerge_customers(decision=merge, decided_by=steward, reason="not the same person")
    assert read_api.get(url).json()["customer_id"] == str(other.pk)


def test_source_records_are_listed_by_system_for_an_export_key(client_with_scopes, taro):
    ingest_source_records(system="atm_svc", records=[{"external_id": "A1", **TARO}])

    body = client_with_scopes("export").get("/api/v1/source-records/", {"system": "loan_cc"})

    assert [r["external_id"] for r in body.json()["results"]] == ["L1"]
    assert body.json()["results"][0]["customer_id"] == str(taro.pk)
    assert body.json()["next"] is None


def test_a_customers_source_records_are_listed_for_a_read_key(read_api, taro):
    ingest_source_records(system="atm_svc", records=[{"external_id": "A1", **TARO}])

    body = read_api.get("/api/v1/source-records/", {"customer": str(taro.pk)}).json()

    assert sorted(r["external_id"] for r in body["results"]) == ["A1", "L1"]


def test_source_record_list_needs_a_customer_for_a_read_key(read_api):
    response = read_api.get("/api/v1/source-records/", {"system": "loan_cc"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "filter_required"
    assert "customer" in response.json()["error"]["fields"]


def test_source_records_never_show_an_accounts_number_hash(client_with_scopes):
    batch = client_with_scopes("ingest").post(
        "/api/v1/source-records/batch",
        {
            "system": "loan_cc",
            "records": [
                {
                    **TARO,
                    "external_id": "L1",
                    "accounts": [{"kind": "card", "number": "4980001234"}],
                }
            ],
        },
        format="json",
    )
    assert batch.status_code == 200 and not batch.json()["errors"]
    stored_hash = SourceRecord.objects.get().payload["accounts"][0]["number_hash"]
    reader = client_with_scopes("read")

    customer_id = SourceRecord.objects.get().customer_id
    listed = reader.get("/api/v1/source-records/", {"customer": str(customer_id)})
    one = reader.get("/api/v1/source-records/loan_cc/L1/")

    for response in (listed, one):
        assert response.status_code == 200
        assert "number_hash" not in response.content.decode()
        assert stored_hash not in response.content.decode()
    assert one.json()["payload"]["accounts"] == [{"kind": "card", "last4": "1234"}]
