"""The transfer directory an agent picks from: every desk's queue with its callers waiting and
the wait a transferred caller may expect, and every other agent with their live state. Read in a
fixed number of queries (four), whatever the number of agents and queues.

The expected wait is a rule of thumb an agent can check by eye, not a forecast: the callers
ahead plus this one, times the queue's recent handle time, shared among the desk's agents at work
(available, on a call or in after-call work); none at all when an agent of the desk is free and
nobody waits."""

from collections import Counter
from statistics import mean

from django.db.models import Count

from console.agents.models import Agent, AgentState
from console.agents.presence import is_absent
from console.roles import display_name
from contacts.models import Contact, ContactState, Queue

# Handle times averaged: the queue's last calls, so a morning's mix counts, not last month's.
RECENT_CALLS = 200
# A queue with no call yet today: five minutes, about a loan desk's handle time.
DEFAULT_HANDLE_SECONDS = 300.0
AT_WORK = (AgentState.AVAILABLE, AgentState.ON_CALL, AgentState.WRAP_UP)


def transfer_directory(*, viewer, now) -> dict:
    """Queues and agents as the console's transfer box lists them; the viewer is left out."""
    # The viewer too: they are not listed, but they are one of their desk's hands.
    agents = list(Agent.objects.select_related("user").filter(user__is_active=True))
    waiting = dict(
        Contact.objects.filter(state=ContactState.WAITING, queue__isnull=False)
        .values_list("queue_id")
        .annotate(count=Count("pk"))
    )
    handle_seconds: dict[int, list[float]] = {}
    for queue_id, answered_at, wrapped_up_at in (
        Contact.objects.filter(
            state=ContactState.WRAPPED_UP, answered_at__isnull=False, queue__isnull=False
        )
        .order_by("-wrapped_up_at")
        .values_list("queue_id", "answered_at", "wrapped_up_at")[:RECENT_CALLS]
    ):
        handle_seconds.setdefault(queue_id, []).append(
            (wrapped_up_at - answered_at).total_seconds()
        )

    states = [(agent, _state(agent, now=now)) for agent in agents]
    listed = [(agent, state) for agent, state in states if agent.user_id != viewer.pk]
    at_work = Counter(agent.desk for agent, state in states if state in AT_WORK)
    free = Counter(agent.desk for agent, state in states if state == AgentState.AVAILABLE)
    queues = []
    for queue in Queue.objects.all():
        ahead = waiting.get(queue.pk, 0)
        recent = handle_seconds.get(queue.pk)
        handle = mean(recent) if recent else DEFAULT_HANDLE_SECONDS
        if free[queue.desk] and not ahead:
            expected = 0
        else:
            expected = round((ahead + 1) * handle / max(1, at_work[queue.desk]))
        queues.append(
            {
                "name": queue.name,
                "label": str(queue),
                "desk": queue.desk,
                "waiting": ahead,
                "expected_wait_s": expected,
            }
        )
    return {
        "queues": queues,
        "agents": [
            {
                "username": agent.user.get_username(),
                "name": display_name(
                    username=agent.user.get_username(),
                    last_name=agent.user.last_name,
                    first_name=agent.user.first_name,
                ),
                "desk": agent.desk,
                "state": state,
                # Only a free agent at an open console can take the call now.
                "reachable": state == AgentState.AVAILABLE,
            }
            for agent, state in sorted(
                listed, key=lambda pair: (pair[0].desk, pair[0].user.get_username())
            )
        ],
    }


def _state(agent: Agent, *, now) -> str:
    """The state the directory shows: an agent whose console is closed past the grace is away,
    whatever was last recorded, since routing would not reach them either."""
    if agent.state in (AgentState.AVAILABLE, AgentState.ON_CALL) and is_absent(agent, now=now):
        return AgentState.AWAY
    return agent.state
