"""The supervisor's live channel: the wallboard's `stats`, at once on connecting and then at most
once a second while anything changes, and alerts (an agent's help sign) the moment they happen.

`/ws/supervisor/?view=seat_map` is the seat map's socket: for a person allowed to see customers
its frames name each call's customer, written down as shown (console.supervision.seat_map);
every other socket's frames carry no customer."""

import asyncio
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from console.realtime import JsonFramesConsumer, supervisor_group
from console.supervision.seat_map import SEAT_MAP_PERMISSION, SeatMapViewer, without_customers
from console.supervision.wallboard import flush_wallboard, wallboard_snapshot

logger = logging.getLogger(__name__)

# Close codes sent before accepting: the browser sees the socket refused.
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_A_SUPERVISOR = 4403
# How often a supervisor's socket asks whether the wallboard should go out: a change waits at
# most this long past the one-second spacing of stats messages.
WALLBOARD_TICK_S = 0.1
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
        self.ticker = asyncio.create_task(self._tick(user.pk))

    async def disconnect(self, code) -> None:
        if hasattr(self, "ticker"):
            self.ticker.cancel()
        await super().disconnect(code)

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

    async def stats_message(self, event) -> None:
        await self.send_stats(event["message"])

    async def supervisor_alert(self, event) -> None:
        await self.send_json(event["message"])
