"""A steward's decision on a review candidate, and what it changes on screens: a link that
merged two customers is pushed by the merge's own signal (console.apps); one that only closed
the candidate, the customers being one already, refreshes the customer here."""

from django.db import transaction

from console.calls.screen import refresh_screens
from customers.models import MergeDecision, ReviewCandidate
from customers.review import keep_apart, link_candidate


@transaction.atomic
def decide_candidate(
    *, candidate: ReviewCandidate, link: bool, decided_by, reason: str, take_fields=()
) -> MergeDecision:
    if not link:
        return keep_apart(candidate=candidate, decided_by=decided_by, reason=reason)
    decision = link_candidate(
        candidate=candidate, decided_by=decided_by, reason=reason, take_fields=take_fields
    )
    if decision.other_customer_id is None:
        refresh_screens(customer_ids=[decision.customer_id])
    return decision
