"""ASGI entry point: Django for HTTP, Channels consumers for websockets.

Websockets carry cookies cross-site, so every socket is checked against ALLOWED_HOSTS (Origin) and
authenticated by the Django session before a consumer sees it.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from console.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# What is loaded at start lives as long as the process. Frozen, it is no longer walked by each
# full garbage collection: some 60 ms of pause otherwise, in the middle of whichever request
# (a screen pop) allocated the object that triggered it (docs/BENCHMARKS.md). The URL
# configuration, and with it every view, is loaded first rather than by the first request.
get_resolver().url_patterns  # noqa: B018
gc.collect()
gc.freeze()
