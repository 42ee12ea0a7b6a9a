"""Agents' states, presence and routing: who takes the next call.

An offered call without a named agent goes to the longest-idle available agent of a desk that
serves the queue; with none free it waits, and the next agent who becomes available takes the
longest-waiting call. An agent on a call is never offered another.

Presence is the console's websocket: an agent whose every socket has been closed for longer than
`AGENT_PRESENCE_GRACE_SECONDS` (a closed tab, a lost network) is not at the desk. Routing passes
them by at once, and `console.calls.events.send_absent_agents_away` marks them away.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from console.agents.models import Agent, AgentState, AgentStateChange
from console.realtime import close_agent_sockets_on_commit, send_to_agent
from contacts.models import Queue


class AgentStateError(Exception):
    """A state change the agent may not make now; the message (lazy: translated where it is
    shown, in the agent's language) says why."""


# A state queued for after the call lasts through the call and its after-call work.
CALL_STATES = (AgentState.ON_CALL, AgentState.WRAP_UP)


def agent_state_message(agent: Agent) -> dict:
    return {"type": "agent_state", "state": agent.state, "next_state": agent.next_state or None}


def change_agent_state(*, agent: Agent, state: str, reason: str, at=None) -> Agent:
    at = at or timezone.now()
    agent.state, agent.state_since = state, at
    if state not in CALL_STATES:
        agent.next_state = ""
    Agent.objects.filter(pk=agent.pk).update(
        state=state, state_since=at, next_state=agent.next_state
    )
    AgentStateChange.objects.create(agent=agent, state=state, at=at, reason=reason)
    send_to_agent(agent_id=agent.pk, body=agent_state_message(agent))
    return agent


def queue_next_state(*, agent: Agent, state: str) -> Agent:
    """Break or offline once this call's after-call work ends; "" takes the wish back."""
    agent.next_state = state
    Agent.objects.filter(pk=agent.pk).update(next_state=state)
    send_to_agent(agent_id=agent.pk, body=agent_state_message(agent))
    return agent


def state_after_call(agent: Agent, *, now: datetime) -> str:
    """Where after-call work leads: the state the agent queued, away when nobody is at the
    console any more, else available."""
    if agent.next_state:
        return agent.next_state
    if is_absent(agent, now=now):
        return AgentState.AWAY
    return AgentState.AVAILABLE


def presence_grace() -> timedelta:
    return timedelta(seconds=settings.AGENT_PRESENCE_GRACE_SECONDS)


def is_absent(agent: Agent, *, now: datetime) -> bool:
    return (
        agent.open_sockets == 0
        and agent.socket_closed_at is not None
        and agent.socket_closed_at < now - presence_grace()
    )


def _absent(now: datetime) -> Q:
    return Q(open_sockets=0, socket_closed_at__lt=now - presence_grace())


def socket_opened(*, agent_id: int) -> None:
    Agent.objects.filter(pk=agent_id).update(
        open_sockets=F("open_sockets") + 1, socket_closed_at=None
    )


def socket_closed(*, agent_id: int, at: datetime | None = None) -> None:
    """One socket fewer; the last one to close starts the grace."""
    Agent.objects.filter(pk=agent_id).update(
        open_sockets=Greatest(F("open_sockets") - 1, Value(0)),
        socket_closed_at=Case(
            When(open_sockets__lte=1, then=Value(at or timezone.now())),
            default=F("socket_closed_at"),
        ),
    )


def absent_agents(*, now: datetime) -> list[Agent]:
    """Agents routing could still count on (available, or on a call) whose console has been
    closed past the grace, locked for the caller's transaction."""
    return list(
        Agent.objects.select_for_update(skip_locked=True)
        .select_related("user")
        .filter(_absent(now), state__in=[AgentState.AVAILABLE, AgentState.ON_CALL])
    )


def pick_available_agent(*, queue_name: str, named: str = "") -> Agent | None:
    """The named agent if free, else the longest-idle available agent of the queue's desk;
    never one whose console has been closed past the grace."""
    available = (
        Agent.objects.select_for_update(skip_locked=True)
        .select_related("user")
        .filter(state=AgentState.AVAILABLE, user__is_active=True)
        .exclude(_absent(timezone.now()))
    )
    if named:
        agent = available.filter(user__username=named).first()
        if agent is not None:
            return agent
    if not queue_name:
        return None
    serving = Queue.objects.filter(name=queue_name).values("desk")
    return available.filter(desk__in=serving).order_by("state_since", "pk").first()


AGENT_PERMISSION = "console.use_agent_console"


def may_take_calls(user) -> bool:
    return user.is_active and user.has_perm(AGENT_PERMISSION)


@transaction.atomic
def sign_out_agent(*, user, reason: str) -> None:
    """The person's session ended, or they were deactivated or lost the agent role: offline,
    so routing passes them by, and every socket of theirs closed."""
    agent = Agent.objects.select_for_update().filter(user=user).first()
    if agent is None:
        return
    if agent.state != AgentState.OFFLINE:
        change_agent_state(agent=agent, state=AgentState.OFFLINE, reason=reason)
    close_agent_sockets_on_commit(agent_id=agent.pk)


def signed_out_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        sign_out_agent(user=user, reason="signed out")


def signed_out_when_deactivated(sender, instance, **kwargs) -> None:
    if not instance.is_active:
        sign_out_agent(user=instance, reason="deactivated")


def signed_out_when_role_lost(sender, instance, action, **kwargs) -> None:
    """A change of the user's groups: without the agent role they take no more calls."""
    if action in ("post_remove", "post_clear") and isinstance(instance, get_user_model()):
        # Read the user again: has_perm caches the permissions on the instance.
        user = get_user_model().objects.get(pk=instance.pk)
        if not may_take_calls(user):
            sign_out_agent(user=user, reason="agent role removed")
