"""Merging customers and undoing it exactly.

A merge keeps the survivor's id; the absorbed customer stays as a row pointing at it, so its id
goes on answering with the survivor. Everything a merge changes is written into its decision's
`undo`, so that an unmerge puts back exactly what was there, including each record's link.
"""

import uuid

from django.db import transaction

from customers.bulk_writes import rows_with_one_of
from customers.documents import mark_stale
from customers.events import customers_merged, customers_unmerged
from customers.models import Customer, DecisionKind, MergeDecision, SourceRecord
from customers.survivorship import refresh_customers


class MergeError(Exception):
    """A merge or unmerge that cannot be done as asked; the message says why."""


def merge_customers(
    *,
    survivor: Customer,
    absorbed: Customer,
    rule: str,
    score: float | None = None,
    model_version: int | None = None,
    explanation: dict | None = None,
    source_record: SourceRecord | None = None,
    decided_by=None,
    decided_by_system: str = "",
    reason: str = "",
    refresh: bool = True,
) -> MergeDecision:
    if survivor.pk == absorbed.pk:
        raise MergeError("A customer cannot be merged into itself.")
    if survivor.merged_into_id or absorbed.merged_into_id:
        raise MergeError("Only current customers can be merged; this one was merged already.")
    with transaction.atomic():
        moved = list(SourceRecord.objects.filter(customer=absorbed).values_list("pk", flat=True))
        repointed = [str(pk) for pk in absorbed.absorbed.values_list("pk", flat=True)]
        SourceRecord.objects.filter(pk__in=moved).update(customer=survivor)
        Customer.objects.filter(merged_into=absorbed).update(merged_into=survivor)
        absorbed.merged_into = survivor
        absorbed.save(update_fields=["merged_into", "updated_at"])
        mark_stale(customer_ids=[survivor.pk, absorbed.pk])
        decision = MergeDecision.objects.create(
            kind=DecisionKind.MERGED,
            customer=survivor,
            other_customer=absorbed,
            source_record=source_record,
            rule=rule,
            score=score,
            model_version=model_version,
            explanation=explanation or {},
            decided_by=decided_by,
            decided_by_system=decided_by_system,
            reason=reason,
            undo={"moved_records": moved, "repointed_customers": repointed},
        )
        if refresh:
            refresh_customers([survivor.pk])
        _announce_on_commit(customers_merged, decision)
    return decision


def unmerge_customers(*, decision: MergeDecision, decided_by, reason: str) -> MergeDecision:
    """Undo one merge: the absorbed customer comes back with its records and its own absorbed
    customers; records linked to the survivor since stay with the survivor."""
    with transaction.atomic():
        decision = MergeDecision.objects.select_for_update().get(pk=decision.pk)
        if decision.kind != DecisionKind.MERGED:
            raise MergeError("Only a merge can be undone.")
        if decision.undone_by_id is not None:
            raise MergeError("This merge has been undone already.")
        survivor = Customer.objects.select_for_update().get(pk=decision.customer_id)
        absorbed = Customer.objects.select_for_update().get(pk=decision.other_customer_id)
        if survivor.merged_into_id is not None:
            raise MergeError(
                "The surviving customer was merged again since; undo that later merge first."
            )
        SourceRecord.objects.filter(
            pk__in=decision.undo.get("moved_records", []), customer=survivor
        ).update(customer=absorbed)
        Customer.objects.filter(
            pk__in=decision.undo.get("repointed_customers", []), merged_into=survivor
        ).update(merged_into=absorbed)
        absorbed.merged_into = None
        absorbed.save(update_fields=["merged_into", "updated_at"])
        undoing = MergeDecision.objects.create(
            kind=DecisionKind.UNMERGED,
            customer=survivor,
            other_customer=absorbed,
            decided_by=decided_by,
            reason=reason,
        )
        decision.undone_by = undoing
        decision.save(update_fields=["undone_by"])
        refresh_customers([survivor.pk, absorbed.pk])
        _announce_on_commit(customers_unmerged, undoing)
    return undoing


def _announce_on_commit(signal, decision: MergeDecision) -> None:
    transaction.on_commit(
        lambda: signal.send(
            sender=MergeDecision,
            survivor_id=decision.customer_id,
            absorbed_id=decision.other_customer_id,
            decision_id=decision.pk,
        )
    )


def kept_apart_pairs(customer_ids) -> set[frozenset]:
    """Pairs of the given (current) customers a person decided are different (an unmerge or a
    steward's "keep apart"): automatic matching must not join them again. A decision about a
    customer since merged into another holds for the survivor: A kept apart from B, then A
    merged into C, keeps C apart from B."""
    # As the database gives them back, whatever the caller holds (UUIDs or their text).
    ids = [uuid.UUID(str(customer_id)) for customer_id in customer_ids]
    survivor_of = {customer_id: customer_id for customer_id in ids}
    survivor_of.update(
        rows_with_one_of(
            Customer, field="merged_into_id", values=ids, columns=["pk", "merged_into_id"]
        )
    )
    people = list(survivor_of)
    rows = rows_with_one_of(
        MergeDecision,
        field="customer_id",
        values=people,
        columns=["customer_id", "other_customer_id"],
        other_customer_id=people,
        kind=[DecisionKind.UNMERGED, DecisionKind.STEWARD_KEPT_APART],
    )
    pairs = {frozenset((survivor_of[one], survivor_of[other])) for one, other in rows}
    # Both sides merged into one customer since (a person merged them after all): no pair.
    return {pair for pair in pairs if len(pair) == 2}
