"""Agents' states and routing: who takes the next call.

An offered call without a named agent goes to the longest-idle available agent of a desk that
serves the queue; with none free it waits, and the next agent who becomes available takes the
longest-waiting call. An agent on a call is never offered another.
"""

from django.utils import timezone

from console.agents.models import Agent, AgentState, AgentStateChange
from console.realtime import send_to_agent
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
        .filter(state=AgentState.AVAILABLE)
    )
    if named:
        agent = available.filter(user__username=named).first()
        if agent is not None:
            return agent
    if not queue_name:
        return None
    serving = Queue.objects.filter(name=queue_name).values("desk")
    return available.filter(desk__in=serving).order_by("state_since", "pk").first()
