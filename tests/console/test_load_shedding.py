"""Beyond capacity the API answers 503 with Retry-After at once, stores nothing, and the same
request sent again once the work has drained is taken; pages and health checks are never shed.
Requests go through the real ASGI application, held in flight by a body not yet complete."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async

from console.asgi import application
from console.integrations.load_shedding import ProcessLoad
from contacts.models import CallEvent
from tests.console.scripted_day import set_up_people
from tests.factories import api_key

OFFER = {
    "event_id": "shed-1",
    "call_id": "shed-call",
    "type": "offered",
    "at": "2026-12-04T10:00:00+09:00",
    "queue": "loans",
    "from": "09012345678",
}


class Request:
    """One HTTP request to the ASGI application, its body sent in parts."""

    def __init__(self, path: str, *, body: bytes = b"", key: str = "", method: str = "POST"):
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"host", b"testserver"),
        ]
        if key:
            headers.append((b"authorization", f"Bearer {key}".encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.incoming: asyncio.Queue = asyncio.Queue()
        self.sent: list[dict] = []
        self.task = asyncio.ensure_future(application(scope, self.incoming.get, self._send))

    async def _send(self, message: dict) -> None:
        self.sent.append(message)

    def body(self, data: bytes, *, more: bool = False) -> None:
        self.incoming.put_nowait({"type": "http.request", "body": data, "more_body": more})

    async def response(self) -> tuple[int, dict, dict | None]:
        await asyncio.wait_for(self.task, timeout=30)
        start = next(m for m in self.sent if m["type"] == "http.response.start")
        headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        raw = b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")
        body = json.loads(raw) if headers.get("content-type") == "application/json" else None
        return start["status"], headers, body


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_event_beyond_the_waiting_bound_is_refused_at_once_and_taken_when_sent_again(
    settings,
):
    # One request in flight is already more waiting than this bound allows.
    settings.API_MAX_WAIT_SECONDS = 0.001
    await database_sync_to_async(set_up_people)()
    key = await database_sync_to_async(api_key)(scopes=["cti"], name="pbx")
    offer = json.dumps(OFFER).encode()
    holding = Request("/api/v1/cti/events", body=offer, key=key)
    holding.body(offer[:10], more=True)
    await asyncio.sleep(0.2)

    refused = Request("/api/v1/cti/events", body=offer, key=key)
    refused.body(offer)
    status, headers, body = await refused.response()
    health = Request("/healthz", method="GET")
    health.body(b"")
    _, _, health_body = await health.response()
    stored_while_busy = await database_sync_to_async(CallEvent.objects.count)()
    holding.body(offer[10:])
    held_status, _, _ = await holding.response()
    again = Request("/api/v1/cti/events", body=offer, key=key)
    again.body(offer)
    again_status, _, again_body = await again.response()

    assert status == 503
    assert int(headers["retry-after"]) >= 1
    assert body["error"]["code"] == "overloaded"
    assert "error" not in health_body  # the health report itself, not the refusal
    assert stored_while_busy == 0
    assert held_status == 202
    # The same event again: taken, and known as the one the held request stored.
    assert (again_status, again_body["duplicate"]) == (202, True)


def test_a_requests_own_time_is_its_share_of_the_queue_it_waited_in():
    load = ProcessLoad(first_guess_seconds=0.1)
    ahead = [load.admitted() for _ in range(10)]

    load.finished(seconds=1.0, ahead=ahead[-1])

    # 1 s behind nine others: 0.1 s of its own, as the guess was.
    assert load.seconds_per_request == pytest.approx(0.1)
    assert load.in_flight == 9
    assert load.expected_wait() == pytest.approx(0.9)
