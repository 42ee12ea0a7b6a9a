"""The only door to the channel layer.

A message to an agent is first stored with the agent's next sequence number, then announced on
commit: the channel layer drops messages when a channel is full or slow (channels-redis is
at-most-once), so it only rings the bell, and a browser that missed something asks for it again
with `resume`.

Supervisors get the wallboard: any change gives the picture a new stamp on commit, and in each
process one loop (`StatsFanOut`) reads the figures and sends them to that process's supervisor
sockets at most once a second, however many events arrive and however many wallboards are open.
The figures are read once per process and not passed through Redis: a group send of the whole
picture to a hundred wallboards is a hundred copies through Redis and a hundred encodings.

An alert a supervisor must see at once (an agent's help sign) is rung to the group on commit
without waiting for the wallboard's turn (`alert_supervisors_on_commit`): such alerts are rare.

Both sockets read their frames through `JsonFramesConsumer`.

Redis down changes none of this: a bell that cannot be rung is given up (said in the log once, not
per message), and the browser, whose socket closed with Redis, asks for what it missed when it
reconnects (`resume`).
"""

import asyncio
import logging
import time
import uuid
from datetime import timedelta

from asgiref.sync import async_to_sync, sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from console.agents.models import Agent, AgentMessage
from console.redis_cache import REDIS_ERRORS, RETRY_AFTER_OUTAGE_S, Outage, cache_or

logger = logging.getLogger(__name__)

# How often an open socket renews its group membership, noticing within this long that a Redis
# restart lost it: 200 agents' sockets cost 100 small writes a second.
MEMBERSHIP_CHECK_S = 2

# "The server cannot serve this now; reconnect later": RFC 6455's 1013, which Channels does not
# let an application send, so in the application's range, after HTTP's 503.
CLOSE_TRY_AGAIN_LATER = 4503

channel_layer_outage = Outage("Redis channel layer")


class OutageAwareRedisChannelLayer(RedisChannelLayer):
    """channels-redis, except that a consumer whose receive fails for want of Redis gets a
    `channel_layer.lost` message instead of the error: left to itself the error ends the
    consumer, and the socket with an error (or its handshake with a 500)."""

    async def receive(self, channel):
        try:
            return await super().receive(channel)
        except REDIS_ERRORS as error:
            channel_layer_outage.failed(error)
            # Not straight back to Redis: the consumer closes its socket meanwhile.
            await asyncio.sleep(RETRY_AFTER_OUTAGE_S)
            return {"type": "channel_layer.lost"}

    async def rejoin(self, group: str, channel: str) -> bool:
        """Renew the channel's membership of the group; True when it had none, because the Redis
        that held it restarted empty while the socket's connection survived (redis-py's Retry
        reconnected it): the bells rung meanwhile went to nobody. group_add, with the answer."""
        connection = self.connection(self.consistent_hash(group))
        added = await connection.zadd(self._group_key(group), {channel: time.time()})
        await connection.expire(self._group_key(group), self.group_expiry)
        return added == 1


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

    async def channel_layer_lost(self, event) -> None:
        """Redis went away under an open socket (OutageAwareRedisChannelLayer): no bell can ring
        here now, and the group it joined may be gone with Redis. Closed with 4503, so the
        browser reconnects and resumes. Before the socket is accepted there is nothing to close:
        `connect` finds out for itself."""
        if getattr(self, "group", None) is None or getattr(self, "layer_lost", False):
            return
        self.layer_lost = True
        await self.close(code=CLOSE_TRY_AGAIN_LATER)

    async def group_rejoined(self, event) -> None:
        """The socket's membership was lost and is back (`_keep_membership`); what it may
        have missed meanwhile is the consumer's to send."""

    async def _keep_membership(self) -> None:
        rejoin = getattr(self.channel_layer, "rejoin", None)
        if rejoin is None:  # the in-memory layer lives and dies with this process
            return
        while True:
            await asyncio.sleep(MEMBERSHIP_CHECK_S)
            try:
                lost = await rejoin(self.group, self.channel_name)
            except REDIS_ERRORS:
                continue  # the receive loop finds out and closes the socket
            if lost:
                # Through the consumer's own channel, so it is handled in turn with the bells.
                await self.channel_layer.send(self.channel_name, {"type": "group.rejoined"})

    async def join_group_and_accept(self, group: str) -> bool:
        """Join the group its bells ring in, then accept. Without the channel layer (Redis down)
        the socket is accepted and closed at once with 4503 "try again later", not refused with
        a 500: the browser retries, and resumes from the database once it is back."""
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except REDIS_ERRORS as error:
            channel_layer_outage.failed(error)
            await self.accept()
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return False
        channel_layer_outage.succeeded()
        self.group = group
        await self.accept()
        self.membership_keeper = asyncio.create_task(self._keep_membership())
        return True

    async def disconnect(self, code) -> None:
        if hasattr(self, "membership_keeper"):
            self.membership_keeper.cancel()
        if not hasattr(self, "group"):
            return
        try:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        except REDIS_ERRORS as error:  # the group forgets a member it cannot reach
            channel_layer_outage.failed(error)


# The contract promises at least 15 minutes of replay; a shift's worth is kept.
MESSAGES_KEPT_FOR = timedelta(hours=12)

SUPERVISOR_GROUP = "supervisors"
# At most one stats message a second to each supervisor's socket (shared/PITFALLS.md).
STATS_INTERVAL_S = 1
_STATS_CHANGED_KEY = "wallboard:changed"
# How often each process's wallboard loop looks for a new stamp: a change waits at most this
# long past the one-second spacing.
STATS_TICK_S = 0.1


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


def _ring(group: str, event: dict) -> None:
    """A group send that never fails its caller: what it announces is stored already."""
    if channel_layer_outage.skipping():
        return
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except REDIS_ERRORS as error:
        channel_layer_outage.failed(error)
        return
    channel_layer_outage.succeeded()


def ring_agent(*, agent_id: int, message: dict) -> None:
    _ring(agent_group(agent_id), {"type": "agent.message", "message": message})


def close_agent_sockets_on_commit(*, agent_id: int) -> None:
    """The agent's session ended or they may no longer take calls: every socket of theirs closes.
    Not stored: a socket that misses it finds out on its next check."""
    transaction.on_commit(lambda: _ring(agent_group(agent_id), {"type": "agent.signed_out"}))


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
    cache_or(None, lambda: cache.set(_STATS_CHANGED_KEY, uuid.uuid4().hex, timeout=None))


def stats_stamp() -> str | None:
    """The stamp of the last committed change; None before any, or without Redis (then the
    wallboard waits)."""
    return cache_or(None, lambda: cache.get(_STATS_CHANGED_KEY))


class StatsFanOut:
    """This process's supervisor sockets, and the one loop that sends them the wallboard while
    any is open: when the stamp changed and a second has passed since the last send, the
    figures are read once (`read`), encoded once for the sockets that all show the same
    (`encode`), and handed to every socket (`socket.show_stats(figures, encoded)`).
    The stamp is read before the figures, so a change committed while they are read gets a new
    stamp and goes out in the next turn: none is lost."""

    def __init__(self, *, read, encode) -> None:
        self.read, self.encode = read, encode
        self.sockets: set = set()
        self.task: asyncio.Task | None = None
        self.sent_stamp: str | None = None
        self.sent_at = float("-inf")

    def join(self, socket) -> None:
        self.sockets.add(socket)
        loop = asyncio.get_running_loop()
        # A task of another loop (a test's, closed since) would never run again.
        if self.task is None or self.task.done() or self.task.get_loop() is not loop:
            self.task = loop.create_task(self._run())

    def leave(self, socket) -> None:
        self.sockets.discard(socket)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self.sockets:
            await asyncio.sleep(STATS_TICK_S)
            if loop.time() - self.sent_at < STATS_INTERVAL_S:
                continue
            try:
                await self.send_if_changed()
            except Exception:  # a failed turn is tried again at the next tick
                logger.exception("Sending the wallboard failed")

    async def send_if_changed(self) -> bool:
        stamp = await sync_to_async(stats_stamp, thread_sensitive=False)()
        if stamp is None or stamp == self.sent_stamp:
            return False
        figures = await self.read()
        encoded = self.encode(figures)
        self.sent_stamp, self.sent_at = stamp, asyncio.get_running_loop().time()
        for socket in list(self.sockets):
            try:
                await socket.show_stats(figures, encoded)
            except Exception:  # one closing socket does not keep the others waiting
                logger.exception("A wallboard socket could not be sent the figures")
        return True


def alert_supervisors_on_commit(*, message: dict) -> None:
    """Something a supervisor must see at once (an agent's help sign), to every supervisor's
    page on commit, apart from the once-a-second wallboard; the next wallboard carries it too,
    so a bell lost on the way costs a second, not the alert."""
    transaction.on_commit(
        lambda: _ring(SUPERVISOR_GROUP, {"type": "supervisor.alert", "message": message})
    )
    announce_stats()
