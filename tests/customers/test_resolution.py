"""Identity resolution through ingestion: traps stay apart, true matches link, records that tie
two customers merge them, and merges undo exactly."""

import threading

import pytest
from django.db import connection

from customers.merging import MergeError, merge_customers, unmerge_customers
from customers.models import Customer, DecisionKind, MergeDecision, ReviewCandidate, SourceRecord
from customers.resolution import ingest_source_records

pytestmark = pytest.mark.django_db


def ingest(system: str, *records: dict) -> list:
    return ingest_source_records(system=system, records=list(records)).results


def customer_of(system: str, external_id: str):
    return SourceRecord.objects.get(system=system, external_id=external_id).customer_id


HANAKO = {
    "name": "佐藤 花子",
    "name_kana": "サトウ ハナコ",
    "birth_date": "1988-06-12",
    "phones": ["080-2222-3333"],
    "emails": ["hanako@example.jp"],
    "postal_code": "530-0001",
    "address": "大阪府大阪市北区梅田1-1-1",
}


def test_married_surname_with_same_birth_date_and_mobile_links():
    ingest("loan_cc", {"external_id": "L1", **HANAKO})
    married = HANAKO | {"name": "鈴木 花子", "name_kana": "スズキ ハナコ", "emails": []}

    (result,) = ingest("atm_svc", {"external_id": "A1", **married})

    assert result.action == "linked"
    assert result.match.rule == "fellegi_sunter_v1"
    assert customer_of("loan_cc", "L1") == customer_of("atm_svc", "A1")


def test_changed_phone_with_same_name_kana_and_birth_date_links():
    ingest("loan_cc", {"external_id": "L1", **HANAKO})

    (result,) = ingest("atm_svc", {"external_id": "A1", **HANAKO, "phones": ["070-9999-0000"]})

    assert result.action == "linked"


def test_half_width_kana_and_kanji_variants_link():
    ingest(
        "loan_cc",
        {"external_id": "L1", **HANAKO, "name": "髙橋 花子", "name_kana": "タカハシ ハナコ"},
    )
    legacy = HANAKO | {
        "name": "高橋　花子",
        "name_kana": "ﾀｶﾊｼ ﾊﾅｺ",
        "phones": ["+81 80 2222 3333"],
    }

    (result,) = ingest("atm_svc", {"external_id": "A1", **legacy})

    assert result.action == "linked"
    assert Customer.objects.count() == 1


def test_one_kana_typo_with_all_else_equal_reaches_at_least_review():
    ingest("loan_cc", {"external_id": "L1", **HANAKO, "name": ""})
    (result,) = ingest(
        "atm_svc", {"external_id": "A1", **HANAKO, "name": "", "name_kana": "サトウ ハナユ"}
    )

    linked = result.action == "linked"
    reviewed = ReviewCandidate.objects.filter(source_record__external_id="A1").exists()
    assert linked or reviewed


def test_family_sharing_landline_address_and_surname_stay_apart():
    home = {
        "phones": ["03-3333-4444"],
        "postal_code": "160-0022",
        "address": "東京都新宿区新宿2-2-2",
    }
    ingest(
        "loan_cc",
        {
            "external_id": "L1",
            "name": "田中 一郎",
            "name_kana": "タナカ イチロウ",
            "birth_date": "1960-01-01",
            **home,
        },
        {
            "external_id": "L2",
            "name": "田中 和子",
            "name_kana": "タナカ カズコ",
            "birth_date": "1962-03-03",
            **home,
        },
        {
            "external_id": "L3",
            "name": "田中 健太",
            "name_kana": "タナカ ケンタ",
            "birth_date": "1990-05-05",
            **home,
        },
    )

    assert Customer.objects.count() == 3


def test_twins_stay_apart():
    twin = {"birth_date": "2001-07-07", "phones": ["06-6666-7777"], "address": "大阪府堺市1-1"}
    ingest(
        "loan_cc", {"external_id": "L1", "name": "中村 翼", "name_kana": "ナカムラ ツバサ", **twin}
    )
    ingest(
        "atm_svc", {"external_id": "A1", "name": "中村 翔", "name_kana": "ナカムラ ショウ", **twin}
    )

    assert customer_of("loan_cc", "L1") != customer_of("atm_svc", "A1")


def test_namesakes_with_the_same_birth_date_do_not_merge():
    namesake = {"name": "佐藤 翔太", "name_kana": "サトウ ショウタ", "birth_date": "1995-01-15"}
    ingest(
        "loan_cc",
        {"external_id": "L1", **namesake, "phones": ["090-1111-0001"], "address": "札幌市1"},
    )
    ingest(
        "atm_svc",
        {"external_id": "A1", **namesake, "phones": ["090-2222-0002"], "address": "福岡市2"},
    )

    assert customer_of("loan_cc", "L1") != customer_of("atm_svc", "A1")
    # Too alike to ignore: a steward decides.
    assert ReviewCandidate.objects.filter(source_record__external_id="A1").exists()


def test_company_switchboard_number_does_not_merge_colleagues():
    switchboard = {"phones": ["0120-000-111"]}
    ingest(
        "loan_cc",
        {"external_id": "L1", "name": "伊藤 誠", "birth_date": "1970-02-02", **switchboard},
        {"external_id": "L2", "name": "加藤 恵", "birth_date": "1982-08-08", **switchboard},
        {"external_id": "L3", "name": "小林 大輔", "birth_date": "1991-11-11", **switchboard},
    )

    assert Customer.objects.count() == 3


def test_two_records_of_one_person_in_one_batch_find_each_other():
    results = ingest(
        "loan_cc", {"external_id": "L1", **HANAKO}, {"external_id": "L2", **HANAKO, "emails": []}
    )

    assert [r.action for r in results] == ["created", "linked"]
    assert results[0].customer_id == results[1].customer_id


def test_a_record_that_ties_two_customers_merges_them_and_the_old_id_answers():
    ingest("loan_cc", {"external_id": "L1", "customer_number": "C0000001", "name": "山本 優"})
    ingest("atm_svc", {"external_id": "A1", **HANAKO})
    absorbed_candidates = {customer_of("loan_cc", "L1"), customer_of("atm_svc", "A1")}

    (result,) = ingest("web", {"external_id": "W1", "customer_number": "C0000001", **HANAKO})

    survivor = result.customer_id
    assert customer_of("loan_cc", "L1") == customer_of("atm_svc", "A1") == survivor
    (absorbed,) = absorbed_candidates - {survivor}
    assert Customer.objects.get(pk=absorbed).merged_into_id == survivor
    merge = MergeDecision.objects.get(kind=DecisionKind.MERGED)
    assert merge.source_record.external_id == "W1"
    assert merge.rule


def database_state() -> dict:
    customers = {
        str(c["id"]): c
        for c in Customer.objects.values(
            "id",
            "customer_number",
            "name",
            "name_kana",
            "birth_date",
            "phones",
            "emails",
            "postal_code",
            "address",
            "field_sources",
            "search_name",
            "search_kana",
            "merged_into",
        )
    }
    records = set(
        SourceRecord.objects.values_list(
            "system", "external_id", "customer_id", "link_rule", "link_score"
        )
    )
    return {"customers": customers, "records": records}


def two_customers_and_a_third_merged_into_one() -> tuple[Customer, Customer]:
    ingest("loan_cc", {"external_id": "L1", **HANAKO})
    ingest("atm_svc", {"external_id": "A1", "name": "木村 拓", "birth_date": "1975-05-05"})
    ingest("atm_svc", {"external_id": "A2", "name": "木村 拓也", "birth_date": "1976-06-06"})
    first = Customer.objects.get(pk=customer_of("loan_cc", "L1"))
    second = Customer.objects.get(pk=customer_of("atm_svc", "A1"))
    third = Customer.objects.get(pk=customer_of("atm_svc", "A2"))
    merge_customers(survivor=second, absorbed=third, rule="steward")
    second.refresh_from_db()
    return first, second


def test_merge_then_unmerge_restores_the_database_exactly(steward):
    first, second = two_customers_and_a_third_merged_into_one()
    before = database_state()

    merge = merge_customers(survivor=first, absorbed=second, rule="steward", decided_by=steward)
    assert database_state() != before
    unmerge_customers(decision=merge, decided_by=steward, reason="different people")

    assert database_state() == before
    merge.refresh_from_db()
    assert merge.undone_by.kind == DecisionKind.UNMERGED
    assert merge.undone_by.decided_by == steward


def test_unmerge_of_a_record_caused_merge_keeps_the_tying_record_with_the_survivor(steward):
    ingest("loan_cc", {"external_id": "L1", "customer_number": "C0000001", "name": "山本 優"})
    ingest("atm_svc", {"external_id": "A1", **HANAKO})
    before = database_state()
    ingest("web", {"external_id": "W1", "customer_number": "C0000001", **HANAKO})
    merge = MergeDecision.objects.get(kind=DecisionKind.MERGED)

    unmerge_customers(decision=merge, decided_by=steward, reason="checked by phone")

    after = database_state()
    web = {r for r in after["records"] if r[0] == "web"}
    assert after["records"] - web == before["records"]
    assert {k: v for k, v in after["customers"].items() if k in before["customers"]} != {}
    assert len(web) == 1


def test_a_merge_cannot_be_undone_twice(steward):
    first, second = two_customers_and_a_third_merged_into_one()
    merge = merge_customers(survivor=first, absorbed=second, rule="steward")
    unmerge_customers(decision=merge, decided_by=steward, reason="x")

    with pytest.raises(MergeError):
        unmerge_customers(decision=merge, decided_by=steward, reason="x")


def test_after_unmerge_reingesting_a_changed_record_does_not_merge_again(steward):
    ingest("loan_cc", {"external_id": "L1", "customer_number": "C0000001", "name": "山本 優"})
    ingest("atm_svc", {"external_id": "A1", **HANAKO})
    ingest("web", {"external_id": "W1", "customer_number": "C0000001", **HANAKO})
    unmerge_customers(
        decision=MergeDecision.objects.get(kind=DecisionKind.MERGED), decided_by=steward, reason="x"
    )

    ingest(
        "web", {"external_id": "W1", "customer_number": "C0000001", **HANAKO, "address": "新住所"}
    )

    assert customer_of("loan_cc", "L1") != customer_of("atm_svc", "A1")


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_about_one_person_end_in_one_customer():
    """Two transactions ingest the same person from two systems at once."""
    barrier = threading.Barrier(2)
    errors = []

    def ingest_from(system: str) -> None:
        try:
            barrier.wait(timeout=10)
            ingest(system, {"external_id": f"{system}-1", **HANAKO})
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest_from, args=(s,)) for s in ("loan_cc", "atm_svc")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert SourceRecord.objects.count() == 2
    assert Customer.objects.filter(merged_into__isnull=True).count() == 1
