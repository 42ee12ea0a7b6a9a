"""The supervisor's live channel: the wallboard's `stats`, at once on connecting and then at most
once a second while anything changes, and alerts (an agent's help sign) the moment they happen.

`/ws/supervisor/?view=seat_map` is the seat map's socket: for a person allowed to see customers
its frames name each call's customer, written down as shown (console.supervision.seat_map);
every other socket's frames carry no customer."""

import asyncio
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from console.realtime import JsonFramesConsumer, supervisor_group
from console.supervision.seat_map import SEAT_MAP_PERMISSION, SeatMapViewer, without_customers
from console.supervision.wallboard import wallboard_fan_out, wallboard_snapshot

# Close codes sent before accepting: the browser sees the socket refused.
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_A_SUPERVISOR = 4403
# A socket outlives a logout (channels#1324): the person is checked again this often.
WALLBOARD_RECHECK_S = 30


@database_sync_to_async
def _may_watch_wallboard(user_id: int) -> bool:
    user = get_user_model().objects.filter(pk=user_id).first()
    return bool(user and user.is_active and user.has_perm("console.view_wallboard"))


@database_sync_to_async
def _may_see_customers(user_id: int) -> bool:
    user = get_user_model().objects.filter(pk=user_id).first()
    return bool(user and user.has_perm(SEAT_MAP_PERMISSION))


def _wants_seat_map(scope) -> bool:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query.get("view") == ["seat_map"]


class SupervisorConsumer(JsonFramesConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        if not await _may_watch_wallboard(user.pk):
            await self.close(code=CLOSE_NOT_A_SUPERVISOR)
            return
        self.seat_map = None
        if _wants_seat_map(self.scope) and await _may_see_customers(user.pk):
            self.seat_map = SeatMapViewer(viewer_id=user.pk)
        if not await self.join_group_and_accept(supervisor_group()):
            return
        await self.send_stats(await database_sync_to_async(wallboard_snapshot)())
        wallboard_fan_out.join(self)
        self.checker = asyncio.create_task(self._check_again(user.pk))

    async def disconnect(self, code) -> None:
        wallboard_fan_out.leave(self)
        if hasattr(self, "checker"):
            self.checker.cancel()
        await super().disconnect(code)

    async def _check_again(self, user_id: int) -> None:
        while True:
            await asyncio.sleep(WALLBOARD_RECHECK_S)
            if not await _may_watch_wallboard(user_id):
                await self.close(code=CLOSE_NOT_A_SUPERVISOR)
                return

    async def show_stats(self, figures: dict, plain_frame: str) -> None:
        """The fan-out's turn: the plain wallboard's frame comes encoded once for all sockets."""
        if self.seat_map is None:
            await self.send(text_data=plain_frame)
        else:
            await self.send_stats(figures)

    async def receive_json(self, content, **kwargs) -> None:
        if not await _may_watch_wallboard(self.scope["user"].pk):
            self.checker.cancel()
            await self.close(code=CLOSE_NOT_A_SUPERVISOR)
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "refresh":
            await self.send_stats(await database_sync_to_async(wallboard_snapshot)())
        else:
            await self.refuse(f"Unknown message type {kind!r}.")

    async def send_stats(self, message: dict) -> None:
        if self.seat_map is None:
            await self.send_json(without_customers(message))
            return
        new = self.seat_map.new_customers(message)
        if new:  # written down before they are shown
            await database_sync_to_async(self.seat_map.show)(new)
        await self.send_json(self.seat_map.named(message))

    async def supervisor_alert(self, event) -> None:
        await self.send_json(event["message"])
