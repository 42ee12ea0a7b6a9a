"""The agent's live channel: screen pops, call states and agent states, each with a per-agent
`seq`; `resume` replays what a reconnecting browser missed; `set_state` changes the agent's state.
A message it cannot take (not JSON, binary, an odd value) is answered with an error and the
socket stays open.
"""

from channels.db import database_sync_to_async

from console.agents.models import Agent
from console.agents.presence import AgentStateError
from console.calls.events import choose_agent_state
from console.realtime import JsonFramesConsumer, agent_group, messages_after

# Close codes sent before accepting: the browser sees the socket refused.
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_AN_AGENT = 4403


@database_sync_to_async
def _agent_for(user) -> tuple[int, int] | None:
    if not user.is_active or not user.has_perm("console.use_agent_console"):
        return None
    agent = Agent.objects.filter(user=user).values_list("pk", "last_seq").first()
    return agent


@database_sync_to_async
def _current_seq(agent_id: int) -> int:
    return Agent.objects.filter(pk=agent_id).values_list("last_seq", flat=True).get()


@database_sync_to_async
def _still_allowed(user_id: int) -> bool:
    """Channels never tells a consumer that its session ended: check again on every command."""
    agent = Agent.objects.select_related("user").filter(user_id=user_id).first()
    return bool(agent and agent.user.is_active and agent.user.has_perm("console.use_agent_console"))


class AgentConsumer(JsonFramesConsumer):
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
            await self.refuse(f"Unknown message type {kind!r}.")

    async def resume(self, last_seq) -> None:
        # JSON's true is Python's 1, and a last_seq past the agent's own would make the socket
        # skip every message until the count caught up: both are refused.
        if type(last_seq) is not int or last_seq < 0:
            await self.refuse("resume needs last_seq, a whole number >= 0.")
            return
        current = await _current_seq(self.agent_id)
        if last_seq > current:
            await self.refuse(f"resume needs last_seq <= {current}, the last message sent.")
            return
        self.last_sent = last_seq
        await self._send_stored_after(last_seq)

    async def set_state(self, state) -> None:
        if not isinstance(state, str):
            await self.refuse("set_state needs a state, as text.")
            return
        try:
            await database_sync_to_async(choose_agent_state)(agent_id=self.agent_id, state=state)
        except AgentStateError as error:
            await self.refuse(str(error))

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
