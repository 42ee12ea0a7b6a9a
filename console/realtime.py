"""The only door to the channel layer.

A message to an agent is first stored with the agent's next sequence number, then announced on
commit: the channel layer drops messages when a channel is full or slow (channels-redis is
at-most-once), so it only rings the bell, and a browser that missed something asks for it again
with `resume`.

Supervisors get the wallboard: any change marks it on commit, and one sender in any process sends
the whole picture to the supervisors' group at most once a second (`claim_stats_turn`), however
many events arrive. Group sends are costly with many members and drop under load, so a missed
message only means the next one (a second later) carries the figures.

Both sockets read their frames through `JsonFramesConsumer`.
"""

from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from console.agents.models import Agent, AgentMessage


class JsonFramesConsumer(AsyncJsonWebsocketConsumer):
    """A socket whose browser sends JSON objects. A frame it cannot read (binary, not JSON,
    nested past Python's stack) is answered `{"type": "error"}` and the socket stays open:
    Channels would otherwise raise, and the agent lose their calls over one bad message."""

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if text_data is None:
            await self.refuse(_("Send JSON text frames, not binary ones."))
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):
            await self.refuse(_("A message must be a JSON object."))
            return
        await self.receive_json(content, **kwargs)

    async def refuse(self, message: str) -> None:
        await self.send_json({"type": "error", "message": message})


# The contract promises at least 15 minutes of replay; a shift's worth is kept.
MESSAGES_KEPT_FOR = timedelta(hours=12)

SUPERVISOR_GROUP = "supervisors"
# At most one stats message a second to the supervisors' group (shared/PITFALLS.md).
STATS_INTERVAL_S = 1
_STATS_CHANGED_KEY = "wallboard:changed"
_STATS_SENT_KEY = "wallboard:sent"


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def send_to_agent(*, agent_id: int, body: dict) -> dict:
    """Store the message with the agent's next seq and announce it once the transaction
    commits. Returns the message as sent."""
    seq = _next_seq(agent_id)
    message = {**body, "seq": seq}
    AgentMessage.objects.create(agent_id=agent_id, seq=seq, body=message)
    transaction.on_commit(lambda: ring_agent(agent_id=agent_id, message=message))
    # Whatever an agent hears about (a call, a state) changes what supervisors see.
    announce_stats()
    return message


def _next_seq(agent_id: int) -> int:
    """The agent's next sequence number in one statement; the row lock it takes orders two
    messages to one agent (PostgreSQL and SQLite both know RETURNING)."""
    table = connection.ops.quote_name(Agent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq",
            [agent_id],
        )
        return cursor.fetchone()[0]


def ring_agent(*, agent_id: int, message: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(
        agent_group(agent_id), {"type": "agent.message", "message": message}
    )


def close_agent_sockets_on_commit(*, agent_id: int) -> None:
    """The agent's session ended or they may no longer take calls: every socket of theirs closes.
    Not stored: a socket that misses it finds out on its next check."""
    transaction.on_commit(
        lambda: async_to_sync(get_channel_layer().group_send)(
            agent_group(agent_id), {"type": "agent.signed_out"}
        )
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


def supervisor_group() -> str:
    return SUPERVISOR_GROUP


def announce_stats() -> None:
    """What the wallboard shows has changed: marked once the transaction commits, so a change
    that is rolled back is never announced. Cheap: one cache write, no channel-layer send."""
    transaction.on_commit(_mark_stats_changed)


def _mark_stats_changed() -> None:
    cache.set(_STATS_CHANGED_KEY, 1, timeout=None)


def claim_stats_turn() -> bool:
    """True for the one caller, in any process, that may send the wallboard now: something
    changed, and nothing went to the group in the last second. The change mark is cleared before
    the caller reads the figures, so a change committed while it reads is marked again and goes
    out in the next turn: none is lost."""
    if not cache.get(_STATS_CHANGED_KEY):
        return False
    if not cache.add(_STATS_SENT_KEY, 1, timeout=STATS_INTERVAL_S):
        return False
    cache.delete(_STATS_CHANGED_KEY)
    return True


def stats_turn_failed() -> None:
    """The figures could not be read: mark the change again for the next turn."""
    _mark_stats_changed()


async def send_stats(message: dict) -> None:
    await get_channel_layer().group_send(
        SUPERVISOR_GROUP, {"type": "stats.message", "message": message}
    )
