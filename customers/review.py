"""The data steward's work: deciding the match candidates that were too uncertain to merge on
their own, and reading what was decided about a customer.

A "link" merges the record's customer into the candidate customer (a merge that can be undone
like any other); a "keep apart" is remembered so that automatic matching never joins the two
again, even when a later version of the record matches strongly.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from difflib import SequenceMatcher

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.merging import merge_customers
from customers.models import (
    Customer,
    DecisionKind,
    MergeDecision,
    ReviewCandidate,
    ReviewStatus,
    SourceRecord,
)
from customers.normalization import MatchKeys, match_keys
from customers.queries import current_customer
from customers.survivorship import REVIEWED_FIELDS, refresh_customers


class ReviewError(ValueError):
    """A steward's decision that cannot be taken as asked; the message says why."""


def _required_reason(reason: str) -> str:
    # Decisions are audited and may be undone by someone else later: "why" must be on record.
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("A reason is required."))
    return reason


def _open_candidate(candidate: ReviewCandidate) -> ReviewCandidate:
    """The candidate re-read under a row lock, so two stewards cannot decide it both."""
    locked = (
        ReviewCandidate.objects.select_for_update()
        .select_related("source_record")
        .get(pk=candidate.pk)
    )
    if locked.status != ReviewStatus.OPEN:
        raise ReviewError(_("This candidate has been decided already."))
    return locked


def _close(candidate: ReviewCandidate, *, status: str, decided_by, reason: str) -> None:
    candidate.status = status
    candidate.decided_by = decided_by
    candidate.decided_at = timezone.now()
    candidate.reason = reason
    candidate.save(update_fields=["status", "decided_by", "decided_at", "reason"])


@transaction.atomic
def link_candidate(
    *, candidate: ReviewCandidate, decided_by, reason: str, take_fields: Iterable[str] = ()
) -> MergeDecision:
    """The record's customer and the candidate customer are one person: merge them, keeping the
    candidate customer (or whoever absorbed it meanwhile). The customer keeps its own name and
    kana unless the steward takes the record's (`take_fields`)."""
    reason = _required_reason(reason)
    take_fields = sorted(set(take_fields))
    if set(take_fields) - set(REVIEWED_FIELDS):
        raise ReviewError(_("Only the name and the kana can be taken from the record."))
    candidate = _open_candidate(candidate)
    record = candidate.source_record
    survivor = current_customer(candidate.candidate_customer_id)
    record_customer = current_customer(record.customer_id)
    other_customer = None
    # Closed first: the merge's survivorship then reads it as a reviewed record.
    candidate.chosen_fields = take_fields
    candidate.save(update_fields=["chosen_fields"])
    _close(candidate, status=ReviewStatus.LINKED, decided_by=decided_by, reason=reason)
    if survivor.pk == record_customer.pk:
        refresh_customers([survivor.pk])
    else:
        merge_customers(
            survivor=survivor,
            absorbed=record_customer,
            rule=candidate.rule,
            score=candidate.score,
            model_version=candidate.model_version,
            explanation=candidate.explanation,
            source_record=record,
            decided_by=decided_by,
            reason=reason,
        )
        other_customer = record_customer
    # Already one customer (another decision joined them first): only the candidate closes.
    decision = MergeDecision.objects.create(
        kind=DecisionKind.STEWARD_LINKED,
        customer=survivor,
        other_customer=other_customer,
        source_record=record,
        rule=candidate.rule,
        score=candidate.score,
        model_version=candidate.model_version,
        explanation=candidate.explanation,
        decided_by=decided_by,
        reason=reason,
    )
    return decision


@transaction.atomic
def keep_apart(*, candidate: ReviewCandidate, decided_by, reason: str) -> MergeDecision:
    """The record's customer and the candidate customer are different people; the decision is
    what `kept_apart_pairs` reads, so a later automatic match does not merge them."""
    reason = _required_reason(reason)
    candidate = _open_candidate(candidate)
    record = candidate.source_record
    candidate_customer = current_customer(candidate.candidate_customer_id)
    record_customer = current_customer(record.customer_id)
    if candidate_customer.pk == record_customer.pk:
        raise ReviewError(
            _(
                "The record already belongs to this customer; undo that merge on the "
                "customer's page first."
            )
        )
    decision = MergeDecision.objects.create(
        kind=DecisionKind.STEWARD_KEPT_APART,
        customer=candidate_customer,
        other_customer=record_customer,
        source_record=record,
        rule=candidate.rule,
        score=candidate.score,
        decided_by=decided_by,
        reason=reason,
    )
    _close(candidate, status=ReviewStatus.KEPT_APART, decided_by=decided_by, reason=reason)
    return decision


@dataclass(frozen=True)
class ComparedField:
    """One field of the record beside the customer's, both as normalised words (the way matching
    compares them: ﾔﾏﾀﾞ is ヤマダ, "2" is F, 090-1234-5678 is 09012345678), the characters that
    differ marked, and each value as its system sent it."""

    name: str
    label: str
    record_value: str
    customer_value: str
    agrees: bool | None  # None when either side does not know the value
    record_parts: tuple = ()
    customer_parts: tuple = ()

    @property
    def sides(self) -> list[tuple[tuple, str, str]]:
        """(parts, as sent, as words) of the record, then of the customer."""
        return [
            (parts, as_sent, "".join(text for text, _differs in parts))
            for parts, as_sent in (
                (self.record_parts, self.record_value),
                (self.customer_parts, self.customer_value),
            )
        ]


@dataclass(frozen=True)
class ReviewItem:
    candidate: ReviewCandidate
    record: SourceRecord
    record_customer: Customer
    candidate_customer: Customer
    fields: list[ComparedField]

    @property
    def already_one_customer(self) -> bool:
        return self.record_customer.pk == self.candidate_customer.pk

    @property
    def disputed_fields(self) -> list[ComparedField]:
        """The name and kana the steward may take from the record, where the two differ."""
        return [f for f in self.fields if f.name in REVIEWED_FIELDS and f.agrees is False]


# (field, label) in the order a steward reads a person: who, born when, how to reach them.
COMPARED_FIELDS = (
    ("customer_number", gettext_lazy("Customer number")),
    ("name", gettext_lazy("Name")),
    ("name_kana", gettext_lazy("Name (kana)")),
    ("birth_date", gettext_lazy("Birth date")),
    ("gender", gettext_lazy("Gender")),
    ("phones", gettext_lazy("Phones")),
    ("emails", gettext_lazy("E-mails")),
    ("postal_code", gettext_lazy("Postal code")),
    ("address", gettext_lazy("Address")),
)
_SET_KEYS = ("phones", "emails")


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value if item)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _as_words(name: str, keys: MatchKeys) -> str:
    value = getattr(keys, name)
    if name in _SET_KEYS:
        return ", ".join(sorted(value))
    if name == "postal_code" and len(value) == 7:
        return f"{value[:3]}-{value[3:]}"
    return value or ""


def differing_parts(left: str, right: str) -> tuple[tuple, tuple]:
    """Each string cut into (text, differs) runs: what the other string does not have in the
    same place is marked, so one wrong kana stands out."""
    matcher = SequenceMatcher(a=left, b=right, autojunk=False)
    left_parts, right_parts = [], []
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if left[a_start:a_end]:
            left_parts.append((left[a_start:a_end], tag != "equal"))
        if right[b_start:b_end]:
            right_parts.append((right[b_start:b_end], tag != "equal"))
    return tuple(left_parts), tuple(right_parts)


def _agreement(name: str, left: MatchKeys, right: MatchKeys) -> bool | None:
    # Compared on normalised keys, as matching does: ﾔﾏﾀﾞ and ヤマダ agree.
    a, b = getattr(left, name), getattr(right, name)
    if not a or not b:
        return None
    return bool(a & b) if name in _SET_KEYS else a == b


def _compare(record: SourceRecord, customer: Customer) -> list[ComparedField]:
    customer_values = {name: getattr(customer, name) for name, _label in COMPARED_FIELDS}
    record_keys, customer_keys = match_keys(record.payload), match_keys(customer_values)
    compared = []
    for name, label in COMPARED_FIELDS:
        record_parts, customer_parts = differing_parts(
            _as_words(name, record_keys), _as_words(name, customer_keys)
        )
        compared.append(
            ComparedField(
                name=name,
                label=label,
                record_value=_shown(record.payload.get(name)),
                customer_value=_shown(customer_values[name]),
                agrees=_agreement(name, record_keys, customer_keys),
                record_parts=record_parts,
                customer_parts=customer_parts,
            )
        )
    return compared


def _survivor_of(customer: Customer) -> Customer:
    # Merges re-point chains, so an absorbed customer is one step from its survivor.
    return customer.merged_into or customer


REVIEW_ORDERS = {
    "score": ("-score", "created_at", "pk"),
    "oldest": ("created_at", "pk"),
    "newest": ("-created_at", "-pk"),
}


@dataclass(frozen=True)
class ReviewFilter:
    """Which open candidates a steward works through, and in what order."""

    system: str = ""
    rule: str = ""
    older_than_days: int | None = None
    min_score: float | None = None
    max_score: float | None = None
    order: str = "score"


def open_candidates(filters: ReviewFilter = ReviewFilter()) -> QuerySet[ReviewCandidate]:
    """The open candidates the filter keeps, in its order, with what `review_items` reads."""
    candidates = ReviewCandidate.objects.filter(status=ReviewStatus.OPEN)
    if filters.system:
        candidates = candidates.filter(source_record__system=filters.system)
    if filters.rule:
        candidates = candidates.filter(rule=filters.rule)
    if filters.older_than_days is not None:
        cutoff = timezone.now() - timedelta(days=filters.older_than_days)
        candidates = candidates.filter(created_at__lte=cutoff)
    if filters.min_score is not None:
        candidates = candidates.filter(score__gte=filters.min_score)
    if filters.max_score is not None:
        candidates = candidates.filter(score__lte=filters.max_score)
    return candidates.select_related(
        "source_record__customer__merged_into", "candidate_customer__merged_into"
    ).order_by(*REVIEW_ORDERS.get(filters.order, REVIEW_ORDERS["score"]))


def review_counts() -> dict:
    """How many candidates wait, in all and by system and by rule: three counting queries."""
    waiting = ReviewCandidate.objects.filter(status=ReviewStatus.OPEN)
    by_system = waiting.values("source_record__system").annotate(count=Count("pk"))
    by_rule = waiting.values("rule").annotate(count=Count("pk"))
    return {
        "open": waiting.count(),
        "by_system": {row["source_record__system"]: row["count"] for row in by_system.order_by()},
        "by_rule": {row["rule"]: row["count"] for row in by_rule.order_by()},
    }


def review_items(candidates: Iterable[ReviewCandidate]) -> list[ReviewItem]:
    """Each candidate with its record, the record's current customer and the candidate's
    current customer, compared field by field (no query beyond the candidates' own)."""
    items = []
    for candidate in candidates:
        record = candidate.source_record
        candidate_customer = _survivor_of(candidate.candidate_customer)
        items.append(
            ReviewItem(
                candidate=candidate,
                record=record,
                record_customer=_survivor_of(record.customer),
                candidate_customer=candidate_customer,
                fields=_compare(record, candidate_customer),
            )
        )
    return items


@dataclass(frozen=True)
class CustomerHistory:
    decisions: list[MergeDecision]
    undoable_merges: list[MergeDecision]


def customer_history(*, customer: Customer, viewer, limit: int = 200) -> CustomerHistory:
    """What was decided about a customer and the customers it absorbed, newest first; and, for a
    viewer who may unmerge, the merges into it that can still be undone."""
    absorbed_ids = Customer.objects.filter(merged_into=customer).values("pk")
    involved = (
        Q(customer=customer)
        | Q(other_customer=customer)
        | Q(customer__in=absorbed_ids)
        | Q(other_customer__in=absorbed_ids)
    )
    decisions = list(
        MergeDecision.objects.filter(involved)
        .select_related("decided_by", "source_record", "customer", "other_customer")
        .order_by("-created_at", "-id")[:limit]
    )
    undoable: list[MergeDecision] = []
    if viewer.has_perm("customers.unmerge_customer"):
        undoable = list(
            MergeDecision.objects.filter(
                kind=DecisionKind.MERGED, customer=customer, undone_by__isnull=True
            )
            .select_related("decided_by", "source_record", "other_customer")
            .order_by("-created_at", "-id")
        )
    return CustomerHistory(decisions=decisions, undoable_merges=undoable)
