"""The agent's live channel: screen pops, call states and agent states, each with a per-agent
`seq`; `resume` replays what a reconnecting browser missed; `set_state` changes the agent's state.

The supervisor's live channel: the wallboard's `stats`, at once on connecting and then at most
once a second while anything changes.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model

from console.agents import AgentStateError
from console.call_handling import choose_agent_state
from console.live_stats import flush_wallboard, wallboard_snapshot
from console.models import Agent
from console.realtime import agent_group, messages_after, supervisor_group

logger = logging.getLogger(__name__)

# Close codes sent before accepting: the browser sees the socket refused.
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_AN_AGENT = 4403
CLOSE_NOT_A_SUPERVISOR = 4403
# How often a supervisor's socket asks whether the wallboard should go out: a change waits at
# most this long past the one-second spacing of stats messages.
WALLBOARD_TICK_S = 0.1
# A socket outlives a logout (channels#1324): the person is checked again this often.
WALLBOARD_RECHECK_S = 30


@database_sync_to_async
def _agent_for(user) -> tuple[int, int] | None:
    if not user.is_active or not user.has_perm("console.use_agent_console"):
        return None
    agent = Agent.objects.filter(user=user).values_list("pk", "last_seq").first()
    return agent


@database_sync_to_async
def _still_allowed(user_id: int) -> bool:
    """Channels never tells a consumer that its session ended: check again on every command."""
    agent = Agent.objects.select_related("user").filter(user_id=user_id).first()
    return bool(agent and agent.user.is_active and agent.user.has_perm("console.use_agent_console"))


class AgentConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        found = await _agent_for(user)
        if found is None:
            await self.close(code=CLOSE_NOT_AN_AGENT)
            return
        self.agent_id, self.last_sent = found
        self.group = agent_group(self.agent_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if not await _still_allowed(self.scope["user"].pk):
            await self.close(code=CLOSE_NOT_AN_AGENT)
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resume":
            await self.resume(content.get("last_seq"))
        elif kind == "set_state":
            await self.set_state(content.get("state"))
        else:
            await self.send_json({"type": "error", "message": f"Unknown message type {kind!r}."})

    async def resume(self, last_seq) -> None:
        if not isinstance(last_seq, int) or last_seq < 0:
            await self.send_json({"type": "error", "message": "resume needs last_seq >= 0."})
            return
        self.last_sent = last_seq
        await self._send_stored_after(last_seq)

    async def set_state(self, state) -> None:
        try:
            await database_sync_to_async(choose_agent_state)(agent_id=self.agent_id, state=state)
        except AgentStateError as error:
            await self.send_json({"type": "error", "message": str(error)})

    async def agent_message(self, event) -> None:
        """The bell from the channel layer. A gap means a message was dropped on the way: fetch
        it from storage; a repeat (already sent by a resume) is skipped."""
        message = event["message"]
        if message["seq"] <= self.last_sent:
            return
        if message["seq"] > self.last_sent + 1:
            await self._send_stored_after(self.last_sent)
            return
        await self.send_json(message)
        self.last_sent = message["seq"]

    async def _send_stored_after(self, seq: int) -> None:
        for message in await database_sync_to_async(messages_after)(
            agent_id=self.agent_id, seq=seq
        ):
            await self.send_json(message)
            self.last_sent = message["seq"]


@database_sync_to_async
def _may_watch_wallboard(user_id: int) -> bool:
    user = get_user_model().objects.filter(pk=user_id).first()
    return bool(user and user.is_active and user.has_perm("console.view_wallboard"))


class SupervisorConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        if not await _may_watch_wallboard(user.pk):
            await self.close(code=CLOSE_NOT_A_SUPERVISOR)
            return
        self.group = supervisor_group()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(await database_sync_to_async(wallboard_snapshot)())
        self.ticker = asyncio.create_task(self._tick(user.pk))

    async def disconnect(self, code) -> None:
        if hasattr(self, "ticker"):
            self.ticker.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _tick(self, user_id: int) -> None:
        loop = asyncio.get_running_loop()
        checked_at = loop.time()
        while True:
            await asyncio.sleep(WALLBOARD_TICK_S)
            try:
                await flush_wallboard()
            except Exception:  # a failed turn is retried at the next tick
                logger.exception("Sending the wallboard failed")
            if loop.time() - checked_at >= WALLBOARD_RECHECK_S:
                checked_at = loop.time()
                if not await _may_watch_wallboard(user_id):
                    await self.close(code=CLOSE_NOT_A_SUPERVISOR)
                    return

    async def receive_json(self, content, **kwargs) -> None:
        if not await _may_watch_wallboard(self.scope["user"].pk):
            self.ticker.cancel()
            await self.close(code=CLOSE_NOT_A_SUPERVISOR)
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "refresh":
            await self.send_json(await database_sync_to_async(wallboard_snapshot)())
        else:
            await self.send_json({"type": "error", "message": f"Unknown message type {kind!r}."})

    async def stats_message(self, event) -> None:
        await self.send_json(event["message"])
