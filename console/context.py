"""The customer-360 composed from the rooms below, in a fixed number of queries whatever the
customer's size: the customer with records and accounts (3), open cases (1), recent contacts (1)."""

from django.utils import timezone

from console.next_best_actions import alerts, customer_facts, next_best_actions
from console.timeline import customer_contacts, open_cases
from contacts.models import Case, Contact
from customers.queries import customer_with_records
from customers.serializers import (
    AccountSerializer,
    CustomerIdentitySerializer,
    SourceRecordSerializer,
)

RECENT_CONTACTS = 10

# One instance of each, built once: a DRF model serializer otherwise builds its fields from the
# model on every use (half a millisecond of each screen pop). `to_representation` keeps no state
# between calls, so one instance serves every thread.
_IDENTITY = CustomerIdentitySerializer()
_ACCOUNT = AccountSerializer()
_SOURCE_RECORD = SourceRecordSerializer()


def _case_json(case: Case) -> dict:
    return {
        "id": str(case.id),
        "kind": case.kind,
        "status": case.status,
        "owner_desk": case.owner_desk,
        "subject": case.subject,
        "opened_at": case.opened_at.isoformat(),
        "due_at": case.due_at.isoformat() if case.due_at else None,
    }


_CONTACT_FIELDS = [
    "id",
    "channel",
    "desk",
    "queue__name",
    "state",
    "agent__username",
    "offered_at",
    "answered_at",
    "ended_at",
    "wrapped_up_at",
    "hold_seconds",
    "wrap_up_code__label",
    "disposition",
]


def _contact_json(contact: Contact) -> dict:
    return {
        "id": str(contact.id),
        "channel": contact.channel,
        "desk": contact.desk,
        "queue": contact.queue.name if contact.queue else None,
        "state": contact.state,
        "agent": contact.agent.get_username() if contact.agent else None,
        "offered_at": contact.offered_at.isoformat() if contact.offered_at else None,
        "handle_seconds": contact.handle_seconds,
        "wrap_up": contact.wrap_up_code.label if contact.wrap_up_code else None,
        "disposition": contact.disposition,
    }


def customer_360(
    *, customer_id, with_source_records: bool = True, excluding_call: tuple[str, str] | None = None
) -> dict | None:
    """`excluding_call` (source, call id): the call the agent is on, which is not history."""
    loaded = customer_with_records(customer_id)
    if loaded is None:
        return None
    customer = loaded.customer
    cases = list(open_cases(customer_ids=loaded.customer_ids))
    contacts = customer_contacts(customer_ids=loaded.customer_ids)
    if excluding_call:
        source, call_id = excluding_call
        contacts = contacts.exclude(source=source, call_id=call_id)
    # Only what _contact_json reads: ten contacts with their queue, agent and wrap-up code are
    # forty model instances, and the agent's whole user row came along with each.
    recent_contacts = list(contacts.only(*_CONTACT_FIELDS)[:RECENT_CONTACTS])
    facts = customer_facts(
        customer=customer, accounts=loaded.accounts, open_cases=cases, now=timezone.now()
    )
    context = {
        **_IDENTITY.to_representation(customer),
        "accounts": [_ACCOUNT.to_representation(account) for account in loaded.accounts],
        "open_cases": [_case_json(case) for case in cases],
        "recent_contacts": [_contact_json(contact) for contact in recent_contacts],
        "alerts": alerts(facts),
        "next_best_actions": next_best_actions(facts),
        "match": [
            {
                "system": r.system,
                "external_id": r.external_id,
                "rule": r.link_rule or None,
                "score": r.link_score,
            }
            for r in loaded.source_records
        ],
    }
    if with_source_records:
        context["source_records"] = [
            _SOURCE_RECORD.to_representation(record) for record in loaded.source_records
        ]
    if loaded.merged_from:
        context["merged_from"] = loaded.merged_from
    return context
