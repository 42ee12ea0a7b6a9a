"""The kept customer-360 documents: where they are stored, and the rules that keep a stored one
equal to a fresh build. What a document holds is the console's (console.calls.screen builds and
shows it) and the contacts room's (contacts.customer_documents applies a contact to it); this
module only stores, locks and invalidates rows, so that every room can do that without
importing the rooms above it.

The race it closes: a reader who builds a document from data read before a write commits must
never store it after that write. Every write that changes what a document shows, inside its own
transaction, gives the document's row a new random stamp (inserting the row if there is none, so
there is always a row to lock). A reader remembers the stamp it read with the row, builds, and
stores only `WHERE stamp = <that stamp>`; one who found no row inserts, skipping a conflict.
Under PostgreSQL's READ COMMITTED: a write whose new stamp committed before the reader read the
row committed its data before the build read it; a write not yet at its upsert when the reader
stores overwrites the body later; a write between its upsert and its commit holds the row, and
the reader's store skips a locked row rather than wait (that write will replace the body anyway)
— re-checked against the newest version, so a stamp changed meanwhile stores nothing. An
insert racing a write's insert waits for it and then does nothing. SQLite runs one writer at a
time, and the same order holds. A document is stored for a current customer only, so a body
under an id means that customer was not merged away when its row was last written.
"""

import uuid
from dataclasses import dataclass
from functools import partial

from django.db import connection, transaction
from django.db.models import Q

from customers.events import documents_stale
from customers.models import Customer, CustomerDocument


@dataclass(frozen=True)
class StoredDocument:
    """A customer's row as read: `customer_id` is the current customer (the survivor when the
    id asked for was merged away, then named in `merged_from`); `stamp` None when there is no
    row yet, `body` None when the document waits to be built."""

    customer_id: uuid.UUID
    merged_from: str | None
    stamp: uuid.UUID | None
    body: dict | None


def _read(customer_id) -> tuple | None:
    return (
        Customer.objects.filter(pk=customer_id)
        .values_list("pk", "merged_into_id", "document__stamp", "document__body")
        .first()
    )


def stored_document(customer_id) -> StoredDocument | None:
    """One statement: the customer with its document (two when the id was merged away: merges
    re-point chains, so the survivor is one step on). None for an unknown id."""
    row = _read(customer_id)
    if row is None:
        return None
    merged_from = None
    if row[1] is not None:
        merged_from = str(row[0])
        row = _read(row[1])
    return StoredDocument(customer_id=row[0], merged_from=merged_from, stamp=row[2], body=row[3])


def keep_document(*, customer_id, stamp: uuid.UUID | None, body: dict) -> bool:
    """Store a document built after reading `stamp` (None: there was no row), unless a write
    changed the row since: then the build may hold data from before it, and nothing is stored."""
    table = CustomerDocument._meta.db_table
    values = [
        _prepared("customer", customer_id),
        _prepared("stamp", uuid.uuid4() if stamp is None else stamp),
        _prepared("body", body),
    ]
    with connection.cursor() as cursor:
        if stamp is None:
            cursor.execute(
                f"INSERT INTO {table} (customer_id, stamp, body) VALUES (%s, %s, %s) "
                "ON CONFLICT (customer_id) DO NOTHING",
                values,
            )
        elif connection.vendor == "postgresql":
            # A row a write holds is skipped, not waited for: that write replaces the body.
            cursor.execute(
                f"UPDATE {table} SET body = %s WHERE customer_id = ("
                f"SELECT customer_id FROM {table} WHERE customer_id = %s AND stamp = %s "
                "FOR UPDATE SKIP LOCKED)",
                [values[2], values[0], values[1]],
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET body = %s WHERE customer_id = %s AND stamp = %s",
                [values[2], values[0], values[1]],
            )
        return cursor.rowcount == 1


def stale_documents(*, customer_ids) -> dict:
    """Of these ids, the current customers whose document waits to be built, with the stamp
    to build against (None: no row yet)."""
    return dict(
        Customer.objects.filter(pk__in=list(customer_ids), merged_into=None)
        .filter(Q(document__isnull=True) | Q(document__body__isnull=True))
        .values_list("pk", "document__stamp")
    )


def _prepared(name: str, value):
    return CustomerDocument._meta.get_field(name).get_db_prep_value(value, connection)


def _live_ids(customer_ids) -> list:
    return sorted({uuid.UUID(str(customer_id)) for customer_id in customer_ids if customer_id})


def mark_stale(*, customer_ids) -> None:
    """Inside the write's transaction: these customers' documents are to be built again, and no
    build begun before this write may be stored. One statement; rows in id order, so two
    writers lock them in the same order. Announced on commit (customers.events)."""
    ids = _live_ids(customer_ids)
    if not ids:
        return
    CustomerDocument.objects.bulk_create(
        [CustomerDocument(customer_id=customer_id, stamp=uuid.uuid4()) for customer_id in ids],
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=["stamp", "body"],
    )
    transaction.on_commit(partial(announce_stale, ids))


def announce_stale(customer_ids: list) -> None:
    """Run on commit: the rooms above build these documents again (customers.events)."""
    documents_stale.send(sender=CustomerDocument, customer_ids=customer_ids)


def locked_documents(*, customer_ids) -> dict:
    """For a write that changes documents in place: the current bodies, the rows locked until
    the write's transaction ends (a customer without a row is marked stale, which makes and
    locks one). The write then stores each with `replace_locked`."""
    ids = _live_ids(customer_ids)
    bodies = dict(
        CustomerDocument.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "body")
    )
    mark_stale(customer_ids=[customer_id for customer_id in ids if customer_id not in bodies])
    return {customer_id: bodies.get(customer_id) for customer_id in ids}


def replace_locked(*, customer_id, body: dict | None) -> None:
    """A locked document's new body (None: to be built again), with a new stamp, so that a build
    begun before this write is not stored after it."""
    CustomerDocument.objects.filter(pk=customer_id).update(stamp=uuid.uuid4(), body=body)
    if body is None:
        transaction.on_commit(partial(announce_stale, [customer_id]))


def absorbed_by(customer_id):
    """The customer an id was merged into, read after its document's row was locked: a merge
    locks that row too, so a merge in flight has committed by now and is seen."""
    return Customer.objects.filter(pk=customer_id).values_list("merged_into_id", flat=True).first()
