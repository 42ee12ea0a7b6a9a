"""Beyond capacity, the API refuses early instead of queueing minutes of work.

Under Daphne every Django view of a process runs on one thread, one after another, so the
requests a process has accepted and not yet answered wait their turn. This ASGI middleware keeps
that count and a moving average of how long an API request takes; when the work already waiting
would hold a new request longer than `API_MAX_WAIT_SECONDS`, the request is answered at once,
before Django sees it: 503 in the API's error format, with `Retry-After`. Every write path is safe
to retry, so a telephony platform sends it again and nothing is lost; the agent's screen is never
minutes behind the phone. Health checks, pages and websockets are never shed.
"""

import json
import math
import time

from django.conf import settings

from console.integrations.errors import error_body

SHED_PREFIX = "/api/"
# Weight of the newest request in the moving average of request time.
SMOOTHING = 0.1


class ProcessLoad:
    """The API requests this process has accepted and not answered, and what one takes."""

    def __init__(self, *, first_guess_seconds: float = 0.02) -> None:
        self.in_flight = 0
        self.seconds_per_request = first_guess_seconds

    def expected_wait(self) -> float:
        return self.in_flight * self.seconds_per_request

    def admitted(self) -> int:
        """Count a request in; the number that were ahead of it."""
        self.in_flight += 1
        return self.in_flight - 1

    def finished(self, *, seconds: float, ahead: int) -> None:
        """A request answered `seconds` after it came, with `ahead` before it: in a queue
        served one at a time, its own share of that time is one part in `ahead + 1`."""
        self.in_flight -= 1
        own = seconds / (ahead + 1)
        self.seconds_per_request += SMOOTHING * (own - self.seconds_per_request)


def _busy_answer(wait: float) -> tuple[dict, bytes]:
    body = error_body(
        code="overloaded",
        message="The service has more work waiting than it can do in time. "
        "Send the request again after Retry-After seconds.",
    )
    start = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/json"),
            (b"retry-after", str(max(1, math.ceil(wait))).encode()),
        ],
    }
    return start, json.dumps(body).encode()


class ShedExcessRequests:
    """ASGI middleware for HTTP: see the module's docstring."""

    def __init__(self, application) -> None:
        self.application = application
        self.load = ProcessLoad()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(SHED_PREFIX):
            return await self.application(scope, receive, send)
        wait = self.load.expected_wait()
        if wait > settings.API_MAX_WAIT_SECONDS:
            start, body = _busy_answer(wait)
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return None
        ahead = self.load.admitted()
        started = time.monotonic()
        try:
            return await self.application(scope, receive, send)
        finally:
            self.load.finished(seconds=time.monotonic() - started, ahead=ahead)
