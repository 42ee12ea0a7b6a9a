"""How a case and a contact look outside this room: one JSON shape each, used by the REST API,
the customer-360 and screen pop, and webhooks, with the DRF serializers that document them in
the OpenAPI schema (tests check answers against these)."""

from rest_framework import serializers

from contacts.models import (
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    Contact,
    ContactState,
    Desk,
    Direction,
    Touchpoint,
)


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


def note_json(note) -> dict:
    """A note as an agent sees it: its text, who wrote it and when. The author is the author's
    full name when known, else the user name."""
    author = note.author
    return {
        "id": note.pk,
        "text": note.text,
        "author": author.get_full_name() or author.get_username(),
        "at": note.created_at.isoformat(),
    }


# The columns contact_json reads, for callers that load many contacts with `.only()`: ten
# contacts with their queue, agent and wrap-up code are forty model instances, and the agent's
# whole user row would come along with each.
CONTACT_JSON_FIELDS = [
    "id",
    "call_id",
    "channel",
    "desk",
    "customer_id",
    "queue__name",
    "state",
    "agent__username",
    "offered_at",
    "answered_at",
    "ended_at",
    "wrapped_up_at",
    "hold_seconds",
    "wrap_up_code__code",
    "wrap_up_code__label_ja",
    "wrap_up_code__label_en",
    "disposition",
    "identity_check",
    "identity_check_questions",
    "identity_check_reason",
    "identity_checked_at",
]


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def contact_json(contact: Contact) -> dict:
    return {
        "id": str(contact.pk),
        "call_id": contact.call_id,
        "channel": contact.channel,
        "desk": contact.desk,
        "customer_id": str(contact.customer_id) if contact.customer_id else None,
        "queue": contact.queue.name if contact.queue else None,
        "state": contact.state,
        "agent": contact.agent.get_username() if contact.agent else None,
        "offered_at": _iso(contact.offered_at),
        "answered_at": _iso(contact.answered_at),
        "ended_at": _iso(contact.ended_at),
        "wrapped_up_at": _iso(contact.wrapped_up_at),
        "hold_seconds": contact.hold_seconds,
        "handle_seconds": contact.handle_seconds,
        # The label in the sender's language, and the code, which a page names in its own.
        "wrap_up": contact.wrap_up_code.label if contact.wrap_up_code else None,
        "wrap_up_code": contact.wrap_up_code.code if contact.wrap_up_code else None,
        "disposition": contact.disposition,
        "identity_check": identity_check_json(contact),
    }


def identity_check_json(contact: Contact) -> dict | None:
    if not contact.identity_check:
        return None
    return {
        "result": contact.identity_check,
        "questions": contact.identity_check_questions,
        "reason": contact.identity_check_reason,
        "at": _iso(contact.identity_checked_at),
    }


def touchpoint_json(touchpoint: Touchpoint) -> dict:
    contact = touchpoint.contact
    return {
        "contact_id": str(contact.pk),
        "channel": contact.channel,
        "direction": touchpoint.direction,
        "source": touchpoint.source,
        "external_id": touchpoint.external_id,
        "occurred_at": _iso(contact.offered_at),
        "subject": touchpoint.subject,
        "body": touchpoint.body,
    }


class CaseSchema(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    owner_desk = serializers.ChoiceField(choices=Desk.choices)
    subject = serializers.CharField()
    customer_id = serializers.UUIDField(allow_null=True)
    source = serializers.CharField()
    external_id = serializers.CharField()
    details = serializers.DictField()
    opened_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class IdentityCheckSchema(serializers.Serializer):
    result = serializers.ChoiceField(choices=["passed", "failed", "skipped"])
    questions = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField()


class ContactSchema(serializers.Serializer):
    id = serializers.UUIDField()
    call_id = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    desk = serializers.CharField(help_text="contact_center or service_center; empty until routed")
    customer_id = serializers.UUIDField(allow_null=True)
    queue = serializers.CharField(allow_null=True)
    state = serializers.ChoiceField(choices=ContactState.choices)
    agent = serializers.CharField(allow_null=True)
    offered_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    wrapped_up_at = serializers.DateTimeField(allow_null=True)
    hold_seconds = serializers.FloatField()
    handle_seconds = serializers.FloatField(
        allow_null=True, help_text="Talk + hold + after-call work, once answered and ended"
    )
    wrap_up = serializers.CharField(allow_null=True)
    disposition = serializers.CharField()
    identity_check = IdentityCheckSchema(
        allow_null=True, help_text="The identity check (本人確認) recorded on the call, if any"
    )


class TouchpointSchema(serializers.Serializer):
    contact_id = serializers.UUIDField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    source = serializers.CharField()
    external_id = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    subject = serializers.CharField()
    body = serializers.CharField()
