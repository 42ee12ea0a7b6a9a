"""The steward's decisions on match candidates: link, keep apart, and the open queue."""

import pytest
from django.utils import translation

from customers.match_models import current_weights
from customers.merging import kept_apart_pairs, merge_customers
from customers.models import (
    Customer,
    DecisionKind,
    MergeDecision,
    ReviewCandidate,
    ReviewStatus,
    SourceRecord,
)
from customers.queries import current_customer
from customers.resolution import ingest_source_records
from customers.review import (
    ReviewError,
    keep_apart,
    link_candidate,
    open_candidates,
    review_items,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Error messages are asserted in English; people see them in their own language."""
    with translation.override("en"):
        yield


# Same name, reading and birth date, nothing else in common: maybe namesakes.
SHOTA_LOAN = {
    "external_id": "L-500",
    "name": "佐藤 翔太",
    "name_kana": "サトウ ショウタ",
    "birth_date": "1990-06-15",
    "phones": ["090-1111-2222"],
    "accounts": [{"kind": "loan", "number": "4980-0000-7777", "status": "active"}],
}
SHOTA_ATM = {
    "external_id": "A-900",
    "name": "佐藤 翔太",
    "name_kana": "ｻﾄｳ ｼｮｳﾀ",
    "birth_date": "1990-06-15",
    "phones": ["080-3333-4444"],
    "accounts": [{"kind": "card", "number": "4111 1111 1111 8888"}],
}


def ingest(system: str, *records: dict) -> None:
    ingest_source_records(system=system, records=list(records))


def record(system: str, external_id: str) -> SourceRecord:
    return SourceRecord.objects.get(system=system, external_id=external_id)


def namesakes_in_review() -> ReviewCandidate:
    """A loan customer and an ATM record that only share name and birth date."""
    ingest("loan_cc", SHOTA_LOAN)
    ingest("atm_svc", SHOTA_ATM)
    return ReviewCandidate.objects.get()


def test_name_and_birth_date_alone_wait_for_a_steward():
    candidate = namesakes_in_review()

    assert candidate.rule == current_weights().rule
    assert 0.05 <= candidate.score < 0.99
    assert candidate.explanation["comparisons"]
    assert candidate.status == ReviewStatus.OPEN
    assert candidate.candidate_customer_id == record("loan_cc", "L-500").customer_id
    assert Customer.objects.filter(merged_into__isnull=True).count() == 2


def test_link_merges_into_the_candidate_customer_and_logs_who_and_why(steward):
    candidate = namesakes_in_review()
    loan_customer = record("loan_cc", "L-500").customer
    atm_customer = record("atm_svc", "A-900").customer

    decision = link_candidate(
        candidate=candidate, decided_by=steward, reason="Same person: confirmed on the phone."
    )

    assert decision.kind == DecisionKind.STEWARD_LINKED
    assert (decision.customer, decision.other_customer) == (loan_customer, atm_customer)
    assert decision.decided_by == steward
    assert decision.reason == "Same person: confirmed on the phone."
    assert record("atm_svc", "A-900").customer == loan_customer
    assert current_customer(atm_customer.pk) == loan_customer
    merge = MergeDecision.objects.get(kind=DecisionKind.MERGED)
    assert (merge.customer, merge.other_customer, merge.decided_by) == (
        loan_customer,
        atm_customer,
        steward,
    )
    assert merge.rule == candidate.rule
    assert merge.explanation == candidate.explanation
    candidate.refresh_from_db()
    assert candidate.status == ReviewStatus.LINKED
    assert candidate.decided_by == steward
    assert candidate.decided_at is not None
    assert candidate.reason == "Same person: confirmed on the phone."


def test_link_follows_a_candidate_customer_absorbed_meanwhile(steward):
    candidate = namesakes_in_review()
    loan_customer = record("loan_cc", "L-500").customer
    # Another decision merged the loan customer into someone else before the steward got here.
    later = Customer.objects.create()
    merge_customers(survivor=later, absorbed=loan_customer, rule="customer_number")

    decision = link_candidate(candidate=candidate, decided_by=steward, reason="Same person.")

    assert decision.customer == later
    assert record("atm_svc", "A-900").customer == later


def test_link_of_records_already_one_customer_only_closes_the_candidate(steward):
    candidate = namesakes_in_review()
    other = ReviewCandidate.objects.create(
        source_record=record("atm_svc", "A-900"),
        candidate_customer=record("atm_svc", "A-900").customer,
        rule="name_birth_only",
        score=0.65,
    )
    link_candidate(candidate=candidate, decided_by=steward, reason="Same person.")
    merges = MergeDecision.objects.filter(kind=DecisionKind.MERGED).count()

    decision = link_candidate(candidate=other, decided_by=steward, reason="Same person again.")

    assert decision.kind == DecisionKind.STEWARD_LINKED
    assert decision.other_customer is None
    assert MergeDecision.objects.filter(kind=DecisionKind.MERGED).count() == merges
    other.refresh_from_db()
    assert other.status == ReviewStatus.LINKED


def test_keep_apart_is_logged_and_closes_the_candidate(steward):
    candidate = namesakes_in_review()
    loan_customer = record("loan_cc", "L-500").customer
    atm_customer = record("atm_svc", "A-900").customer

    decision = keep_apart(candidate=candidate, decided_by=steward, reason="Different addresses.")

    assert decision.kind == DecisionKind.STEWARD_KEPT_APART
    assert (decision.customer, decision.other_customer) == (loan_customer, atm_customer)
    assert (decision.decided_by, decision.reason) == (steward, "Different addresses.")
    assert kept_apart_pairs([loan_customer.pk, atm_customer.pk]) == {
        frozenset((loan_customer.pk, atm_customer.pk))
    }
    candidate.refresh_from_db()
    assert candidate.status == ReviewStatus.KEPT_APART
    assert candidate.decided_by == steward


def test_without_a_decision_a_changed_record_sharing_a_phone_merges():
    # The control for the next test: the changed record is a strong match on its own.
    namesakes_in_review()

    ingest("atm_svc", SHOTA_ATM | {"phones": ["080-3333-4444", "090-1111-2222"]})

    assert record("atm_svc", "A-900").customer == record("loan_cc", "L-500").customer


def test_kept_apart_records_do_not_merge_when_the_record_comes_back_changed(steward):
    candidate = namesakes_in_review()
    keep_apart(candidate=candidate, decided_by=steward, reason="Twins, per the branch.")

    ingest("atm_svc", SHOTA_ATM | {"phones": ["080-3333-4444", "090-1111-2222"]})

    assert record("atm_svc", "A-900").customer != record("loan_cc", "L-500").customer
    assert Customer.objects.filter(merged_into__isnull=True).count() == 2
    assert not MergeDecision.objects.filter(kind=DecisionKind.MERGED).exists()


def test_a_keep_apart_decision_holds_after_one_side_is_merged_into_a_third(steward):
    candidate = namesakes_in_review()
    keep_apart(candidate=candidate, decided_by=steward, reason="Twins, per the branch.")
    ingest("card_sys", {"external_id": "C-1", "name": "佐藤 ショウタ", "phones": ["03-5555-0000"]})
    loan_customer = record("loan_cc", "L-500").customer
    merge_customers(
        survivor=record("card_sys", "C-1").customer,
        absorbed=loan_customer,
        rule="steward",
        decided_by=steward,
        reason="Same person, per the card application.",
    )

    ingest("atm_svc", SHOTA_ATM | {"phones": ["080-3333-4444", "090-1111-2222"]})

    assert record("atm_svc", "A-900").customer != record("loan_cc", "L-500").customer
    assert not MergeDecision.objects.filter(
        kind=DecisionKind.MERGED, other_customer=record("atm_svc", "A-900").customer
    ).exists()


@pytest.mark.parametrize("decide", [link_candidate, keep_apart])
@pytest.mark.parametrize("reason", ["", "   ", "\u3000"])
def test_a_decision_needs_a_reason(steward, decide, reason):
    candidate = namesakes_in_review()

    with pytest.raises(ReviewError, match="reason"):
        decide(candidate=candidate, decided_by=steward, reason=reason)

    candidate.refresh_from_db()
    assert candidate.status == ReviewStatus.OPEN
    assert not MergeDecision.objects.filter(
        kind__in=[DecisionKind.STEWARD_LINKED, DecisionKind.STEWARD_KEPT_APART]
    ).exists()


@pytest.mark.parametrize("first", [link_candidate, keep_apart])
@pytest.mark.parametrize("second", [link_candidate, keep_apart])
def test_a_candidate_cannot_be_decided_twice(steward, admin_user, first, second):
    candidate = namesakes_in_review()
    first(candidate=candidate, decided_by=steward, reason="First look.")
    decisions = MergeDecision.objects.count()

    with pytest.raises(ReviewError, match="decided already"):
        second(candidate=candidate, decided_by=admin_user, reason="Second look.")

    assert MergeDecision.objects.count() == decisions
    candidate.refresh_from_db()
    assert candidate.decided_by == steward


def test_open_candidates_come_highest_score_first_in_one_query(django_assert_num_queries):
    namesakes_in_review()
    # A kana typo under a different kanji name with a shared address: held back for a steward.
    ingest(
        "loan_cc",
        {
            "external_id": "L-600",
            "name": "中村 優太",
            "name_kana": "ナカムラ ユウタ",
            "birth_date": "2001-02-03",
            "address": "大阪市北区梅田1-1-1",
        },
    )
    ingest(
        "atm_svc",
        {
            "external_id": "A-601",
            "name": "中村 優斗",
            "name_kana": "ナカムラ ユウト",
            "birth_date": "2001-02-03",
            "address": "大阪市北区梅田1-1-1",
        },
    )
    ReviewCandidate.objects.filter(source_record__external_id="A-601").update(score=0.5)

    with django_assert_num_queries(1):
        items = review_items(open_candidates())
        seen = [
            (item.record.external_id, item.record_customer.pk, item.candidate_customer.name)
            for item in items
        ]

    assert [external_id for external_id, _, _ in seen] == ["A-900", "A-601"]
    fields = {field.name: field for field in items[0].fields}
    assert fields["name_kana"].agrees is True  # ｻﾄｳ ｼｮｳﾀ and サトウ ショウタ
    assert fields["phones"].agrees is False


def test_decided_candidates_leave_the_queue(steward):
    candidate = namesakes_in_review()

    keep_apart(candidate=candidate, decided_by=steward, reason="Different people.")

    assert review_items(open_candidates()) == []
