"""The only door to the channel layer.

A message to an agent is first stored with the agent's next sequence number, then announced on
commit: the channel layer drops messages when a channel is full or slow (channels-redis is
at-most-once), so it only rings the bell, and a browser that missed something asks for it again
with `resume`.
"""

from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from console.models import Agent, AgentMessage

# The contract promises at least 15 minutes of replay; a shift's worth is kept.
MESSAGES_KEPT_FOR = timedelta(hours=12)


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def send_to_agent(*, agent_id: int, body: dict) -> dict:
    """Store the message with the agent's next seq and announce it once the transaction
    commits. Returns the message as sent."""
    Agent.objects.filter(pk=agent_id).update(last_seq=F("last_seq") + 1)
    seq = Agent.objects.values_list("last_seq", flat=True).get(pk=agent_id)
    message = {**body, "seq": seq}
    AgentMessage.objects.create(agent_id=agent_id, seq=seq, body=message)
    transaction.on_commit(lambda: ring_agent(agent_id=agent_id, message=message))
    return message


def ring_agent(*, agent_id: int, message: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(
        agent_group(agent_id), {"type": "agent.message", "message": message}
    )


def messages_after(*, agent_id: int, seq: int) -> list[dict]:
    return list(
        AgentMessage.objects.filter(agent_id=agent_id, seq__gt=seq)
        .order_by("seq")
        .values_list("body", flat=True)
    )


def forget_old_messages(*, now=None) -> int:
    cutoff = (now or timezone.now()) - MESSAGES_KEPT_FOR
    deleted, _ = AgentMessage.objects.filter(created_at__lt=cutoff).delete()
    return deleted
