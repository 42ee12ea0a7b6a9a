"""The bare relay the screen-pop benchmark compares against: the floor of its transport.

`POST /relay/<n>` sends its body to group `relay.<n>` and answers 202; a websocket on
`/ws/relay/<n>/` joins that group and forwards what arrives, as text. Same Daphne, same Channels
and the same channel layer as the product (configured from `console.settings`, so REDIS_URL picks
the same Redis and prefix), but no Django view, no database and no session: what remains is
HTTP parsing, one `group_send` through Redis and one websocket frame.

Lives in bench/ because the product must not carry benchmark-only endpoints. Served by
`daphne bench.relay_asgi:application` from the project folder.
"""

import os
import re

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

RELAY_PATH = re.compile(r"^/relay/(\d+)$")


def relay_group(listener: int | str) -> str:
    return f"relay.{listener}"


class RelaySocket(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = relay_group(self.scope["url_route"]["kwargs"]["listener"])
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def relay_message(self, event: dict) -> None:
        await self.send(text_data=event["text"])


async def _request_body(receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return body
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def _answer(send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def relay_http(scope, receive, send) -> None:
    found = RELAY_PATH.match(scope["path"])
    body = await _request_body(receive)
    if scope["method"] != "POST" or found is None:
        await _answer(send, 404, b'{"error": "POST /relay/<n> only"}')
        return
    await get_channel_layer().group_send(
        relay_group(found[1]), {"type": "relay.message", "text": body.decode()}
    )
    await _answer(send, 202, b'{"relayed": true}')


relay_websocket = URLRouter([path("ws/relay/<int:listener>/", RelaySocket.as_asgi())])

application = ProtocolTypeRouter({"http": relay_http, "websocket": relay_websocket})
