"""Cases (loan requests, service incidents, tickets) and their lifecycle, the same whether an
agent or an outside system moves them."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.customer_documents import apply_contacts_to_documents
from contacts.models import Case, CaseComment, CaseStatus, Channel, Contact, ContactState, Desk
from customers.card_numbers import mask_card_numbers, mask_card_numbers_in
from customers.documents import mark_stale

# Which status may follow which: a closed case stays closed (a new problem is a new case).
NEXT_STATUSES = {
    CaseStatus.OPEN: {
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING_CUSTOMER,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    },
    CaseStatus.IN_PROGRESS: {CaseStatus.WAITING_CUSTOMER, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.WAITING_CUSTOMER: {CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.RESOLVED: {CaseStatus.IN_PROGRESS, CaseStatus.CLOSED},
    CaseStatus.CLOSED: set(),
}


class CaseError(Exception):
    """A change the case's state does not allow; the message says why."""


@dataclass(frozen=True)
class OpenedCase:
    case: Case
    created: bool


def open_case(
    *,
    kind: str,
    owner_desk: str,
    subject: str,
    opened_at,
    customer=None,
    details: dict | None = None,
    due_at=None,
    source: str = "",
    external_id: str = "",
) -> OpenedCase:
    """A new case, or the one this source already reported under the same id. Card numbers typed
    into the subject or details are kept masked."""
    if external_id:
        existing = Case.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return OpenedCase(case=existing, created=False)
    case = Case(
        kind=kind,
        owner_desk=owner_desk,
        subject=mask_card_numbers(subject),
        customer=customer,
        details=mask_card_numbers_in(details or {}),
        opened_at=opened_at,
        due_at=due_at,
        source=source,
        external_id=external_id,
    )
    try:
        with transaction.atomic():
            case.save()
            mark_stale(customer_ids=[case.customer_id])
    except IntegrityError:  # the same report twice at once: the other request stored it
        return OpenedCase(
            case=Case.objects.get(source=source, external_id=external_id), created=False
        )
    return OpenedCase(case=case, created=True)


def record_service_contact(*, case: Case, channel: str = Channel.ATM) -> Contact:
    """The incident as a contact on the customer's timeline, beside their calls."""
    contact = Contact.objects.create(
        channel=channel,
        source=case.source,
        desk=Desk.SERVICE_CENTER,
        customer=case.customer,
        state=ContactState.WRAPPED_UP,
        offered_at=case.opened_at,
        ended_at=case.opened_at,
        disposition=case.subject[:200],
        case=case,
    )
    apply_contacts_to_documents(contacts=[contact])
    return contact


def change_case_status(*, case: Case, status: str) -> Case:
    if status not in NEXT_STATUSES:
        raise CaseError(f"Unknown status '{status}'.")
    if status == case.status:
        return case
    if status not in NEXT_STATUSES[case.status]:
        raise CaseError(f"A {case.status} case cannot become {status}.")
    case.status = status
    case.closed_at = timezone.now() if status == CaseStatus.CLOSED else None
    case.save(update_fields=["status", "closed_at"])
    mark_stale(customer_ids=[case.customer_id])
    return case


def comment_on_case(*, case: Case, text: str, author=None, author_system: str = "") -> CaseComment:
    text = text.strip()
    if not text:
        raise CaseError("A comment needs some text.")
    if case.status == CaseStatus.CLOSED:
        raise CaseError("A closed case takes no more comments.")
    return CaseComment.objects.create(
        case=case, text=mask_card_numbers(text), author=author, author_system=author_system
    )


def assign_case_customer(*, case: Case, customer) -> Case:
    """A steward names the customer of an incident no identifier resolved."""
    if case.customer_id is not None:
        raise CaseError("This case already has a customer.")
    case.customer = customer
    case.save(update_fields=["customer"])
    case.contacts.filter(customer__isnull=True).update(customer=customer)
    mark_stale(customer_ids=[customer.pk])
    return case
