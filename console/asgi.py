"""ASGI entry point: Django for HTTP, Channels consumers for websockets.

Websockets carry cookies cross-site, so every socket's Origin is checked — scheme, host and port,
against the console's own address and CSRF_TRUSTED_ORIGINS — and the socket is authenticated by
the Django session before a consumer sees it. API requests beyond what the process can answer
in time are refused first (`console/integrations/load_shedding.py`).
"""

import gc
import os
from urllib.parse import urlparse

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import WebsocketDenier  # noqa: E402
from django.conf import settings  # noqa: E402
from django.http.request import split_domain_port, validate_host  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from console.integrations.load_shedding import ShedExcessRequests  # noqa: E402
from console.routing import websocket_urlpatterns  # noqa: E402

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL, the default port filled in."""
    try:
        parts = urlparse(url)
        port = parts.port
    except ValueError:  # a port out of range
        return None
    if not parts.hostname:
        return None
    return (parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS.get(parts.scheme, 0))


def _own_origin(scope, host: str) -> tuple[str, str, int] | None:
    """The origin of the console's pages at the address this socket was opened at."""
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    headers = dict(scope.get("headers") or [])
    secure = scope.get("scheme") == "wss" or headers.get(b"x-forwarded-proto") == b"https"
    return _origin(f"{'https' if secure else 'http'}://{host}")


def origin_allowed(scope) -> bool:
    """A socket opens only from the console's own pages: its Origin must be, scheme, host and
    port alike, the address the socket was opened at (a Host in ALLOWED_HOSTS) or one of
    CSRF_TRUSTED_ORIGINS (the public address behind a proxy). Channels' own check compared host
    names only, so http://console:9999, or https:// on a plain-http console, passed."""
    headers = dict(scope.get("headers") or [])
    sent = headers.get(b"origin", b"").decode("latin1")
    origin = _origin(sent) if sent else None
    if origin is None:
        return False
    host = headers.get(b"host", b"").decode("latin1")
    if not host:
        # Browsers always send a Host; only an in-process client (Channels' test communicator)
        # leaves it out. Origin checks guard against browsers, so such a socket is judged by
        # the host name alone, as Channels did.
        return validate_host(origin[1], settings.ALLOWED_HOSTS)
    trusted = {_origin(allowed) for allowed in settings.CSRF_TRUSTED_ORIGINS if "*" not in allowed}
    return origin in trusted or origin == _own_origin(scope, host)


class SameOriginValidator:
    """Refuses a socket whose Origin is not the console's own (`origin_allowed`); both lists
    are read per socket, not once at import."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": ShedExcessRequests(django_asgi_app),
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# What is loaded at start lives as long as the process. Frozen, it is no longer walked by each
# full garbage collection: some 60 ms of pause otherwise, in the middle of whichever request
# (a screen pop) allocated the object that triggered it (docs/BENCHMARKS.md). The URL
# configuration, and with it every view, is loaded first rather than by the first request.
get_resolver().url_patterns  # noqa: B018
gc.collect()
gc.freeze()
