"""What an agent sees of a customer: the customer-360, the screen pop built from it when a call
is offered, and the refresh pushed to the agents talking to a customer whenever a write changes
what the 360 shows (a case opened, updated or closed, the caller picked, a steward's link, a
merge or an unmerge). Writes call `refresh_screens` inside their transaction: the message is
stored with the write and announced on its commit.

The 360 is kept built, one document per customer (customers.documents): a screen pop reads one
row. The writes that change what it shows mark it stale in their transaction, or change it in
place (a call's contacts, contacts.customer_documents); a stale one is built again by the first
reader, or on commit by a task (`build_stale_documents`). A document holds what does not depend
on the moment: the parts that do (the week's touchpoints, alerts and next best actions) are
worked out from it when it is read, and so is leaving out the call the agent is on. A build
takes six queries for one customer or five hundred: the customers with their records and
accounts (3), open cases (1), contacts (1), touchpoints (1).
"""

from collections import defaultdict
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone

from console.agents.models import Agent
from console.audit.records import record_customer_views
from console.calls.next_best_actions import alerts, customer_facts, next_best_actions
from console.labels import format_phone
from console.realtime import messages_after, send_to_agent
from contacts.customer_documents import contact_parts
from contacts.desk_policies import identity_questions
from contacts.models import CallEvent, CallEventType, Contact, ContactState
from contacts.representations import (
    CONTACT_JSON_FIELDS,
    case_json,
    contact_json,
    identity_check_json,
)
from contacts.timeline import customer_contacts, open_cases
from customers.documents import keep_document, stale_documents, stored_document
from customers.models import SourceRecord
from customers.queries import caller_candidates, current_customers_with_records
from customers.serializers import (
    AccountSerializer,
    CustomerIdentitySerializer,
    SourceRecordSerializer,
)

RECENT_CONTACTS = 10
# "Since the last call": what the customer did on other channels in the last week, so a caller
# who applied in the app this morning need not explain it.
SINCE_LAST_CALL = timedelta(days=7)
RECENT_TOUCHPOINTS = 20
# Customers built at once by build_stale_documents: the queries' IN lists stay short.
BUILD_BATCH = 500

# One instance of each, built once: a DRF model serializer otherwise builds its fields from the
# model on every use (half a millisecond of each screen pop). `to_representation` keeps no state
# between calls, so one instance serves every thread.
_IDENTITY = CustomerIdentitySerializer()
_ACCOUNT = AccountSerializer()
_SOURCE_RECORD = SourceRecordSerializer()


def build_documents(customer_ids) -> dict:
    """The documents of these current customers, by id, built from the database."""
    loaded = current_customers_with_records(customer_ids)
    families = {customer_id: found.customer_ids for customer_id, found in loaded.items()}
    survivor_of = {member: survivor for survivor, ids in families.items() for member in ids}
    cases = defaultdict(list)
    for case in open_cases(customer_ids=list(survivor_of)):
        cases[survivor_of[case.customer_id]].append(case)
    parts = contact_parts(families=families)
    return {
        customer_id: {
            "customer_ids": sorted(str(member) for member in found.customer_ids),
            "identity": _IDENTITY.to_representation(found.customer),
            "accounts": [_ACCOUNT.to_representation(account) for account in found.accounts],
            "open_cases": [case_json(case) for case in cases[customer_id]],
            "match": [
                {
                    "system": r.system,
                    "external_id": r.external_id,
                    "rule": r.link_rule or None,
                    "score": r.link_score,
                }
                for r in found.source_records
            ],
            **parts[customer_id],
        }
        for customer_id, found in loaded.items()
    }


def build_stale_documents(*, customer_ids) -> int:
    """Build and keep the documents of these customers that wait to be built (or were never):
    `BUILD_BATCH` customers at a time, six queries and one statement per document. A document a
    write changed meanwhile is left for the next reader. Safe to run twice at once."""
    kept = 0
    ids = list(customer_ids)
    for start in range(0, len(ids), BUILD_BATCH):
        waiting = stale_documents(customer_ids=ids[start : start + BUILD_BATCH])
        built = build_documents(list(waiting))
        for customer_id, body in built.items():
            kept += keep_document(customer_id=customer_id, stamp=waiting[customer_id], body=body)
    return kept


def customer_360(
    *,
    customer_id,
    with_source_records: bool = True,
    excluding_call: tuple[str, str] | None = None,
    from_scratch: bool = False,
) -> dict | None:
    """`excluding_call` (source, call id): the call the agent is on, which is not history.
    `from_scratch`: built from the database, the kept document neither read nor stored (what
    a kept one must always equal)."""
    stored = stored_document(customer_id)
    if stored is None:
        return None
    document = None if from_scratch else stored.body
    if document is None:
        document = build_documents([stored.customer_id]).get(stored.customer_id)
        if document is None:  # merged away or deleted since the row was read
            return None
        if not from_scratch:
            keep_document(customer_id=stored.customer_id, stamp=stored.stamp, body=document)
    context = _shown(document, now=timezone.now(), excluding_call=excluding_call)
    if with_source_records:
        context["source_records"] = [
            _SOURCE_RECORD.to_representation(record)
            for record in SourceRecord.objects.filter(customer_id=stored.customer_id).order_by(
                "system", "external_id"
            )
        ]
    if stored.merged_from:
        context["merged_from"] = stored.merged_from
    return context


def _shown(document: dict, *, now: datetime, excluding_call: tuple[str, str] | None) -> dict:
    """The 360 from a document at this moment."""
    facts = customer_facts(
        customer=SimpleNamespace(**document["identity"]),
        accounts=[SimpleNamespace(**account) for account in document["accounts"]],
        open_cases=[
            SimpleNamespace(kind=case["kind"], opened_at=datetime.fromisoformat(case["opened_at"]))
            for case in document["open_cases"]
        ],
        now=now,
    )
    since = now - SINCE_LAST_CALL
    return {
        **document["identity"],
        "accounts": document["accounts"],
        "open_cases": document["open_cases"],
        "recent_contacts": _recent_contacts(document, excluding_call=excluding_call),
        "since_last_call": [
            entry["touchpoint"]
            for entry in document["touchpoints"]["entries"]
            if entry["touchpoint"]["occurred_at"]
            and datetime.fromisoformat(entry["touchpoint"]["occurred_at"]) >= since
        ][:RECENT_TOUCHPOINTS],
        "alerts": alerts(facts),
        "next_best_actions": next_best_actions(facts),
        "match": document["match"],
    }


def _recent_contacts(document: dict, *, excluding_call: tuple[str, str] | None) -> list[dict]:
    """The newest contacts but the call's own legs. A document keeps a few more than shown for
    them; a call with more legs than that is read from the database."""
    part = document["contacts"]
    entries = [
        entry
        for entry in part["entries"]
        if not excluding_call or (entry["source"], entry["call_id"]) != tuple(excluding_call)
    ]
    if len(entries) >= RECENT_CONTACTS or part["complete"]:
        return [entry["contact"] for entry in entries[:RECENT_CONTACTS]]
    source, call_id = excluding_call
    contacts = customer_contacts(customer_ids=document["customer_ids"]).exclude(
        source=source, call_id=call_id
    )
    return [contact_json(c) for c in contacts.only(*CONTACT_JSON_FIELDS)[:RECENT_CONTACTS]]


def screen_pop(contact: Contact) -> dict:
    """The caller's context for the agent about to answer. An unknown caller, or a number several
    customers share, comes with candidates instead of a guess; a transferred call carries the
    earlier agents' notes and wrap-up."""
    customer = (
        customer_360(
            customer_id=contact.customer_id,
            with_source_records=False,
            excluding_call=(contact.source, contact.call_id),
        )
        if contact.customer_id
        else None
    )
    pop = {
        "type": "screen_pop",
        "contact": {
            "id": str(contact.pk),
            "call_id": contact.call_id,
            "queue": contact.queue.name if contact.queue else None,
            "desk": contact.desk,
            "from": contact.caller_number,
            "from_display": format_phone(contact.caller_number),
            "offered_at": contact.offered_at.isoformat() if contact.offered_at else None,
            # What the agent asks before the accounts are discussed, and what was recorded.
            "identity_questions": identity_questions(contact.desk),
            "identity_check": identity_check_json(contact),
        },
        "customer": customer,
        "candidates": [] if customer else caller_candidates(contact.caller_number),
    }
    if contact.parent_id:
        pop["transfer"] = transfer_context(contact)
    return pop


def customers_on_screen(message: dict) -> list[str]:
    """The customers a screen pop or customer update shows: the caller, else the candidates."""
    if message.get("customer"):
        return [message["customer"]["id"]]
    return [candidate["id"] for candidate in message.get("candidates", [])]


def audited_screen_pop(contact: Contact, *, reason: str) -> dict:
    """The pop, written down as shown to the contact's agent on their own call: one INSERT."""
    pop = screen_pop(contact)
    record_customer_views(
        customer_ids=customers_on_screen(pop),
        viewer_id=contact.agent_id,
        contact_id=contact.pk,
        on_own_call=True,
        listed=not pop["customer"],
        reason=reason,
    )
    return pop


def replay_to_agent(*, agent_id: int, viewer_id: int, after_seq: int) -> list[dict]:
    """The stored messages after `after_seq`, for a browser that missed them; the customers
    they show again are written down, each with its call."""
    messages = messages_after(agent_id=agent_id, seq=after_seq)
    for message in messages:
        if message.get("type") in ("screen_pop", "customer_update"):
            record_customer_views(
                customer_ids=customers_on_screen(message),
                viewer_id=viewer_id,
                contact_id=message.get("contact_id") or message["contact"]["id"],
                on_own_call=True,
                listed=not message.get("customer"),
                reason="resume replay",
            )
    return messages


def transfer_context(contact: Contact) -> dict:
    earlier = list(
        Contact.objects.filter(source=contact.source, call_id=contact.call_id, leg__lt=contact.leg)
        .select_related("agent", "queue", "wrap_up_code")
        .prefetch_related("notes__author")
        .order_by("leg")
    )
    return {
        "from_contacts": [
            {
                "contact_id": str(leg.pk),
                "agent": leg.agent.get_username() if leg.agent else None,
                "queue": leg.queue.name if leg.queue else None,
                "wrap_up": leg.wrap_up_code.label if leg.wrap_up_code else None,
                "wrap_up_code": leg.wrap_up_code.code if leg.wrap_up_code else None,
                "disposition": leg.disposition,
                "notes": [
                    {
                        "author": note.author.get_username(),
                        "text": note.text,
                        "at": note.created_at.isoformat(),
                    }
                    for note in leg.notes.all()
                ],
            }
            for leg in earlier
        ]
    }


def call_times(contact: Contact) -> dict:
    """The call's times as the server holds them, for a console that opens mid-call (a reload)
    to run its timers from: with the server's clock now, so a browser's wrong clock does not
    matter, and the start of a hold still going on."""
    hold_started_at = None
    if contact.state == ContactState.HOLD:
        hold_started_at = (
            CallEvent.objects.filter(
                source=contact.source, call_id=contact.call_id, type=CallEventType.HOLD
            )
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )

    def iso(moment):
        return moment.isoformat() if moment else None

    return {
        "now": timezone.now().isoformat(),
        "offered_at": iso(contact.offered_at),
        "answered_at": iso(contact.answered_at),
        "ended_at": iso(contact.ended_at),
        "hold_seconds": contact.hold_seconds,
        "hold_started_at": iso(hold_started_at),
    }


# A contact in one of these states has the caller on the line with an agent.
LIVE_CALL_STATES = [ContactState.OFFERED, ContactState.ANSWERED, ContactState.HOLD]


def refresh_screens(*, customer_ids) -> None:
    """Give every agent talking to one of these customers right now the 360 as it is now.
    `customer_ids`: the customer whose data changed, and after a merge or unmerge the other one
    too (a live contact may still name the absorbed id, which the 360 follows to the survivor)."""
    live = list(
        Contact.objects.filter(
            customer_id__in=[customer_id for customer_id in customer_ids if customer_id],
            state__in=LIVE_CALL_STATES,
            agent__isnull=False,
        ).values_list("pk", "agent_id", "customer_id", "source", "call_id")
    )
    if not live:
        return
    agents = dict(
        Agent.objects.filter(user_id__in=[row[1] for row in live]).values_list("user_id", "pk")
    )
    # Nearly always one call: the context is read for each, without the call itself.
    for contact_id, user_id, customer_id, source, call_id in live:
        if user_id in agents:
            customer = customer_360(
                customer_id=customer_id,
                with_source_records=False,
                excluding_call=(source, call_id),
            )
            send_to_agent(
                agent_id=agents[user_id],
                body={
                    "type": "customer_update",
                    "contact_id": str(contact_id),
                    "customer": customer,
                },
            )
            if customer:
                record_customer_views(
                    customer_ids=[customer["id"]],
                    viewer_id=user_id,
                    contact_id=contact_id,
                    on_own_call=True,
                    reason="screen refresh",
                )


def refresh_screens_after_merge(*, survivor_id, absorbed_id, **kwargs) -> None:
    """customers_merged / customers_unmerged, sent on commit: both customers' callers see who
    they are now."""
    with transaction.atomic():
        refresh_screens(customer_ids=[survivor_id, absorbed_id])
