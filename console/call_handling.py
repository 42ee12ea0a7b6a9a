"""What the console does with a telephony event: store it, route the call, keep the call's
contacts and the agents' states in step, and push the screen pop and call states to agents.

Everything happens in one transaction, and pushes go out on commit.
"""

from dataclasses import dataclass, field

from django.db import transaction

from console.agents import AgentStateError, change_agent_state, pick_available_agent
from console.context import customer_360
from console.live_stats import note_call_change
from console.models import CHOSEN_STATES, Agent, AgentState, WebhookEvent
from console.realtime import send_to_agent
from console.webhooks import emit_event
from contacts.call_events import replay_call, store_call_event
from contacts.models import CallEvent, CallEventType, Contact, ContactState
from customers.queries import caller_candidates, identified_caller

# Which agent state a contact's state puts its agent in.
AGENT_STATE_FOR = {
    ContactState.OFFERED: AgentState.ON_CALL,
    ContactState.ANSWERED: AgentState.ON_CALL,
    ContactState.HOLD: AgentState.ON_CALL,
    ContactState.ENDED: AgentState.WRAP_UP,
    ContactState.TRANSFERRED: AgentState.WRAP_UP,
    ContactState.ABANDONED: AgentState.AVAILABLE,
    ContactState.WRAPPED_UP: AgentState.AVAILABLE,
}
CALL_STATE_MESSAGE = {
    ContactState.ANSWERED: "answered",
    ContactState.HOLD: "hold",
    ContactState.ENDED: "ended",
    ContactState.ABANDONED: "ended",
    ContactState.TRANSFERRED: "transferred",
    ContactState.WRAPPED_UP: "wrapup_done",
}


@dataclass
class CallEventOutcome:
    contact_id: str | None
    customer_id: str | None
    agent: str | None
    duplicate: bool
    pushed: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "contact_id": self.contact_id,
            "customer_id": self.customer_id,
            "agent": self.agent,
            "duplicate": self.duplicate,
        }


def _outcome(contact: Contact | None, *, duplicate: bool) -> CallEventOutcome:
    if contact is None:
        return CallEventOutcome(None, None, None, duplicate)
    return CallEventOutcome(
        contact_id=str(contact.pk),
        customer_id=str(contact.customer_id) if contact.customer_id else None,
        agent=contact.agent.get_username() if contact.agent else None,
        duplicate=duplicate,
    )


def _current_contact(*, source: str, call_id: str) -> Contact | None:
    return (
        Contact.objects.select_related("agent")
        .filter(source=source, call_id=call_id)
        .order_by("-leg")
        .first()
    )


@transaction.atomic
def handle_call_event(*, source: str, data: dict) -> CallEventOutcome:
    # Routed before the event is stored, so the event is written once with its agent. A
    # duplicate has then locked an agent for nothing, which its transaction's end releases.
    customer_id = None
    routed = None
    if data["type"] == CallEventType.OFFERED:
        customer_id = identified_caller(data.get("from", ""))
        routed = pick_available_agent(queue_name=data.get("queue", ""), named=data.get("agent", ""))
    elif data["type"] == CallEventType.TRANSFERRED and not data.get("target_agent"):
        current = _current_contact(source=source, call_id=data["call_id"])
        queue_name = data.get("target_queue") or (
            current.queue.name if current and current.queue else ""
        )
        routed = pick_available_agent(queue_name=queue_name)
    routed_agent = routed.user.get_username() if routed else ""
    named = data.get("agent")
    if named and routed_agent != named:
        # The payload's named agent is replaced by the routed one: a busy agent is not offered.
        data = {key: value for key, value in data.items() if key != "agent"}
    stored = store_call_event(source=source, data=data, routed_agent=routed_agent)
    if stored.duplicate:
        return _outcome(_current_contact(source=source, call_id=data["call_id"]), duplicate=True)
    call = replay_call(
        source=source,
        call_id=data["call_id"],
        customer_id=customer_id,
        known_users=[routed.user] if routed else [],
    )
    for contact in call.changed:
        _follow(contact, routed=routed)
    note_call_change(call.contacts, created=call.created)
    return _outcome(call.contacts[-1] if call.contacts else None, duplicate=False)


def _follow(contact: Contact, *, routed: Agent | None = None) -> None:
    """Agent state, pushes and webhooks for a contact whose state or agent changed. `routed` is
    the agent routing just locked, if any: read again otherwise."""
    if contact.state in (ContactState.ENDED, ContactState.ABANDONED):
        emit_event(event_type=WebhookEvent.CONTACT_ENDED, payload=contact_summary(contact))
    if contact.agent_id is None:
        return
    if routed is not None and routed.user_id == contact.agent_id:
        agent = routed
    else:
        agent = Agent.objects.filter(user_id=contact.agent_id).first()
    if agent is None:
        return
    wanted = AGENT_STATE_FOR.get(contact.state)
    # A transferred leg keeps its state after the wrap-up: its wrap-up time says it is done.
    wrapped_up_transfer = contact.state == ContactState.TRANSFERRED and contact.wrapped_up_at
    if wrapped_up_transfer:
        wanted = AgentState.AVAILABLE
    if contact.state == ContactState.OFFERED:
        send_to_agent(agent_id=agent.pk, body=screen_pop(contact))
    elif contact.state in CALL_STATE_MESSAGE:
        send_to_agent(
            agent_id=agent.pk,
            body={
                "type": "call_state",
                "contact_id": str(contact.pk),
                "state": "wrapup_done"
                if wrapped_up_transfer
                else CALL_STATE_MESSAGE[contact.state],
            },
        )
    if wanted and agent.state != wanted:
        change_agent_state(agent=agent, state=wanted, reason=f"call {contact.state}")
        if wanted == AgentState.AVAILABLE:
            offer_waiting_call(agent=agent)


def contact_summary(contact: Contact) -> dict:
    return {
        "contact_id": str(contact.pk),
        "call_id": contact.call_id,
        "state": contact.state,
        "queue": contact.queue.name if contact.queue else None,
        "desk": contact.desk,
        "customer_id": str(contact.customer_id) if contact.customer_id else None,
        "agent": contact.agent.get_username() if contact.agent else None,
        "offered_at": contact.offered_at,
        "answered_at": contact.answered_at,
        "ended_at": contact.ended_at,
        "hold_seconds": contact.hold_seconds,
    }


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
            "offered_at": contact.offered_at.isoformat() if contact.offered_at else None,
        },
        "customer": customer,
        "candidates": [] if customer else caller_candidates(contact.caller_number),
    }
    if contact.parent_id:
        pop["transfer"] = transfer_context(contact)
    return pop


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


# A contact in one of these states has the caller on the line with an agent.
LIVE_CALL_STATES = [ContactState.OFFERED, ContactState.ANSWERED, ContactState.HOLD]


def refresh_callers_context(*, customer_id) -> None:
    """The customer is on a call right now: give the agent the context as it is now (a case
    opened, the caller picked among candidates)."""
    live = Contact.objects.filter(
        customer_id=customer_id, state__in=LIVE_CALL_STATES, agent__isnull=False
    ).values_list("pk", "agent_id", "source", "call_id")
    if not live:
        return
    agents = dict(
        Agent.objects.filter(user_id__in=[row[1] for row in live]).values_list("user_id", "pk")
    )
    # Nearly always one call: the context is read for each, without the call itself.
    for contact_id, user_id, source, call_id in live:
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


def offer_waiting_call(*, agent: Agent) -> Contact | None:
    """Give a newly available agent the longest-waiting call of a queue their desk serves."""
    waiting = (
        Contact.objects.select_for_update(skip_locked=True)
        .filter(state=ContactState.WAITING, queue__desk=agent.desk)
        .order_by("offered_at")
        .first()
    )
    if waiting is None:
        return None
    opening = (
        CallEvent.objects.filter(source=waiting.source, call_id=waiting.call_id)
        .filter(type__in=[CallEventType.OFFERED, CallEventType.TRANSFERRED], at=waiting.offered_at)
        .order_by("-type")
        .first()
    )
    opening.routed_agent = agent.user.get_username()
    opening.save(update_fields=["routed_agent"])
    call = replay_call(source=waiting.source, call_id=waiting.call_id, known_users=[agent.user])
    for contact in call.changed:
        _follow(contact, routed=agent)
    return waiting


@transaction.atomic
def choose_agent_state(*, agent_id: int, state: str) -> Agent:
    """A state the agent picked in the browser (available, break or offline)."""
    if state not in CHOSEN_STATES:
        raise AgentStateError(f"'{state}' is not a state an agent can choose.")
    agent = Agent.objects.select_for_update().select_related("user").get(pk=agent_id)
    if agent.state == AgentState.ON_CALL:
        raise AgentStateError("Finish the current call first.")
    if agent.state != state:
        change_agent_state(agent=agent, state=state, reason="chosen")
        if state == AgentState.AVAILABLE:
            offer_waiting_call(agent=agent)
    return agent
