"""An agent's browser as the console's script behaves (static/js/agent-console.js): one socket,
reconnected by itself with a growing delay, `resume` from the last seq it saw on every open.
It keeps every message the server sent, so a test can tell a pop lost from one sent twice,
and how each connection attempt ended."""

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

RETRY_FIRST_S = 0.2
RETRY_MAX_S = 1.0


@dataclass
class Attempt:
    at: float
    opened: bool
    status: int | None = None  # the HTTP status of a refused handshake
    close_code: int | None = None


@dataclass
class AgentBrowser:
    ws_url: str
    origin: str
    cookie: str
    messages: list[dict] = field(default_factory=list)
    arrived_at: list[float] = field(default_factory=list)  # time.monotonic() of each message
    attempts: list[Attempt] = field(default_factory=list)
    last_seq: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> "AgentBrowser":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    @property
    def connected(self) -> bool:
        return (
            bool(self.attempts)
            and self.attempts[-1].opened
            and self.attempts[-1].close_code is None
        )

    def pops(self) -> list[dict]:
        return [message for message in self.messages if message["type"] == "screen_pop"]

    def popped_calls(self) -> list[str]:
        return [pop["contact"]["call_id"] for pop in self.pops()]

    def repeated_seqs(self) -> list[int]:
        seqs = [message["seq"] for message in self.messages if "seq" in message]
        return sorted({seq for seq in seqs if seqs.count(seq) > 1})

    def wait_for(self, condition, *, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"not seen within {timeout}s; pops: {self.popped_calls()}, "
                        f"attempts: {self.attempts[-5:]}"
                    )
                self._changed.wait(min(left, 0.2))

    def _note(self, change) -> None:
        with self._changed:
            change()
            self._changed.notify_all()

    async def _run(self) -> None:
        delay = RETRY_FIRST_S
        while not self._stop.is_set():
            attempt = Attempt(at=time.monotonic(), opened=False)
            self._note(lambda attempt=attempt: self.attempts.append(attempt))
            try:
                async with connect(
                    self.ws_url,
                    origin=self.origin,
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=5,
                ) as socket:
                    attempt.opened = True
                    delay = RETRY_FIRST_S
                    await socket.send(json.dumps({"type": "resume", "last_seq": self.last_seq}))
                    while not self._stop.is_set():
                        try:
                            frame = await asyncio.wait_for(socket.recv(), timeout=0.2)
                        except TimeoutError:
                            continue
                        self._note(lambda frame=frame: self._receive(json.loads(frame)))
                    return
            except InvalidStatus as refused:
                attempt.status = refused.response.status_code
            except ConnectionClosed as closed:
                attempt.close_code = closed.rcvd.code if closed.rcvd else 1006
            except (OSError, TimeoutError):
                attempt.close_code = 1006
            self._note(lambda: None)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    def _receive(self, message: dict) -> None:
        self.messages.append(message)
        self.arrived_at.append(time.monotonic())
        if isinstance(message.get("seq"), int):
            self.last_seq = max(self.last_seq, message["seq"])
