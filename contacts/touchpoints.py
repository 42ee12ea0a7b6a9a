"""Touchpoints: what the web member page, the app, a branch counter, LINE, e-mail, SMS and chat
record about a customer, each stored once per (source, external_id) as a contact on the
customer's timeline. Written in bulk (COPY on PostgreSQL), so a batch of a thousand costs a
handful of statements."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from contacts.models import Contact, ContactState, Touchpoint
from customers.bulk_writes import insert_rows, insert_rows_skipping_conflicts, one_of
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
    customer_id: uuid.UUID | None = None
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
    stored = _stored(keys)
    new = {(r.source, r.external_id): r for r in records if (r.source, r.external_id) not in stored}
    created = set()
    if new:
        touchpoints = {key: _touchpoint(record) for key, record in new.items()}
        went_in = insert_rows_skipping_conflicts(
            Touchpoint,
            fields=TOUCHPOINT_FIELDS,
            rows=[_row(touchpoint, TOUCHPOINT_FIELDS) for touchpoint in touchpoints.values()],
        )
        created = {key for key, touchpoint in touchpoints.items() if touchpoint.pk in went_in}
        insert_rows(
            Contact,
            fields=CONTACT_FIELDS,
            rows=[_row(touchpoints[key].contact, CONTACT_FIELDS) for key in created],
        )
        stored.update({key: touchpoints[key] for key in created})
        # Another request stored these a moment ago: read them with their contacts.
        stored.update(_stored([key for key in new if key not in created]))
    return [RecordedTouchpoint(touchpoint=stored[key], created=key in created) for key in keys]


def _stored(keys: list[tuple[str, str]]) -> dict:
    if not keys:
        return {}
    wanted = set(keys)
    rows = Touchpoint.objects.filter(
        one_of("external_id", {external_id for _, external_id in keys}),
        source__in={source for source, _ in keys},
    ).select_related("contact")
    return {(t.source, t.external_id): t for t in rows if (t.source, t.external_id) in wanted}


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


def _row(instance, fields: list[str]) -> tuple:
    return tuple(getattr(instance, name) for name in fields)


def _touchpoint(record: TouchpointRecord) -> Touchpoint:
    """The new touchpoint and its contact, as they will be stored (written as rows, not saved)."""
    subject = mask_card_numbers(record.subject)
    contact = Contact(
        id=uuid.uuid4(),
        channel=record.channel,
        source=record.source,
        desk=record.desk,
        customer_id=record.customer_id,
        state=ContactState.WRAPPED_UP,
        offered_at=record.occurred_at,
        ended_at=record.occurred_at,
        disposition=subject[:200],
    )
    return Touchpoint(
        contact=contact,
        source=record.source,
        external_id=record.external_id,
        direction=record.direction,
        subject=subject,
        body=mask_card_numbers(record.body),
        unresolved_reference=record.unresolved_reference,
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
    return touchpoint
