"""What the console does with a telephony event: store it, route the call, keep the call's
contacts and the agents' states in step, and push the screen pop and call states to agents.

Everything happens in one transaction, and pushes go out on commit.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.agents.models import CHOSEN_STATES, NEXT_STATES, Agent, AgentState
from console.agents.presence import (
    CALL_STATES,
    AgentStateError,
    absent_agents,
    change_agent_state,
    pick_available_agent,
    queue_next_state,
    socket_opened,
    state_after_call,
)
from console.calls.screen import audited_screen_pop
from console.integrations.models import WebhookEvent
from console.integrations.webhook_emitting import emit_event
from console.realtime import send_to_agent
from console.supervision.live_figures import note_call_change
from contacts.call_events import (
    CallEventInput,
    reassign_leg,
    replay_call,
    store_call_event,
)
from contacts.models import CallEventType, Contact, ContactState
from contacts.representations import contact_json
from customers.queries import identified_caller

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
LIVE_TALK = (ContactState.ANSWERED, ContactState.HOLD)
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
def handle_call_event(
    *, source: str, event: CallEventInput, platform_routes: bool = False
) -> CallEventOutcome:
    """`platform_routes`: the telephony platform chose the agent itself (Amazon Connect,
    TaskRouter, an Asterisk queue), so the agent it names takes the leg and the console routes
    nobody; a leg it names no agent for waits until a later event names one."""
    # Routed before the event is stored, so the event is written once with its agent. A
    # duplicate has then locked an agent for nothing, which its transaction's end releases.
    customer_id = None
    routed = None
    if event.type == CallEventType.OFFERED:
        customer_id = identified_caller(event.caller_number)
        if not platform_routes:
            routed = pick_available_agent(queue_name=event.queue, named=event.agent)
    elif event.type == CallEventType.TRANSFERRED and not (event.target_agent or platform_routes):
        current = _current_contact(source=source, call_id=event.call_id)
        queue_name = event.target_queue or (current.queue.name if current and current.queue else "")
        routed = pick_available_agent(queue_name=queue_name)
    routed_agent = routed.user.get_username() if routed else ""
    if event.agent and routed_agent != event.agent and not platform_routes:
        # The named agent is replaced by the routed one: a busy agent is not offered.
        event = replace(event, agent="")
    stored = store_call_event(source=source, event=event, routed_agent=routed_agent)
    if stored.duplicate:
        return _outcome(_current_contact(source=source, call_id=event.call_id), duplicate=True)
    call = replay_call(
        source=source,
        call_id=event.call_id,
        customer_id=customer_id,
        known_users=[routed.user] if routed else [],
    )
    for contact in call.changed:
        _follow(contact, routed=routed, new=contact in call.created)
    note_call_change(call.contacts, created=call.created)
    return _outcome(call.contacts[-1] if call.contacts else None, duplicate=False)


def _follow(contact: Contact, *, routed: Agent | None = None, new: bool = False) -> None:
    """Agent state, pushes and webhooks for a contact whose state or agent changed. `routed` is
    the agent routing just locked, if any: read again otherwise. A `new` leg that is already
    being talked on (a call handed over by an answer) gets its screen pop as an offer does."""
    if contact.state in (ContactState.ENDED, ContactState.ABANDONED):
        emit_event(event_type=WebhookEvent.CONTACT_ENDED, payload=contact_webhook_payload(contact))
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
    if wanted == AgentState.AVAILABLE:
        wanted = state_after_call(agent, now=timezone.now())
    if contact.state == ContactState.OFFERED or (new and contact.state in LIVE_TALK):
        send_to_agent(agent_id=agent.pk, body=audited_screen_pop(contact, reason="screen pop"))
    if contact.state in CALL_STATE_MESSAGE:
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


def contact_webhook_payload(contact: Contact) -> dict:
    # `contact_id` as well as `id`: receivers written before the one contact shape read it.
    return {"contact_id": str(contact.pk), **contact_json(contact)}


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
    call = reassign_leg(contact=waiting, agent_user=agent.user)
    for contact in call.changed:
        _follow(contact, routed=agent)
    return waiting


@transaction.atomic
def send_absent_agents_away(*, now=None) -> int:
    """Agents whose console has been closed past the grace: away, so routing passes them by, and
    a call ringing for them back to its queue and on to the next free agent. An agent talking
    keeps the call (the phone line does not need the browser); the call's end takes them away."""
    now = now or timezone.now()
    sent_away = 0
    for agent in absent_agents(now=now):
        ringing = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("queue")
            .filter(agent_id=agent.user_id, state=ContactState.OFFERED)
            .first()
        )
        if agent.state == AgentState.ON_CALL and ringing is None:
            continue
        change_agent_state(agent=agent, state=AgentState.AWAY, reason="console closed")
        if ringing is not None:
            _offer_elsewhere(ringing, left_by=agent)
        sent_away += 1
    return sent_away


def _offer_elsewhere(contact: Contact, *, left_by: Agent) -> None:
    """An unanswered call whose agent is not there: to the next free agent of its queue, or to
    the queue's waiting list. A platform that routes itself re-offers the call its own way."""
    next_agent = pick_available_agent(queue_name=contact.queue.name if contact.queue else "")
    call = reassign_leg(contact=contact, agent_user=next_agent.user if next_agent else None)
    if call is None:
        return
    send_to_agent(
        agent_id=left_by.pk,
        body={"type": "call_state", "contact_id": str(contact.pk), "state": "requeued"},
    )
    for changed in call.changed:
        _follow(changed, routed=next_agent)
    note_call_change(call.contacts, created=call.created)


@transaction.atomic
def console_opened(*, agent_id: int) -> None:
    """A console socket opened. An agent whom a closed console sent away (away is never chosen)
    and who is back within AGENT_PRESENCE_RETURN_SECONDS lost the connection, not the wish to
    work: a network drop, a server or Redis restart closes every socket at once, and nobody
    would take calls again until each agent clicked. Later than that, the agent chooses."""
    socket_opened(agent_id=agent_id)
    agent = Agent.objects.select_for_update().select_related("user").get(pk=agent_id)
    returned_in_time = agent.state_since >= timezone.now() - timedelta(
        seconds=settings.AGENT_PRESENCE_RETURN_SECONDS
    )
    if agent.state == AgentState.AWAY and returned_in_time:
        change_agent_state(agent=agent, state=AgentState.AVAILABLE, reason="console back")
        offer_waiting_call(agent=agent)


@transaction.atomic
def choose_agent_state(*, agent_id: int, state: str) -> Agent:
    """A state the agent picked in the browser (available, break or offline). During a call or
    its after-call work, break and offline are queued for when the work ends, and available
    takes that wish back."""
    if state not in CHOSEN_STATES:
        raise AgentStateError(_("That is not a state an agent can choose."))
    agent = Agent.objects.select_for_update().select_related("user").get(pk=agent_id)
    if agent.state in CALL_STATES:
        wish = state if state in NEXT_STATES else ""
        if agent.next_state != wish:
            queue_next_state(agent=agent, state=wish)
        return agent
    if agent.state != state:
        change_agent_state(agent=agent, state=state, reason="chosen")
        if state == AgentState.AVAILABLE:
            offer_waiting_call(agent=agent)
    return agent
