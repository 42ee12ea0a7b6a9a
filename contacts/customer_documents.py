"""The contacts' parts of a kept customer-360 document (customers.documents): the customer's
newest contacts on every channel and newest touchpoints, each entry with the key it is ordered
by, built from the database or changed in place by the write that changed one contact.

A part keeps the newest entries, a few more than the 360 shows (the pop leaves out the call it
is about), and says whether it holds all of the customer's. Changed in place, a part stays equal
to a fresh build: an entry is replaced or inserted by id and the part sorted and trimmed again;
an entry that moves below the last one kept of a part that is not complete could have passed
entries nobody kept, so the document is built again instead. Times are kept in UTC, as the
database gives them back, so a document changed in place reads the same as one built fresh.
"""

import copy
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import connection
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber

from contacts.models import Contact, Touchpoint
from contacts.representations import CONTACT_JSON_FIELDS, contact_json, touchpoint_json
from contacts.timeline import customer_contacts, touchpoints_of
from customers.documents import absorbed_by, locked_documents, replace_locked

# The 360 shows ten recent contacts, and a call has rarely more than five legs to leave out.
KEPT_CONTACTS = 15
KEPT_TOUCHPOINTS = 20
_NEVER = datetime.min.replace(tzinfo=UTC)
_TIMES = ("offered_at", "answered_at", "ended_at", "wrapped_up_at", "identity_checked_at")


def _in_utc(contact: Contact) -> Contact:
    """The contact with its times in UTC, as read back from the database: one just written
    holds the times as the event gave them (+09:00)."""
    shown = copy.copy(contact)
    for name in _TIMES:
        moment = getattr(shown, name)
        if moment is not None:
            setattr(shown, name, moment.astimezone(UTC))
    return shown


def _key(contact: Contact) -> list:
    def iso(moment):
        return moment.astimezone(UTC).isoformat() if moment else None

    return [iso(contact.offered_at), iso(contact.created_at), str(contact.pk)]


def contact_entry(contact: Contact) -> dict:
    """A contact as a document keeps it: its JSON, its key, and its call (to leave it out)."""
    return {
        "key": _key(contact),
        "source": contact.source,
        "call_id": contact.call_id,
        "contact": contact_json(_in_utc(contact)),
    }


def touchpoint_entry(touchpoint: Touchpoint) -> dict:
    shown = copy.copy(touchpoint)
    shown.contact = _in_utc(touchpoint.contact)
    return {"key": _key(touchpoint.contact), "touchpoint": touchpoint_json(shown)}


def _order(key: list) -> tuple:
    """A key as the database orders contacts, newest first: by offered_at, then created_at.
    A contact with no offered_at comes first on PostgreSQL (NULLs sort high) and last on
    SQLite; the id settles exact ties."""
    offered, created, contact_id = key
    if offered is None:
        when = (1 if connection.vendor == "postgresql" else -1, _NEVER)
    else:
        when = (0, datetime.fromisoformat(offered))
    return (when, datetime.fromisoformat(created), contact_id)


def _part(entries: list[dict], kept: int) -> dict:
    """A part from the newest entries read (at most `kept` + 1, so one more says there are)."""
    return {"entries": entries[:kept], "complete": len(entries) <= kept}


def with_entry(part: dict, entry: dict, *, kept: int) -> dict | None:
    """The part with `entry` put in (or replaced) by the contact's id; None when that leaves
    it unknown which entries belong (see the module's opening)."""
    contact_id = entry["key"][2]
    entries = part["entries"]
    present = any(e["key"][2] == contact_id for e in entries)
    if not part["complete"] and entries and _order(entry["key"]) < _order(entries[-1]["key"]):
        return None if present else part
    others = [e for e in entries if e["key"][2] != contact_id]
    ordered = sorted([*others, entry], key=lambda e: _order(e["key"]), reverse=True)
    return {"entries": ordered[:kept], "complete": part["complete"] and len(ordered) <= kept}


def _newest_per_customer(
    rows_of: Callable[[list], QuerySet], *, customer_field: str, families: dict, kept: int
) -> dict:
    """The newest `kept` + 1 rows of each family (a customer and those merged into it): one
    query, ordered by the index for one family, numbered per customer for several."""
    member_of = {member: survivor for survivor, members in families.items() for member in members}
    rows = rows_of(list(member_of))
    if len(families) > 1:
        rows = rows.annotate(
            newest=Window(
                RowNumber(), partition_by=[F(customer_field)], order_by=rows.query.order_by
            )
        ).filter(newest__lte=kept + 1)
    else:
        rows = rows[: kept + 1]
    found = defaultdict(list)
    for row in rows:
        found[member_of[_customer_of(row, customer_field)]].append(row)
    return found


def _customer_of(row, customer_field: str):
    return row.contact.customer_id if customer_field.startswith("contact__") else row.customer_id


def contact_parts(*, families: dict) -> dict:
    """The contacts' parts of these customers' documents, by customer: two queries whatever
    their number. `families`: customer id → its id and the ids merged into it."""
    contacts = _newest_per_customer(
        lambda ids: customer_contacts(customer_ids=ids).only(
            *CONTACT_JSON_FIELDS, "source", "created_at"
        ),
        customer_field="customer_id",
        families=families,
        kept=KEPT_CONTACTS,
    )
    touchpoints = _newest_per_customer(
        lambda ids: touchpoints_of(customer_ids=ids),
        customer_field="contact__customer_id",
        families=families,
        kept=KEPT_TOUCHPOINTS,
    )

    def newest(rows, entry, kept):
        entries = sorted((entry(row) for row in rows), key=lambda e: _order(e["key"]), reverse=True)
        return _part(entries, kept)

    return {
        survivor: {
            "contacts": newest(contacts[survivor], contact_entry, KEPT_CONTACTS),
            "touchpoints": newest(touchpoints[survivor], touchpoint_entry, KEPT_TOUCHPOINTS),
        }
        for survivor in families
    }


def _changed(body: dict, contacts: list[Contact], touchpoints: list[Touchpoint]) -> dict | None:
    parts = {"contacts": body["contacts"], "touchpoints": body["touchpoints"]}
    for name, entries, kept in (
        ("contacts", [contact_entry(c) for c in contacts], KEPT_CONTACTS),
        ("touchpoints", [touchpoint_entry(t) for t in touchpoints], KEPT_TOUCHPOINTS),
    ):
        for entry in entries:
            parts[name] = with_entry(parts[name], entry, kept=kept)
            if parts[name] is None:
                return None
    return {**body, **parts}


def apply_contacts_to_documents(*, contacts=(), touchpoints=()) -> None:
    """Inside the write's transaction, after `contacts` (and the touchpoints, with their
    contacts) were saved: each customer's document changed in place, two statements a
    customer. The contacts' customer must not have changed (that write marks both customers'
    documents stale instead). A contact may name a customer since merged into another, whose
    document shows it: that one is changed too."""
    by_customer: dict = defaultdict(lambda: ([], []))
    for contact in contacts:
        if contact.customer_id:
            by_customer[contact.customer_id][0].append(contact)
    for touchpoint in touchpoints:
        if touchpoint.contact.customer_id:
            by_customer[touchpoint.contact.customer_id][1].append(touchpoint)
    if not by_customer:
        return
    bodies = locked_documents(customer_ids=list(by_customer))
    for customer_id, body in bodies.items():
        changed_contacts, changed_touchpoints = by_customer[customer_id]
        if body is None:
            # Stale, or never built: to be built again. The id may have been merged away; its
            # survivor's document, built before, shows this contact too.
            replace_locked(customer_id=customer_id, body=None)
            survivor = absorbed_by(customer_id)
            if survivor is None:
                continue
            customer_id = survivor
            body = locked_documents(customer_ids=[survivor])[survivor]
            if body is None:
                replace_locked(customer_id=survivor, body=None)
                continue
        replace_locked(
            customer_id=customer_id, body=_changed(body, changed_contacts, changed_touchpoints)
        )
