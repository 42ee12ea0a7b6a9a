"""Cases from outside systems and from agents: ATM incidents, service tickets. Each change goes
through the contacts room's case lifecycle, then tells the integrators (webhooks) and, when the
customer is on a call right now, the agent's screen (console.calls.screen)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from console.calls.screen import refresh_screens
from console.follow_ups.rules import plan_after_case_closed
from console.integrations.models import ApiScope, WebhookEvent
from console.integrations.webhook_emitting import emit_event
from contacts.cases import (
    assign_case_customer,
    change_case_status,
    comment_on_case,
    open_case,
    record_service_contact,
)
from contacts.models import Case, CaseKind, CaseStatus, Desk
from contacts.representations import case_json
from customers.queries import current_customer
from customers.references import CustomerReference

# How long the service center has to settle an ATM incident.
ATM_INCIDENT_DUE = timedelta(days=3)
ATM_INCIDENT_KINDS = [
    CaseKind.CARD_RETAINED,
    CaseKind.CASH_NOT_DISPENSED,
    CaseKind.DEPOSIT_MISMATCH,
    CaseKind.DEVICE_ERROR,
]


@dataclass(frozen=True)
class AtmIncidentInput:
    incident_id: str
    type: str
    atm_id: str
    occurred_at: datetime
    amount: int | None = None
    card_last4: str = ""
    description: str = ""
    customer: CustomerReference = field(default_factory=CustomerReference)

    def details(self) -> dict:
        """What the case keeps of the incident beyond its kind and times."""
        kept = {
            "atm_id": self.atm_id,
            "amount": self.amount,
            "card_last4": self.card_last4,
            "description": self.description,
        }
        return {key: value for key, value in kept.items() if value}


@dataclass(frozen=True)
class TicketInput:
    external_id: str
    kind: str
    subject: str
    opened_at: datetime
    owner_desk: str = ""
    due_at: datetime | None = None
    details: dict = field(default_factory=dict)
    customer: CustomerReference = field(default_factory=CustomerReference)


@dataclass(frozen=True)
class CaseOutcome:
    case: Case
    created: bool


@transaction.atomic
def report_atm_incident(*, source: str, incident: AtmIncidentInput) -> CaseOutcome:
    """An ATM event becomes a case and a contact on the customer's timeline. A customer no
    reference resolves leaves the case without one, for a steward to work."""
    customer = incident.customer.customer()
    details = incident.details()
    if incident.customer and customer is None:
        details["unresolved_reference"] = incident.customer.as_json()
    opened = open_case(
        kind=incident.type,
        owner_desk=Desk.SERVICE_CENTER,
        subject=f"ATM {incident.atm_id}: {CaseKind(incident.type).label}",
        customer=customer,
        details=details,
        opened_at=incident.occurred_at,
        due_at=incident.occurred_at + ATM_INCIDENT_DUE,
        source=source,
        external_id=incident.incident_id,
    )
    if opened.created:
        record_service_contact(case=opened.case)
        _case_changed(opened.case, WebhookEvent.CASE_CREATED)
    return CaseOutcome(case=opened.case, created=opened.created)


@transaction.atomic
def create_ticket(*, source: str, ticket: TicketInput) -> CaseOutcome:
    opened = open_case(
        kind=ticket.kind,
        owner_desk=ticket.owner_desk or Desk.SERVICE_CENTER,
        subject=ticket.subject,
        customer=ticket.customer.customer(),
        details=ticket.details,
        opened_at=ticket.opened_at,
        due_at=ticket.due_at,
        source=source,
        external_id=ticket.external_id,
    )
    if opened.created:
        _case_changed(opened.case, WebhookEvent.CASE_CREATED)
    return CaseOutcome(case=opened.case, created=opened.created)


def _case_changed(case: Case, event_type: str, **extra) -> None:
    """A case changed: integrators hear of it, and an agent talking to its customer sees it."""
    emit_event(event_type=event_type, payload={**case_json(case), **extra})
    refresh_screens(customer_ids=[case.customer_id])


@transaction.atomic
def update_case_status(*, case_id, status: str) -> Case:
    case = Case.objects.select_for_update().get(pk=case_id)
    before = case.status
    change_case_status(case=case, status=status)
    if case.status != before:
        closed = status == CaseStatus.CLOSED
        _case_changed(case, WebhookEvent.CASE_CLOSED if closed else WebhookEvent.CASE_UPDATED)
        if closed:
            plan_after_case_closed(case=case)
    return case


@transaction.atomic
def add_case_comment(*, case_id, text: str, author=None, author_system: str = ""):
    case = Case.objects.select_for_update().get(pk=case_id)
    comment = comment_on_case(case=case, text=text, author=author, author_system=author_system)
    # A comment is not in the customer-360: integrators hear of it, no screen changes.
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


class NotThisCustomersCase(Exception):
    """A case asked for under a customer it does not belong to."""


@transaction.atomic
def update_customers_case(*, customer_id, case_id, status: str, comment: str, author) -> Case:
    """A person moves a case of this customer along from the customer page, with an optional
    comment: the same lifecycle and webhooks as the API. The case must be the customer's own
    (or of a customer merged into them): a case id alone is not enough."""
    belongs = Case.objects.filter(pk=case_id).filter(
        Q(customer_id=customer_id) | Q(customer__merged_into_id=customer_id)
    )
    if not belongs.exists():
        raise NotThisCustomersCase("This case is not this customer's.")
    if comment:
        add_case_comment(case_id=case_id, text=comment, author=author)
    return update_case_status(case_id=case_id, status=status)


@transaction.atomic
def give_case_a_customer(*, case_id, customer_id) -> Case:
    case = Case.objects.select_for_update().get(pk=case_id)
    customer = current_customer(customer_id)
    if customer is None:
        raise ValueError("No such customer.")
    assign_case_customer(case=case, customer=customer)
    _case_changed(case, WebhookEvent.CASE_UPDATED)
    return case


def cases_a_client_may_see(*, client, reading: bool):
    """A client sees and changes the tickets it created (a case's `source` is its client's
    name); one with the `read` scope may also read the others. People (no client) see all: their
    permission is checked by the view."""
    cases = Case.objects.all()
    if client is None or (reading and ApiScope.READ in client.scopes):
        return cases
    return cases.filter(source=client.name)


def unresolved_incidents():
    return (
        Case.objects.filter(customer__isnull=True, kind__in=ATM_INCIDENT_KINDS)
        .exclude(status=CaseStatus.CLOSED)
        .order_by("opened_at")
    )
