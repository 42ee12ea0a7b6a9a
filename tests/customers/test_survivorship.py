"""Survivorship: the value most records agree on wins; a record a steward linked never replaces
an agreed name or kana unless the steward took it; and the review page's comparison."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from customers.models import ReviewCandidate, ReviewStatus, SourceRecord
from customers.queries import search_customers
from customers.resolution import ingest_source_records
from customers.review import (
    ReviewFilter,
    differing_parts,
    link_candidate,
    open_candidates,
    review_counts,
    review_items,
)
from customers.survivorship import surviving_values

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def version(external_id: str, days: int, **payload) -> SimpleNamespace:
    return SimpleNamespace(
        system="loan_cc" if external_id.startswith("L") else "atm_svc",
        external_id=external_id,
        payload={"external_id": external_id, **payload},
        record_updated_at=T0 + timedelta(days=days),
        updated_at=None,
    )


def test_the_value_most_records_agree_on_wins_over_a_newer_one():
    values = surviving_values(
        [
            version("L1", 1, name_kana="ヤマダ タロウ"),
            version("A1", 2, name_kana="ﾔﾏﾀﾞ ﾀﾛｳ"),  # the same reading, half-width
            version("W1", 3, name_kana="ヤマダ タロ"),  # newest, a typo
        ]
    )

    assert values["name_kana"] == "ヤマダ タロウ"
    assert values["field_sources"]["name_kana"] == "atm_svc:A1"  # the newest of the agreeing
    assert values["search_kana"] == "ヤマダタロウ"


def test_between_as_many_votes_the_newest_value_wins():
    values = surviving_values(
        [version("L1", 1, address="旧住所"), version("A1", 2, address="新住所")]
    )

    assert values["address"] == "新住所"


def test_a_reviewed_record_fills_a_gap_but_never_outvotes_the_customers_name_or_kana():
    records = [
        version("L1", 1, name_kana="ヤマダ タロウ"),
        version("A1", 2, name_kana="ヤマダ タロ", name="山田 太郎"),
    ]

    kept = surviving_values(records, reviewed={"atm_svc:A1"})
    taken = surviving_values(records, reviewed={"atm_svc:A1"}, chosen={"name_kana": "atm_svc:A1"})

    assert kept["name_kana"] == "ヤマダ タロウ"
    assert kept["name"] == "山田 太郎"  # nobody else had a name
    assert taken["name_kana"] == "ヤマダ タロ"


@pytest.fixture
def typo_in_review(db):
    """A loan customer and an ATM record whose kana has one letter wrong, waiting for review."""
    ingest_source_records(
        system="loan_cc",
        records=[
            {
                "external_id": "L1",
                "name": "山田 太郎",
                "name_kana": "ヤマダ タロウ",
                "birth_date": "1980-04-01",
                "gender": "M",
                "phones": ["090-1234-5678"],
                "postal_code": "160-0022",
            }
        ],
    )
    ingest_source_records(
        system="atm_svc",
        records=[
            {
                "external_id": "A1",
                "name_kana": "ヤマダ タロ",
                "birth_date": "1985-09-09",  # apart for sure, whatever the matcher weighs
                "gender": "1",
                "phones": ["09012345678"],
                "postal_code": "1600022",
            }
        ],
    )
    loan, atm = (SourceRecord.objects.get(external_id=e) for e in ("L1", "A1"))
    ReviewCandidate.objects.all().delete()  # whatever the matcher suggested: this one is set
    return ReviewCandidate.objects.create(
        source_record=atm, candidate_customer=loan.customer, rule="kana_typo", score=0.75
    )


def test_linking_a_typo_keeps_the_agreed_kana_and_search_finds_the_right_spelling(
    typo_in_review, steward
):
    link_candidate(candidate=typo_in_review, decided_by=steward, reason="同一人物（電話で確認）")

    customer = SourceRecord.objects.get(external_id="L1").customer
    assert SourceRecord.objects.get(external_id="A1").customer_id == customer.pk
    customer.refresh_from_db()
    assert customer.name_kana == "ヤマダ タロウ"
    assert list(search_customers("ヤマダタロウ")) == [customer]
    assert list(search_customers("やまだ たろう")) == [customer]


def test_a_steward_may_take_the_records_kana_when_linking(typo_in_review, steward):
    link_candidate(
        candidate=typo_in_review,
        decided_by=steward,
        reason="改姓届で確認",
        take_fields=["name_kana"],
    )

    customer = SourceRecord.objects.get(external_id="L1").customer
    customer.refresh_from_db()
    assert customer.name_kana == "ヤマダ タロ"
    assert ReviewCandidate.objects.get().chosen_fields == ["name_kana"]


def test_fields_are_compared_as_normalised_words_with_the_differing_letter_marked(typo_in_review):
    (item,) = review_items(open_candidates())
    fields = {field.name: field for field in item.fields}

    assert fields["name_kana"].record_parts == (("ヤマダタロ", False),)
    assert fields["name_kana"].customer_parts == (("ヤマダタロ", False), ("ウ", True))
    assert (fields["gender"].agrees, fields["phones"].agrees) == (True, True)  # "1" is M
    assert fields["postal_code"].sides[0][2] == fields["postal_code"].sides[1][2] == "160-0022"
    assert item.disputed_fields == [fields["name_kana"]]


def test_differing_parts_marks_what_differs_on_each_side():
    assert differing_parts("サトウ", "サイトウ") == (
        (("サ", False), ("トウ", False)),
        (("サ", False), ("イ", True), ("トウ", False)),
    )
    assert differing_parts("", "ヤマダ") == ((), (("ヤマダ", True),))


def test_the_queue_is_filtered_by_system_rule_age_and_score_and_counted(typo_in_review):
    old = ReviewCandidate.objects.create(
        source_record=SourceRecord.objects.get(external_id="L1"),
        candidate_customer=typo_in_review.source_record.customer,
        rule="name_birth_only",
        score=0.62,
    )
    ReviewCandidate.objects.filter(pk=old.pk).update(created_at=T0)

    def shown(**filters) -> list[int]:
        return [candidate.pk for candidate in open_candidates(ReviewFilter(**filters))]

    assert shown() == [typo_in_review.pk, old.pk]  # highest score first
    assert shown(order="oldest") == [old.pk, typo_in_review.pk]
    assert shown(system="atm_svc") == [typo_in_review.pk]
    assert shown(rule="name_birth_only") == [old.pk]
    assert shown(older_than_days=7) == [old.pk]
    assert shown(min_score=0.7) == [typo_in_review.pk]
    assert shown(max_score=0.7) == [old.pk]
    assert review_counts() == {
        "open": 2,
        "by_system": {"atm_svc": 1, "loan_cc": 1},
        "by_rule": {"kana_typo": 1, "name_birth_only": 1},
    }
    ReviewCandidate.objects.filter(pk=old.pk).update(status=ReviewStatus.KEPT_APART)
    assert review_counts()["open"] == 1
