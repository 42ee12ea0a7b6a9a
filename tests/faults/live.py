"""What the fault tests share: the telephony system's posts as a PBX sends them, answered with
whatever status came back, and the signed-in agent's cookie."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from django.test import Client


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict | None
    content_type: str
    retry_after: str | None


def post_event(base_url: str, key: str, *, timeout: float = 15, **event) -> Answer:
    event.setdefault("at", datetime.now(UTC).isoformat())
    request = Request(
        f"{base_url}/api/v1/cti/events",
        data=json.dumps(event).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urlopen(request, timeout=timeout) as response:
            return _answer(response.status, response.headers, response.read())
    except HTTPError as refused:
        return _answer(refused.code, refused.headers, refused.read())
    except (URLError, ConnectionError, TimeoutError) as error:
        return Answer(status=0, body={"error": str(error)}, content_type="", retry_after=None)


def _answer(status: int, headers, content: bytes) -> Answer:
    content_type = headers.get("Content-Type", "")
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = None
    return Answer(status, body, content_type, headers.get("Retry-After"))


def get_json(url: str) -> tuple[int, dict | None]:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"null")


def offer_and_end(base_url: str, key: str, call_id: str) -> list[Answer]:
    """A call offered to whoever is free and hung up unanswered: the agent it rang for is
    available again at once, for the next one."""
    return [
        post_event(
            base_url,
            key,
            event_id=f"{call_id}-offered",
            call_id=call_id,
            type="offered",
            queue="loans",
            **{"from": "0312345678"},
        ),
        post_event(base_url, key, event_id=f"{call_id}-ended", call_id=call_id, type="ended"),
    ]


def signed_in_cookie(user) -> str:
    web = Client()
    web.force_login(user)
    return f"sessionid={web.cookies['sessionid'].value}"
