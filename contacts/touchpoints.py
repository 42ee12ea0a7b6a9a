"""Touchpoints: what the web member page, the app, a branch counter, LINE, e-mail, SMS and chat
record about a customer, each stored once per (source, external_id) as a contact on the
customer's timeline. Written in bulk (COPY on PostgreSQL), so a batch of a thousand costs a
handful of statements."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from contacts.customer_documents import apply_contacts_to_documents
from contacts.models import Contact, ContactState, Touchpoint
from customers.bulk_writes import insert_rows, insert_rows_skipping_conflicts, one_of
from customers.card_numbers import mask_card_numbers
from customers.documents import mark_stale
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
    customer_id: uuid.UUID | None = None
    # How the source named a customer nobody could be found for (kept for a steward).
    unresolved_reference: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedTouchpoint:
    source: str
    external_id: str
    contact_id: uuid.UUID
    customer_id: uuid.UUID | None
    created: bool


@transaction.atomic
def record_touchpoints(*, records: list[TouchpointRecord]) -> list[RecordedTouchpoint]:
    """Each record's touchpoint, new or the one its source already sent under that id; in the
    records' order. The keys must be distinct within one call. Two requests with the same key at
    once make one touchpoint: rows go in skipping conflicts, and only those that went in get a
    contact (the foreign key is checked at commit). Rows are written as tuples, not model
    instances: building a thousand of each costs more than writing them."""
    keys = [(record.source, record.external_id) for record in records]
    stored = _stored(keys)
    new = {(r.source, r.external_id): r for r in records if (r.source, r.external_id) not in stored}
    created = set()
    if new:
        planned = {key: uuid.uuid4() for key in new}
        went_in = insert_rows_skipping_conflicts(
            Touchpoint,
            fields=TOUCHPOINT_FIELDS,
            rows=[_touchpoint_row(record, planned[key]) for key, record in new.items()],
        )
        created = {key for key in new if planned[key] in went_in}
        insert_rows(
            Contact,
            fields=CONTACT_FIELDS,
            rows=[_contact_row(new[key], planned[key]) for key in created],
        )
        stored.update({key: (planned[key], new[key].customer_id) for key in created})
        _mark_documents_stale(customer_ids={new[key].customer_id for key in created})
        # Another request stored these a moment ago: read them.
        stored.update(_stored([key for key in new if key not in created]))
    return [
        RecordedTouchpoint(
            source=source,
            external_id=external_id,
            contact_id=stored[source, external_id][0],
            customer_id=stored[source, external_id][1],
            created=(source, external_id) in created,
        )
        for source, external_id in keys
    ]


def _mark_documents_stale(*, customer_ids: set) -> None:
    """A batch's new touchpoints make their customers' kept 360s stale (one statement), rather
    than each changed in place (two statements a customer: two thousand for a batch); they are
    built again on commit. A customer merged away shows on its survivor's document too."""
    ids = {customer_id for customer_id in customer_ids if customer_id}
    if not ids:
        return
    survivors = Customer.objects.filter(pk__in=ids, merged_into__isnull=False).values_list(
        "merged_into_id", flat=True
    )
    mark_stale(customer_ids=ids | set(survivors))


def _stored(keys: list[tuple[str, str]]) -> dict:
    """(contact id, customer id) of each key's stored touchpoint."""
    if not keys:
        return {}
    wanted = set(keys)
    rows = Touchpoint.objects.filter(
        one_of("external_id", {external_id for _, external_id in keys}),
        source__in={source for source, _ in keys},
    ).values_list("source", "external_id", "contact_id", "contact__customer_id")
    return {
        (source, external_id): (contact_id, customer_id)
        for source, external_id, contact_id, customer_id in rows
        if (source, external_id) in wanted
    }


TOUCHPOINT_FIELDS = [
    "contact_id",
    "source",
    "external_id",
    "direction",
    "subject",
    "body",
    "unresolved_reference",
]
CONTACT_FIELDS = [
    "id",
    "channel",
    "source",
    "desk",
    "customer_id",
    "state",
    "offered_at",
    "ended_at",
    "disposition",
]


def _touchpoint_row(record: TouchpointRecord, contact_id: uuid.UUID) -> tuple:
    return (
        contact_id,
        record.source,
        record.external_id,
        record.direction,
        mask_card_numbers(record.subject),
        mask_card_numbers(record.body),
        record.unresolved_reference,
    )


def _contact_row(record: TouchpointRecord, contact_id: uuid.UUID) -> tuple:
    return (
        contact_id,
        record.channel,
        record.source,
        record.desk,
        record.customer_id,
        ContactState.WRAPPED_UP,
        record.occurred_at,
        record.occurred_at,
        mask_card_numbers(record.subject)[:200],
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
