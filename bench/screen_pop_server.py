"""What bench/screen_pop.py serves from one Daphne: the product (with the framework floor of
bench/screen_pop_urls.py) and the bare relay of bench/relay_asgi.py, so that all three kinds of
call go through the same Daphne process and channel layer, as the issue asks.

Served by `daphne bench.screen_pop_server:application` from the project folder.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.screen_pop_settings")

from bench.relay_asgi import RELAY_PATH, relay_http, relay_websocket
from console.asgi import application as product


async def application(scope, receive, send) -> None:
    path = scope.get("path", "")
    if scope["type"] == "http" and RELAY_PATH.match(path):
        await relay_http(scope, receive, send)
    elif scope["type"] == "websocket" and path.startswith("/ws/relay/"):
        await relay_websocket(scope, receive, send)
    else:
        await product(scope, receive, send)
