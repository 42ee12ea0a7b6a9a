"""Calls the telephony system never ended, and agents stranded by them.

A call whose events stop (a lost `ended`, a PBX that crashed) would keep its agent "on a call"
for good, and every call routed past them would wait unseen. The sweeper (a beat task) closes a
call silent for longer than CALL_SILENCE_LIMIT_MINUTES and frees its agent for the next waiting
call; the agent can close such a call themselves from the console. Either way the contact says
why it ended (`end_reason`). Closing is an `ended` event of the call's own source, with an id made
from the contact, so it follows the path of every other event and two sweepers running at once
close a call once.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from console.agents.models import Agent, AgentState
from console.agents.presence import change_agent_state
from console.calls.events import handle_call_event, offer_waiting_call
from console.calls.screen import LIVE_CALL_STATES
from contacts.call_events import CallEventInput
from contacts.call_outcomes import record_end_reason
from contacts.models import LIVE_CONTACT_STATES, CallEventType, Contact, ContactState, EndReason

# One sweep closes at most this many calls; the next minute's takes the rest.
SWEEP_BATCH = 500


def _close_event(contact: Contact, type_: str, at, **fields) -> None:
    handle_call_event(
        source=contact.source,
        event=CallEventInput(
            event_id=f"console-close-{contact.pk}-{type_}",
            call_id=contact.call_id,
            type=type_,
            at=at,
            **fields,
        ),
    )


def close_call(*, contact: Contact, reason: str, at=None, end_after_call_work: bool) -> None:
    """End the contact's leg for `reason`. `end_after_call_work`: nobody is there to do it (the
    sweeper), so the agent is also made available, and offered the next waiting call."""
    at = at or timezone.now()
    agent = contact.agent
    _close_event(contact, CallEventType.ENDED, at)
    record_end_reason(contact=contact, reason=reason)
    contact.refresh_from_db(fields=["state"])
    if end_after_call_work and contact.state == ContactState.ENDED and agent is not None:
        _close_event(contact, CallEventType.WRAPUP_DONE, at, agent=agent.get_username())


def close_silent_calls(*, now=None) -> int:
    """Close every open call with no event for CALL_SILENCE_LIMIT_MINUTES, then free any agent
    left "on a call" without one. Safe to run twice at once: a call another sweep holds is
    skipped, and one it closed is no longer open."""
    now = now or timezone.now()
    silent_since = now - timedelta(minutes=settings.CALL_SILENCE_LIMIT_MINUTES)
    silent = list(
        Contact.objects.filter(state__in=LIVE_CONTACT_STATES, updated_at__lt=silent_since)
        .exclude(call_id="")
        .order_by("updated_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    closed = 0
    for contact_id in silent:
        with transaction.atomic():
            contact = (
                Contact.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("agent")
                .filter(pk=contact_id, state__in=LIVE_CONTACT_STATES, updated_at__lt=silent_since)
                .first()
            )
            if contact is None:
                continue
            close_call(contact=contact, reason=EndReason.SILENT, at=now, end_after_call_work=True)
            closed += 1
    free_stranded_agents()
    return closed


def free_stranded_agents() -> int:
    """An agent "on a call" with no live call (its leg closed by some other path) goes to
    after-call work if a call of theirs still waits for it, else to available, and is then
    offered the next waiting call."""
    freed = 0
    stranded = Agent.objects.filter(state=AgentState.ON_CALL).exclude(
        user__contacts__state__in=LIVE_CALL_STATES
    )
    for agent_id in list(stranded.values_list("pk", flat=True)):
        with transaction.atomic():
            agent = (
                Agent.objects.select_for_update(skip_locked=True)
                .select_related("user")
                .filter(pk=agent_id, state=AgentState.ON_CALL)
                .first()
            )
            if agent is None or agent.user.contacts.filter(state__in=LIVE_CALL_STATES).exists():
                continue
            if agent.user.contacts.filter(state=ContactState.ENDED).exists():
                change_agent_state(agent=agent, state=AgentState.WRAP_UP, reason="no live call")
            else:
                change_agent_state(agent=agent, state=AgentState.AVAILABLE, reason="no live call")
                offer_waiting_call(agent=agent)
            freed += 1
    return freed
