"""Touchpoints: what the web member page, the app, a branch counter, LINE, e-mail, SMS and chat
record about a customer, each stored once per (source, external_id) as a contact on the
customer's timeline. Written in bulk, so a batch of a thousand costs a handful of statements."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from contacts.customer_documents import apply_contacts_to_documents
from contacts.models import Contact, ContactState, Touchpoint
from customers.card_numbers import mask_card_numbers
from customers.models import Customer


@dataclass(frozen=True)
class TouchpointRecord:
    source: str
    external_id: str
    channel: str
    direction: str
    occurred_at: datetime
    subject: str
    body: str = ""
    desk: str = ""
    customer: Customer | None = None
    # How the source named a customer nobody could be found for (kept for a steward).
    unresolved_reference: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedTouchpoint:
    touchpoint: Touchpoint
    created: bool


@transaction.atomic
def record_touchpoints(*, records: list[TouchpointRecord]) -> list[RecordedTouchpoint]:
    """Each record's touchpoint (with its contact), new or the one its source already sent under
    that id; in the records' order. The keys must be distinct within one call. Two requests with
    the same key at once make one touchpoint: rows go in skipping conflicts, and only those that
    went in get a contact (the foreign key is checked at commit)."""
    keys = [(record.source, record.external_id) for record in records]
    stored = _stored(keys, with_contact=True)
    new = {(r.source, r.external_id): r for r in records if (r.source, r.external_id) not in stored}
    created = set()
    if new:
        planned = {key: uuid.uuid4() for key in new}
        Touchpoint.objects.bulk_create(
            [_touchpoint_row(record, planned[key]) for key, record in new.items()],
            ignore_conflicts=True,
        )
        won = _stored(list(new))
        created = {key for key, touchpoint in won.items() if touchpoint.pk == planned[key]}
        contacts = Contact.objects.bulk_create(
            [_contact_row(new[key], planned[key]) for key in created]
        )
        key_of = {planned[key]: key for key in created}
        for contact in contacts:
            won[key_of[contact.pk]].contact = contact
        fresh = [won[key] for key in created]
        apply_contacts_to_documents(contacts=[t.contact for t in fresh], touchpoints=fresh)
        stored.update(won)
        # Another request stored these a moment ago: read them with their contacts.
        stored.update(_stored([key for key in won if key not in created], with_contact=True))
    return [RecordedTouchpoint(touchpoint=stored[key], created=key in created) for key in keys]


def _stored(keys: list[tuple[str, str]], *, with_contact: bool = False) -> dict:
    if not keys:
        return {}
    wanted = set(keys)
    rows = Touchpoint.objects.filter(
        source__in={source for source, _ in keys},
        external_id__in={external_id for _, external_id in keys},
    )
    if with_contact:
        rows = rows.select_related("contact")
    return {(t.source, t.external_id): t for t in rows if (t.source, t.external_id) in wanted}


def _touchpoint_row(record: TouchpointRecord, contact_id) -> Touchpoint:
    return Touchpoint(
        contact_id=contact_id,
        source=record.source,
        external_id=record.external_id,
        direction=record.direction,
        subject=mask_card_numbers(record.subject),
        body=mask_card_numbers(record.body),
        unresolved_reference=record.unresolved_reference,
    )


def _contact_row(record: TouchpointRecord, contact_id) -> Contact:
    return Contact(
        id=contact_id,
        channel=record.channel,
        source=record.source,
        desk=record.desk,
        customer=record.customer,
        state=ContactState.WRAPPED_UP,
        offered_at=record.occurred_at,
        ended_at=record.occurred_at,
        disposition=mask_card_numbers(record.subject)[:200],
    )


def unresolved_touchpoints() -> QuerySet[Touchpoint]:
    """Touchpoints whose source named a customer nobody could be found for: a steward's work."""
    return (
        Touchpoint.objects.filter(contact__customer__isnull=True)
        .exclude(unresolved_reference={})
        .select_related("contact")
        .order_by("contact__offered_at")
    )


class TouchpointError(Exception):
    """A change the touchpoint's state does not allow; the message says why."""


def assign_touchpoint_customer(*, touchpoint: Touchpoint, customer: Customer) -> Touchpoint:
    """A steward names the customer a source could not identify."""
    contact = touchpoint.contact
    if contact.customer_id is not None:
        raise TouchpointError("This touchpoint already has a customer.")
    contact.customer = customer
    contact.save(update_fields=["customer", "updated_at"])
    apply_contacts_to_documents(contacts=[contact], touchpoints=[touchpoint])
    return touchpoint
