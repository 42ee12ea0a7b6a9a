"""Telephony events: stored once per (source, event_id), then the call's contacts are computed
again from all its events (see call_timeline)."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from contacts.call_timeline import Leg, TimelineEvent, call_legs
from contacts.customer_documents import apply_contacts_to_documents
from contacts.models import CallEvent, CallEventType, Channel, Contact, Queue
from customers.normalization import normalise_phone


@dataclass(frozen=True)
class StoredEvent:
    event: CallEvent
    duplicate: bool


@dataclass(frozen=True)
class CallEventInput:
    """One telephony event as a platform reported it (the native API's fields, or a connector's
    translation). `caller_number` and `called_number` are `from` and `to` on the wire."""

    event_id: str
    call_id: str
    type: str
    at: datetime
    caller_number: str = ""
    called_number: str = ""
    queue: str = ""
    agent: str = ""
    target_queue: str = ""
    target_agent: str = ""

    def payload(self) -> dict[str, str]:
        """The event as stored and replayed: the wire's names, the values as text, empty
        fields left out."""
        fields = {
            "event_id": self.event_id,
            "call_id": self.call_id,
            "type": self.type,
            "at": self.at,
            "from": self.caller_number,
            "to": self.called_number,
            "queue": self.queue,
            "agent": self.agent,
            "target_queue": self.target_queue,
            "target_agent": self.target_agent,
        }
        return {key: str(value) for key, value in fields.items() if value not in (None, "")}


def store_call_event(*, source: str, event: CallEventInput, routed_agent: str = "") -> StoredEvent:
    """The event, stored unless its id was seen before from this source (then the first one).
    Inserted first: a repeat is rare, and the unique constraint tells it in the same trip."""
    stored = CallEvent(
        source=source,
        event_id=event.event_id,
        call_id=event.call_id,
        type=event.type,
        at=event.at,
        payload=event.payload(),
        routed_agent=routed_agent,
    )
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError as error:
        first = CallEvent.objects.filter(source=source, event_id=event.event_id).first()
        if first is None:
            raise error
        return StoredEvent(event=first, duplicate=True)
    return StoredEvent(event=stored, duplicate=False)


def timeline_event(event: CallEvent) -> TimelineEvent:
    payload = event.payload
    routed = event.routed_agent
    return TimelineEvent(
        event_id=event.event_id,
        type=event.type,
        at=event.at,
        queue=payload.get("queue", ""),
        # The agent routing chose first: a call given to another agent when the first one left
        # names the new one there, whoever the event named.
        agent=(routed if event.type == "offered" else "") or payload.get("agent", ""),
        target_queue=payload.get("target_queue", ""),
        target_agent=(routed if event.type == "transferred" else "")
        or payload.get("target_agent", ""),
        caller_number=normalise_phone(payload.get("from", "")),
        dialled_number=normalise_phone(payload.get("to", "")),
    )


@dataclass(frozen=True)
class CallContacts:
    """The call's contacts after the replay, which of them changed state and which are new."""

    contacts: list[Contact]
    changed: list[Contact]
    created: list[Contact]


def replay_call(*, source: str, call_id: str, customer_id=None, known_users=()) -> CallContacts:
    """Write the call's legs as contacts: one per leg, updated in place so that ids (and the
    notes written on them) stay. `known_users` are agents' users the caller has already read
    (the one routing picked), not read again."""
    events = [timeline_event(e) for e in CallEvent.objects.filter(source=source, call_id=call_id)]
    legs = call_legs(events)
    existing = {
        contact.leg: contact
        for contact in Contact.objects.select_for_update(of=("self",))
        .select_related("wrap_up_code")
        .filter(source=source, call_id=call_id)
    }
    queues = {q.name: q for q in Queue.objects.filter(name__in={leg.queue for leg in legs})}
    usernames = {leg.agent for leg in legs} - {""}
    agents = {user.get_username(): user for user in known_users}
    if usernames - agents.keys():
        agents.update(
            (user.get_username(), user)
            for user in get_user_model().objects.filter(username__in=usernames - agents.keys())
        )
    contacts, changed, created = [], [], []
    parent = None
    for leg in legs:
        contact = existing.get(leg.leg) or Contact(
            channel=Channel.PHONE, source=source, call_id=call_id, leg=leg.leg
        )
        before = (
            (contact.state, contact.agent_id, contact.wrapped_up_at)
            if contact.pk and leg.leg in existing
            else None
        )
        _apply_leg(contact, leg, queues=queues, agents=agents, parent=parent)
        if contact._state.adding:
            # Known at the offer: the caller was identified before the agent picked up.
            contact.customer_id = parent.customer_id if parent else customer_id
            contact.identified_at_offer = contact.customer_id is not None
        if contact._state.adding:
            created.append(contact)
        contact.save()
        if before != (contact.state, contact.agent_id, contact.wrapped_up_at):
            changed.append(contact)
        contacts.append(contact)
        parent = contact
    apply_contacts_to_documents(contacts=contacts)
    return CallContacts(contacts=contacts, changed=changed, created=created)


def _apply_leg(contact: Contact, leg: Leg, *, queues: dict, agents: dict, parent) -> None:
    queue = queues.get(leg.queue)
    contact.queue = queue
    contact.desk = queue.desk if queue else ""
    contact.agent = agents.get(leg.agent)
    contact.parent = parent
    contact.state = leg.state
    contact.caller_number = leg.caller_number
    contact.dialled_number = leg.dialled_number
    contact.offered_at = leg.offered_at
    contact.answered_at = leg.answered_at
    contact.ended_at = leg.ended_at
    contact.wrapped_up_at = leg.wrapped_up_at
    contact.hold_seconds = leg.hold_seconds


def reassign_leg(*, contact: Contact, agent_user) -> CallContacts | None:
    """A call's open leg given to another agent, or back to its queue's waiting list with
    `agent_user` None: the event that opened the leg now names that agent (so every later replay
    gives the same legs), and the call is replayed. None when the platform chose the leg's agent
    itself (it names no routed agent): only the platform may move it."""
    opening = (
        CallEvent.objects.filter(source=contact.source, call_id=contact.call_id)
        .filter(type__in=[CallEventType.OFFERED, CallEventType.TRANSFERRED], at=contact.offered_at)
        .order_by("-type")
        .first()
    )
    if contact.agent_id is not None and not opening.routed_agent:
        return None
    opening.routed_agent = agent_user.get_username() if agent_user else ""
    if agent_user is None:
        # The agent the console had routed to may stand in the event as named: taken back.
        opening.payload = {
            key: value
            for key, value in opening.payload.items()
            if key not in ("agent", "target_agent")
        }
    opening.save(update_fields=["routed_agent", "payload"])
    return replay_call(
        source=contact.source,
        call_id=contact.call_id,
        known_users=[agent_user] if agent_user else [],
    )
