"""The channel layer under a crowd: every agent's socket joins or leaves its group at once."""

import asyncio
import os

import pytest
from channels.layers import get_channel_layer

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the connection limit is the Redis layer's"
)

AGENTS = 300


@pytest.mark.asyncio
async def test_three_hundred_sockets_leave_their_groups_at_the_same_moment():
    layer = get_channel_layer()
    channels = [await layer.new_channel() for _ in range(AGENTS)]
    await asyncio.gather(*(layer.group_add(f"crowd.{i}", name) for i, name in enumerate(channels)))

    await asyncio.gather(
        *(layer.group_discard(f"crowd.{i}", name) for i, name in enumerate(channels))
    )

    await layer.flush()
