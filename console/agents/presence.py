"""Agents' states and routing: who takes the next call.

An offered call without a named agent goes to the longest-idle available agent of a desk that
serves the queue; with none free it waits, and the next agent who becomes available takes the
longest-waiting call. An agent on a call is never offered another.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from console.agents.models import Agent, AgentState, AgentStateChange
from console.realtime import close_agent_sockets_on_commit, send_to_agent
from contacts.models import Queue


class AgentStateError(Exception):
    """A state change the agent may not make now; the message says why."""


def change_agent_state(*, agent: Agent, state: str, reason: str, at=None) -> Agent:
    at = at or timezone.now()
    agent.state, agent.state_since = state, at
    Agent.objects.filter(pk=agent.pk).update(state=state, state_since=at)
    AgentStateChange.objects.create(agent=agent, state=state, at=at, reason=reason)
    send_to_agent(agent_id=agent.pk, body={"type": "agent_state", "state": state})
    return agent


def pick_available_agent(*, queue_name: str, named: str = "") -> Agent | None:
    """The named agent if free, else the longest-idle available agent of the queue's desk."""
    available = (
        Agent.objects.select_for_update(skip_locked=True)
        .select_related("user")
        .filter(state=AgentState.AVAILABLE, user__is_active=True)
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
