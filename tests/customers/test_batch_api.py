"""The source-record batch API: upsert, resolve, report bad records, store nothing of them."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Account, BlockingKey, Customer, SourceRecord
from customers.record_input import MAX_BATCH_RECORDS
from tests.console.test_api_access import assert_error
from tests.customers.people import TARO_ATM, TARO_LOAN

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/source-records/batch"


@pytest.fixture
def ingest(client_with_scopes):
    api = client_with_scopes("ingest")

    def post(system: str, *records: dict, **extra):
        return api.post(BATCH, {"system": system, "records": list(records), **extra}, format="json")

    return post


def test_first_record_creates_a_customer(ingest):
    response = ingest("loan_cc", TARO_LOAN)

    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["action"] == "created"
    assert result["match"] is None
    customer = Customer.objects.get(pk=result["customer_id"])
    assert customer.name == "山田 太郎"
    assert customer.phones == ["090-1234-5678"]
    assert customer.field_sources["name"] == "loan_cc:L-000123"


def test_other_desk_record_of_the_same_person_links(ingest):
    first = ingest("loan_cc", TARO_LOAN).json()["results"][0]
    second = ingest("atm_svc", TARO_ATM).json()["results"][0]

    assert second["action"] == "linked"
    assert second["customer_id"] == first["customer_id"]
    assert second["match"]["rule"] == "fellegi_sunter_v1"
    assert second["match"]["score"] >= 0.99
    assert Customer.objects.count() == 1


def test_same_batch_again_is_unchanged(ingest):
    ingest("loan_cc", TARO_LOAN, TARO_ATM | {"external_id": "L-2"})
    counts = (Customer.objects.count(), SourceRecord.objects.count(), BlockingKey.objects.count())

    again = ingest("loan_cc", TARO_LOAN, TARO_ATM | {"external_id": "L-2"}).json()

    assert [r["action"] for r in again["results"]] == ["unchanged", "unchanged"]
    assert counts == (
        Customer.objects.count(),
        SourceRecord.objects.count(),
        BlockingKey.objects.count(),
    )


def test_payload_hash_is_of_the_stored_payload_so_earlier_hashes_still_match(ingest):
    # Records stored by earlier versions were hashed this way: a new encoding must agree, or
    # every unchanged record sent again would count as changed.
    ingest("loan_cc", TARO_LOAN)

    stored = SourceRecord.objects.get()
    canonical = json.dumps(stored.payload, sort_keys=True, ensure_ascii=False)
    assert stored.payload_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert stored.payload["birth_date"] == "1980-04-01"
    assert stored.payload["updated_at"] == "2026-11-01 10:00:00+09:00"


def test_changed_record_is_updated_and_survivorship_takes_the_newest(ingest):
    ingest("loan_cc", TARO_LOAN)
    newer = TARO_LOAN | {"address": "東京都渋谷区1-2-3", "updated_at": "2026-11-20T10:00:00+09:00"}

    (result,) = ingest("loan_cc", newer).json()["results"]

    assert result["action"] == "updated"
    assert Customer.objects.get(pk=result["customer_id"]).address == "東京都渋谷区1-2-3"


def test_a_record_changed_without_a_time_of_its_own_counts_from_when_the_change_came(ingest):
    loan = TARO_LOAN | {"updated_at": None}
    ingest("loan_cc", loan)
    ingest("atm_svc", TARO_ATM | {"address": "東京都中野区2-2-2"})
    customer = SourceRecord.objects.get(system="loan_cc").customer
    customer.refresh_from_db()
    assert customer.address == "東京都中野区2-2-2"  # the ATM record came later

    ingest("loan_cc", loan | {"address": "東京都渋谷区1-2-3"})

    customer.refresh_from_db()
    assert customer.address == "東京都渋谷区1-2-3"
    assert customer.field_sources["address"] == "loan_cc:L-000123"


def test_account_numbers_are_never_stored_in_full(ingest):
    ingest("loan_cc", TARO_LOAN)

    account = Account.objects.get()
    assert account.masked_number == "****3456"
    stored = str(SourceRecord.objects.get().payload)
    assert "4980-0012-3456" not in stored
    assert "498000123456" not in stored


def test_invalid_records_get_field_errors_and_are_not_stored(ingest):
    bad_date = {"external_id": "L-1", "birth_date": "1980-02-30"}
    wrong_type = {"external_id": "L-2", "phones": "090-1111-2222"}
    unknown_field = {"external_id": "L-3", "birthdate": "1980-01-01"}

    response = ingest("loan_cc", bad_date, TARO_LOAN, wrong_type, unknown_field, 7)

    body = response.json()
    assert response.status_code == 200
    assert [r["external_id"] for r in body["results"]] == ["L-000123"]
    errors = {e["index"]: e for e in body["errors"]}
    assert set(errors) == {0, 2, 3, 4}
    assert "birth_date" in errors[0]["fields"]
    assert "phones" in errors[2]["fields"]
    assert errors[3]["fields"] == {"birthdate": ["Unknown field."]}
    assert SourceRecord.objects.count() == 1


def test_oversized_batch_is_413_and_stores_nothing(ingest):
    records = [{"external_id": f"L-{n}"} for n in range(MAX_BATCH_RECORDS + 1)]

    assert_error(ingest("loan_cc", *records), 413, "too_large")
    assert not SourceRecord.objects.exists()


def test_bad_system_and_unknown_top_level_fields_are_400(ingest):
    error = assert_error(ingest("Loan CC!", TARO_LOAN, extra=1), 400, "invalid")

    assert set(error["fields"]) == {"system", "extra"}
    assert not SourceRecord.objects.exists()


def test_malformed_json_is_400(client_with_scopes):
    api = client_with_scopes("ingest")
    response = api.generic("POST", BATCH, b'{"system": "x", ', content_type="application/json")

    assert_error(response, 400, "malformed_json")


def test_non_json_body_is_415(client_with_scopes):
    api = client_with_scopes("ingest")
    response = api.generic("POST", BATCH, b"system=x", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type")


def test_body_over_the_size_limit_is_413(client_with_scopes, settings):
    settings.API_MAX_BODY_BYTES = 1000
    api = client_with_scopes("ingest")
    body = {"system": "loan_cc", "records": [TARO_LOAN] * 5}

    assert_error(api.post(BATCH, body, format="json"), 413, "too_large")


def test_read_scope_cannot_ingest(client_with_scopes):
    api = client_with_scopes("read")

    assert_error(api.post(BATCH, {"system": "x", "records": []}, format="json"), 403, "forbidden")


def test_one_phone_written_two_ways_is_shown_once_and_kana_in_full_width(ingest):
    ingest("atm_svc", TARO_ATM)
    (result,) = ingest("loan_cc", TARO_LOAN | {"customer_number": ""}).json()["results"]

    customer = Customer.objects.get(pk=result["customer_id"])
    assert len(customer.phones) == 1
    assert customer.emails == ["taro@example.jp"]
    assert customer.name_kana == "ヤマダ タロウ"


def test_amounts_and_birth_dates_out_of_bounds_are_field_errors(ingest):
    today = timezone.localdate()
    card = {"kind": "card", "number": "4980001234"}
    records = [
        {"external_id": "L-1", "accounts": [{**card, "balance": 10**30}]},
        {"external_id": "L-2", "accounts": [{**card, "limit": 10**12 + 1}]},
        {"external_id": "L-3", "birth_date": "0001-01-01"},
        {"external_id": "L-4", "birth_date": "9999-12-31"},
        {"external_id": "L-5", "birth_date": "1899-12-31"},
        {"external_id": "L-6", "birth_date": (today + timedelta(days=1)).isoformat()},
        {
            "external_id": "OK-1",
            "birth_date": "1900-01-01",
            "accounts": [{**card, "balance": 10**12}],
        },
        {"external_id": "OK-2", "birth_date": today.isoformat()},
    ]

    response = ingest("loan_cc", *records)

    assert response.status_code == 200
    body = response.json()
    fields = {error["external_id"]: error["fields"] for error in body["errors"]}
    assert set(fields) == {"L-1", "L-2", "L-3", "L-4", "L-5", "L-6"}
    assert "balance" in json.dumps(fields["L-1"]["accounts"])
    assert "limit" in json.dumps(fields["L-2"]["accounts"])
    assert all("birth_date" in fields[f"L-{n}"] for n in range(3, 7))
    assert sorted(r["external_id"] for r in body["results"]) == ["OK-1", "OK-2"]
    assert sorted(SourceRecord.objects.values_list("external_id", flat=True)) == ["OK-1", "OK-2"]
    assert Account.objects.get().balance == 10**12
