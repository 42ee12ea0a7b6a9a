"""Cases from outside systems and from agents: ATM incidents, service tickets. Each change goes
through the contacts room's case lifecycle, then tells the integrators (webhooks) and, when the
customer is on a call right now, the agent's screen."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from console.call_handling import refresh_callers_context
from console.models import WebhookEvent
from console.webhooks import emit_event
from contacts.cases import (
    assign_case_customer,
    change_case_status,
    comment_on_case,
    open_case,
    record_service_contact,
)
from contacts.models import Case, CaseKind, CaseStatus, Desk
from customers.queries import current_customer, customer_by_reference

# How long the service center has to settle an ATM incident.
ATM_INCIDENT_DUE = timedelta(days=3)
ATM_INCIDENT_KINDS = [
    CaseKind.CARD_RETAINED,
    CaseKind.CASH_NOT_DISPENSED,
    CaseKind.DEPOSIT_MISMATCH,
    CaseKind.DEVICE_ERROR,
]


def case_json(case: Case) -> dict:
    return {
        "id": str(case.pk),
        "kind": case.kind,
        "status": case.status,
        "owner_desk": case.owner_desk,
        "subject": case.subject,
        "customer_id": str(case.customer_id) if case.customer_id else None,
        "source": case.source,
        "external_id": case.external_id,
        "details": case.details,
        "opened_at": case.opened_at.isoformat(),
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
    }


@dataclass(frozen=True)
class CaseOutcome:
    case: Case
    created: bool


@transaction.atomic
def report_atm_incident(*, source: str, data: dict) -> CaseOutcome:
    """An ATM event becomes a case and a contact on the customer's timeline. A customer no
    reference resolves leaves the case without one, for a steward to work."""
    reference = data.get("customer") or {}
    customer = customer_by_reference(**reference)
    occurred_at = data["occurred_at"]
    details = {
        key: data[key] for key in ("atm_id", "amount", "card_last4", "description") if data.get(key)
    }
    if reference and customer is None:
        details["unresolved_reference"] = reference
    opened = open_case(
        kind=data["type"],
        owner_desk=Desk.SERVICE_CENTER,
        subject=f"ATM {data['atm_id']}: {CaseKind(data['type']).label}",
        customer=customer,
        details=details,
        opened_at=occurred_at,
        due_at=occurred_at + ATM_INCIDENT_DUE,
        source=source,
        external_id=data["incident_id"],
    )
    if opened.created:
        record_service_contact(case=opened.case)
        if customer is not None:
            refresh_callers_context(customer_id=customer.pk)
        emit_event(event_type=WebhookEvent.CASE_CREATED, payload=case_json(opened.case))
    return CaseOutcome(case=opened.case, created=opened.created)


@transaction.atomic
def create_ticket(*, source: str, data: dict) -> CaseOutcome:
    customer = customer_by_reference(**(data.get("customer") or {}))
    opened = open_case(
        kind=data["kind"],
        owner_desk=data.get("owner_desk") or Desk.SERVICE_CENTER,
        subject=data["subject"],
        customer=customer,
        details=data.get("details") or {},
        opened_at=data["opened_at"],
        due_at=data.get("due_at"),
        source=source,
        external_id=data.get("external_id", ""),
    )
    if opened.created:
        emit_event(event_type=WebhookEvent.CASE_CREATED, payload=case_json(opened.case))
    return CaseOutcome(case=opened.case, created=opened.created)


@transaction.atomic
def update_case_status(*, case_id, status: str) -> Case:
    case = Case.objects.select_for_update().get(pk=case_id)
    before = case.status
    change_case_status(case=case, status=status)
    if case.status != before:
        event = (
            WebhookEvent.CASE_CLOSED if status == CaseStatus.CLOSED else WebhookEvent.CASE_UPDATED
        )
        emit_event(event_type=event, payload=case_json(case))
    return case


@transaction.atomic
def add_case_comment(*, case_id, text: str, author=None, author_system: str = ""):
    case = Case.objects.select_for_update().get(pk=case_id)
    comment = comment_on_case(case=case, text=text, author=author, author_system=author_system)
    emit_event(
        event_type=WebhookEvent.CASE_UPDATED,
        payload={
            **case_json(case),
            "comment": {"text": comment.text, "by": author_system or str(author)},
        },
    )
    return comment


@transaction.atomic
def close_case(*, case_id, resolution: str, author=None, author_system: str = "") -> Case:
    case = Case.objects.select_for_update().get(pk=case_id)
    if resolution.strip():
        comment_on_case(case=case, text=resolution, author=author, author_system=author_system)
    return update_case_status(case_id=case.pk, status=CaseStatus.CLOSED)


@transaction.atomic
def give_case_a_customer(*, case_id, customer_id) -> Case:
    case = Case.objects.select_for_update().get(pk=case_id)
    customer = current_customer(customer_id)
    if customer is None:
        raise ValueError("No such customer.")
    assign_case_customer(case=case, customer=customer)
    emit_event(event_type=WebhookEvent.CASE_UPDATED, payload=case_json(case))
    return case


def unresolved_incidents():
    return (
        Case.objects.filter(customer__isnull=True, kind__in=ATM_INCIDENT_KINDS)
        .exclude(status=CaseStatus.CLOSED)
        .order_by("opened_at")
    )
