"""The data steward's work: deciding the match candidates that were too uncertain to merge on
their own, and reading what was decided about a customer.

A "link" merges the record's customer into the candidate customer (a merge that can be undone
like any other); a "keep apart" is remembered so that automatic matching never joins the two
again, even when a later version of the record matches strongly.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
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
def link_candidate(*, candidate: ReviewCandidate, decided_by, reason: str) -> MergeDecision:
    """The record's customer and the candidate customer are one person: merge them, keeping the
    candidate customer (or whoever absorbed it meanwhile)."""
    reason = _required_reason(reason)
    candidate = _open_candidate(candidate)
    record = candidate.source_record
    survivor = current_customer(candidate.candidate_customer_id)
    record_customer = current_customer(record.customer_id)
    other_customer = None
    if survivor.pk != record_customer.pk:
        merge_customers(
            survivor=survivor,
            absorbed=record_customer,
            rule=candidate.rule,
            score=candidate.score,
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
        decided_by=decided_by,
        reason=reason,
    )
    _close(candidate, status=ReviewStatus.LINKED, decided_by=decided_by, reason=reason)
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
    name: str
    label: str
    record_value: str
    customer_value: str
    agrees: bool | None  # None when either side does not know the value


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


def _agreement(name: str, left: MatchKeys, right: MatchKeys) -> bool | None:
    # Compared on normalised keys, as matching does: ﾔﾏﾀﾞ and ヤマダ agree.
    a, b = getattr(left, name), getattr(right, name)
    if not a or not b:
        return None
    return bool(a & b) if name in _SET_KEYS else a == b


def _compare(record: SourceRecord, customer: Customer) -> list[ComparedField]:
    customer_values = {name: getattr(customer, name) for name, _label in COMPARED_FIELDS}
    record_keys, customer_keys = match_keys(record.payload), match_keys(customer_values)
    return [
        ComparedField(
            name=name,
            label=label,
            record_value=_shown(record.payload.get(name)),
            customer_value=_shown(customer_values[name]),
            agrees=_agreement(name, record_keys, customer_keys),
        )
        for name, label in COMPARED_FIELDS
    ]


def _survivor_of(customer: Customer) -> Customer:
    # Merges re-point chains, so an absorbed customer is one step from its survivor.
    return customer.merged_into or customer


def open_review_candidates(*, limit: int | None = None) -> list[ReviewItem]:
    """Open candidates, highest score first, in one query: each with its record, the record's
    current customer and the candidate's current customer."""
    candidates = (
        ReviewCandidate.objects.filter(status=ReviewStatus.OPEN)
        .select_related("source_record__customer__merged_into", "candidate_customer__merged_into")
        .order_by("-score", "created_at", "pk")
    )
    if limit is not None:
        candidates = candidates[:limit]
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
