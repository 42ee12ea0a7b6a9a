from channels.generic.websocket import AsyncJsonWebsocketConsumer

# Close code sent before accepting: the browser sees the socket refused.
CLOSE_NOT_SIGNED_IN = 4401


class AgentConsumer(AsyncJsonWebsocketConsumer):
    """The agent's live channel: screen pops, call and agent state."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        await self.accept()
