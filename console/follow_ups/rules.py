"""Which follow-ups a closed case or a wrapped-up contact asks for. Called inside the write's
transaction: the follow-ups are stored with it and their sending is queued on commit, so a
rolled-back close sends nothing. Each is planned once per (case or contact, rule)."""

from django.db.models import Q
from django.utils import timezone

from console.celery import enqueue_on_commit
from console.follow_ups.models import FollowUp, FollowUpRule, Trigger
from console.follow_ups.tasks import send_follow_up_task
from contacts.models import Case, Contact


def plan_after_case_closed(*, case: Case) -> list[FollowUp]:
    """The case's desk and the wrap-up codes of its contacts choose the rules; the follow-up is
    about the case's latest contact with an agent (the one a survey answer is counted for)."""
    if case.customer_id is None:
        return []
    contacts = list(Contact.objects.filter(case=case).order_by("-offered_at"))
    with_agent = [contact for contact in contacts if contact.agent_id]
    about = (with_agent or contacts or [None])[0]
    codes = {contact.wrap_up_code_id for contact in contacts if contact.wrap_up_code_id}
    return _plan(
        trigger=Trigger.CASE_CLOSED,
        desk=case.owner_desk,
        codes=codes,
        customer_id=case.customer_id,
        planned_for=f"case:{case.pk}",
        contact=about,
        case=case,
    )


def plan_after_wrap_up(*, contact: Contact) -> list[FollowUp]:
    if contact.customer_id is None or not contact.desk:
        return []
    return _plan(
        trigger=Trigger.WRAPPED_UP,
        desk=contact.desk,
        codes={contact.wrap_up_code_id} if contact.wrap_up_code_id else set(),
        customer_id=contact.customer_id,
        planned_for=f"contact:{contact.pk}",
        contact=contact,
        case=contact.case,
    )


def _plan(*, trigger, desk, codes, customer_id, planned_for, contact, case) -> list[FollowUp]:
    rules = FollowUpRule.objects.filter(is_active=True, trigger=trigger, desk=desk).filter(
        Q(wrap_up_code__isnull=True) | Q(wrap_up_code_id__in=codes)
    )
    planned = []
    for rule in rules:
        follow_up, created = FollowUp.objects.get_or_create(
            planned_for=f"{planned_for}:rule:{rule.pk}",
            defaults={
                "rule": rule,
                "customer_id": customer_id,
                "contact": contact,
                "case": case,
                "due_at": timezone.now(),
            },
        )
        if created:
            enqueue_on_commit(send_follow_up_task, str(follow_up.pk))
            planned.append(follow_up)
    return planned
