"""Screen-pop latency: from the telephony POST to the screen pop arriving on the agent's socket.

    .venv/bin/python bench/screen_pop.py [--customers 1000000] [--history-contacts 1000000]
        [--cases 200000] [--agents 200] [--calls 1000] [--rate 20] [--servers 1] [--reuse]
        [--json results.json] [--database-url postgres://postgres@127.0.0.1:5432/bench_screen_pop]
        [--redis-url redis://127.0.0.1:6379/5] [--format native,connect,twilio,cti-push]
        [--sweep 2,5,10,20,40] [--balancer]

Setup: empties the Redis database given (not 0); makes the PostgreSQL database again (its name
must start with "bench"; kept with --reuse) and migrates it (always: the tree moves); signs in
the agents (bench/screen_pop_agents.py); loads a million customers, a call history and cases
with SQL (bench/screen_pop_data.py; with --reuse it vacuums the tables earlier runs churned
instead); checks a sample of the generated records against the product's normalisation;
creates a `cti` API client.

Measurement: starts the product under Daphne (--servers N processes, POSTs and agents' sockets
spread over them), served with two more endpoints by bench/screen_pop_server.py, so that the
first process also takes the POSTs of
- the bare relay (bench/relay_asgi.py): the body to one socket, no Django, no database;
- the framework floor (bench/screen_pop_urls.py): Django and DRF as the CTI view runs them, then
  the body to one socket: the least any view on this stack could take.
The sockets listening to the relay and the floor are held by one more Daphne process of the same
application: held by the product's process, they would double the objects its garbage
collector walks, and with them its pauses, which no real deployment has.
Connects one socket per agent, and one per agent to the relay groups; then, in alternating
rounds so that the machine's noise falls on all alike, sends the same number of calls at the same
fixed rate to each: `offered` events without a named agent to the product (routing picks the
agent), and the same bodies to the relay and the floor. A call's latency runs from just before
its POST is written to the moment its frame (matched by call_id) is read from any socket.

--format adds, beside the native endpoint, the same calls through the telephony connectors in the
platforms' own formats (demo/telephony_formats.py writes them), each a phase of its own in every
round: `connect` times Amazon Connect's CONNECTED_TO_AGENT event (the first that names the agent,
so the one that pops; its INITIATED and QUEUED, which translate to nothing, are not sent),
`twilio` a signed TaskRouter `reservation.created`, `cti-push` a Zammad / sipgate `newCall`
ringing one user. These platforms route calls themselves: the bench, playing the platform, gives
each call the next agent of the queue's desk in turn. Their later moments follow in the same
formats; the CTI push, which has no wrap-up, ends its calls' after-call work with a native
`wrapup_done` (as the agent's console does).

Each agent stays on the call it was offered, so every answered call is ended and wrapped up
(`ended`, then `wrapup_done`) after --talk-seconds: agents come back through the product's own
path and routing keeps picking the longest-idle agent. Those events load the server as a real
PBX would, but are not counted. The first --warmup calls of each kind are not counted either.
Before each phase the bench waits until PostgreSQL runs nothing left over from the last one.

--sweep runs each rate in turn in one run (the relay, the floor and the pop at each) and prints
one row per rate. Beyond capacity the product refuses events with 503 and Retry-After: the bench
sends such an event again after that long, as a platform does, counts the refusals, and times the
pop from the first send. To measure another tree (an older commit) with this bench, copy this
folder into it and run it there: the product served is the tree the script lives in.

Prints a summary; --json writes every call's figures. Everything started is stopped at the end,
also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import re
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from urllib.parse import urlencode

import psycopg
import redis
from harness import (
    PROJECT,
    Started,
    machine_description,
    machine_line,
    manage,
    percentile,
    recreate_database,
    run_python,
    say,
    server_environment,
    start_daphne,
    start_haproxy,
    wait_until_answering,
)
from screen_pop_data import (
    DataSize,
    customer_phone,
    load_customers,
    loaded_customers,
    sample_records,
    unknown_phone,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TOKYO = timezone(timedelta(hours=9))
SCREEN_POP = "screen_pop"
RELAY = "relay"
FLOOR = "floor"
AIM_P99_MS = 50.0
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout|Full)\b: ")
AIM_P50_RATIO = 2.0
LOG_PREFIX = "bench-screen-pop"
FORMATS = ("native", "connect", "twilio", "cti-push")
TWILIO_AUTH_TOKEN = "bench-screen-pop-twilio-token"
# What each endpoint answers a call it took: 202 (the native API, Connect), 204 (TaskRouter),
# 200 (the CTI push, as Zammad expects).
ACCEPTED = {200, 202, 204}
# Sends of one request refused with Retry-After before the bench gives up on it.
MAX_RETRIES = 30


def telephony_formats() -> ModuleType:
    """The platforms' writers (demo/telephony_formats.py), with the project on the path."""
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))
    from demo import telephony_formats as formats

    return formats


# --- setting up --------------------------------------------------------------------------------


def empty_channel_layer(redis_url: str) -> None:
    """Groups outlive a killed Daphne for a day; stale members would make every ring of an
    earlier run's agent cost more. Only a numbered database other than 0 is emptied."""
    database = redis_url.rstrip("/").rsplit("/", 1)[-1]
    if not database.isdigit() or database == "0":
        sys.exit(f"--redis-url must name a database other than 0 (e.g. .../5), not {redis_url}")
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


def prepare_agents(options: argparse.Namespace, env: dict[str, str]) -> list[dict]:
    printed = run_python(
        "bench/screen_pop_agents.py",
        "--agents",
        str(options.agents),
        "--service-center",
        str(options.service_agents),
        env=env,
    )
    return json.loads(printed.strip().splitlines()[-1])


def check_generated_keys(database_url: str, customers: int) -> None:
    """The SQL must write what identity resolution would: compare a sample with the product's
    own normalisation (pure functions, no database)."""
    sys.path.insert(0, str(PROJECT))
    from customers.normalization import blocking_keys, match_keys

    numbers = random.Random(7).sample(range(1, customers + 1), min(50, customers))
    for number, payload, stored_keys, stored_blocks in sample_records(database_url, numbers):
        keys = match_keys(payload)
        # The SQL cannot read kana as romaji (the lb: key); everything else must be equal.
        expected_blocks = {block for block in blocking_keys(keys) if not block.startswith("lb:")}
        if keys.as_dict() != stored_keys or expected_blocks != stored_blocks:
            sys.exit(
                f"generated record {number} differs from customers.normalization:\n"
                f"  match keys {keys.as_dict()} vs stored {stored_keys}\n"
                f"  blocking keys {sorted(blocking_keys(keys))} vs {sorted(stored_blocks)}"
            )


def set_up_data(options: argparse.Namespace, env: dict[str, str], agent_ids: list[int]) -> None:
    size = DataSize(
        customers=options.customers,
        history_contacts=options.history_contacts,
        cases=options.cases,
    )
    say(
        f"Loading {size.customers:,} customers, {size.history_contacts:,} past calls and "
        f"{size.cases:,} cases with SQL ..."
    )
    started = time.monotonic()
    load_customers(options.database_url, size=size, agent_ids=agent_ids, say=say)
    say(f"Loaded in {time.monotonic() - started:.0f} s.")


def map_platform_ids(database_url: str, agents: list[dict]) -> None:
    """The admin's mappings for the simulated Connect ARNs and TaskRouter SIDs of our queues and
    the bench's agents (made again each run; they are a few rows)."""
    queues = ["loans", "atm"]
    rows = telephony_formats().platform_mappings(
        queues=queues, agents=[agent["username"] for agent in agents]
    )
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("DELETE FROM console_platformqueue")
        connection.execute("DELETE FROM console_platformagent")
        for platform, kind, external_id, ours in rows:
            if kind == "queue":
                connection.execute(
                    "INSERT INTO console_platformqueue (platform, external_id, queue_id) "
                    "SELECT %s, %s, id FROM contacts_queue WHERE name = %s",
                    (platform, external_id, ours),
                )
            else:
                connection.execute(
                    "INSERT INTO console_platformagent (platform, external_id, agent_id) "
                    "SELECT %s, %s, a.id FROM console_agent a JOIN auth_user u "
                    "ON u.id = a.user_id WHERE u.username = %s",
                    (platform, external_id, ours),
                )


def report_server_errors(server: Started) -> None:
    """Daphne's log is deleted at the end: show what went wrong in it first."""
    text = server.log_path.read_text(errors="replace")
    if "Traceback" not in text:
        return
    # A traceback ends with "module.Name: message"; count them by exception name.
    raised = Counter(
        line.split(":", 1)[0]
        for line in text.splitlines()
        if EXCEPTION_LINE.match(line) and not line.startswith("Exception inside application")
    )
    say(f"{server.name} logged {text.count('Traceback')} tracebacks: {dict(raised)}")


# --- HTTP without blocking the loop -------------------------------------------------------------


def _nothing() -> None:
    return None


class KeepAliveClient:
    """A minimal HTTP/1.1 client on asyncio streams: POSTs over a pool of kept-alive
    connections, one request at a time per connection, a new one opened when all are busy.
    Refused with 503 and Retry-After (the product shedding load), it sends again after that
    long, as a telephony platform does; `refused` counts those answers, `refused_bare` the 503s
    without Retry-After."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._all: list[asyncio.StreamWriter] = []
        self.refused = 0
        self.refused_bare = 0

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        if self._idle:
            reader, writer = self._idle.pop()
            return reader, writer, True
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._all.append(writer)
        return reader, writer, False

    async def post(
        self, path: str, body: bytes, headers: dict[str, str], mark_sent: Callable[[], None]
    ) -> tuple[int, bytes]:
        return await self.request("POST", path, body, headers, mark_sent)

    async def send(self, post, key: str, mark_sent: Callable[[], None] = _nothing):
        """A connector's post (demo.telephony_formats.Post), as its platform makes it: a form
        or JSON, its own headers."""
        headers = {"Authorization": f"Bearer {key}", **post.headers}
        if post.form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(post.body).encode()
        else:
            body = json.dumps(post.body).encode()
        return await self.request("POST", post.path, body, headers, mark_sent)

    async def request(
        self,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str],
        mark_sent: Callable[[], None],
    ) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json", **headers}
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Content-Length: {len(body)}\r\n{head}\r\n"
        ).encode() + body
        retries = 0
        while True:
            reader, writer, reused = await self._connection()
            mark_sent()
            writer.write(request)
            try:
                status, answer, keep, retry_after = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
                # A kept-alive connection the server closed meanwhile (all idle ones may be, after
                # a pause between phases): send again on the next, or on a new one (event ids
                # make a repeated event harmless). Only a new connection's failure is a failure.
                if reused:
                    continue
                raise
            if keep:
                self._idle.append((reader, writer))
            else:
                writer.close()
            if status == 503 and retry_after is not None and retries < MAX_RETRIES:
                self.refused += 1
                retries += 1
                await asyncio.sleep(retry_after)
                continue
            self.refused_bare += status == 503 and retry_after is None
            return status, answer

    def close(self) -> None:
        for writer in self._all:
            writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool, float | None]:
    """Status, body, whether the connection stays open, and Retry-After in seconds if sent."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for line in head[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    keep = headers.get("connection") != "close"
    retry_after = float(headers["retry-after"]) if "retry-after" in headers else None
    if status in (204, 304):  # no body, whatever the headers say
        return status, b"", keep, retry_after
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
        return status, body, keep, retry_after
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        return status, body, keep, retry_after
    return status, await reader.read(), False, retry_after


# --- calls and their timings -------------------------------------------------------------------


@dataclass
class Call:
    call_id: str
    kind: str  # SCREEN_POP, RELAY, FLOOR or a connector's (PlatformPopDriver.kind)
    caller: str  # "known", "unknown", or the kind for RELAY and FLOOR
    queue: str
    counted: bool
    due: float  # when the fixed rate says it should be sent
    arrival: asyncio.Future = field(repr=False)
    sent: float = math.nan
    answered: float = math.nan
    popped: float = math.nan
    status: int = 0
    agent: str = ""
    identified: bool | None = None
    repeated_frames: int = 0
    rate: float = 0.0  # calls per second of the phase it was sent in

    @property
    def latency_ms(self) -> float:
        return (self.popped - self.sent) * 1000

    @property
    def answer_ms(self) -> float:
        return (self.answered - self.sent) * 1000

    def as_json(self) -> dict:
        def rounded(value: float) -> float | None:
            return None if math.isnan(value) else round(value, 3)

        return {
            "call_id": self.call_id,
            "kind": self.kind,
            "caller": self.caller,
            "queue": self.queue,
            "counted": self.counted,
            "status": self.status,
            "agent": self.agent,
            "identified": self.identified,
            "latency_ms": rounded(self.latency_ms),
            "answer_ms": rounded(self.answer_ms),
            "late_ms": rounded((self.sent - self.due) * 1000),
            "repeated_frames": self.repeated_frames,
            "rate": self.rate,
        }


class Switchboard:
    """Calls waiting for their frame, by call_id, and the sockets' side of the matching."""

    def __init__(self) -> None:
        self.waiting: dict[str, Call] = {}
        self.unmatched_frames = 0

    def expect(self, call: Call) -> None:
        self.waiting[call.call_id] = call

    def arrived(self, call_id: str, at: float, agent: str, identified: bool | None) -> None:
        call = self.waiting.get(call_id)
        if call is None:
            self.unmatched_frames += 1
            return
        if not math.isnan(call.popped):
            call.repeated_frames += 1
            return
        call.popped, call.agent, call.identified = at, agent, identified
        if not call.arrival.done():
            call.arrival.set_result(None)

    def on_agent_frame(self, agent: str) -> Callable[[str, float], None]:
        def frame(raw: str, at: float) -> None:
            if f'"{SCREEN_POP}"' not in raw:  # call and agent states: not timed
                return
            message = json.loads(raw)
            if message.get("type") == SCREEN_POP:
                identified = message.get("customer") is not None
                self.arrived(message["contact"]["call_id"], at, agent, identified)

        return frame

    def on_relay_frame(self, listener: str) -> Callable[[str, float], None]:
        def frame(raw: str, at: float) -> None:
            self.arrived(json.loads(raw)["call_id"], at, listener, None)

        return frame


async def listen(socket_: ClientConnection, frame: Callable[[str, float], None]) -> None:
    try:
        async for raw in socket_:
            frame(raw if isinstance(raw, str) else raw.decode(), time.perf_counter())
    except ConnectionClosed:
        pass


def tokyo_time(offset_s: float = 0.0) -> str:
    return (datetime.now(TOKYO) + timedelta(seconds=offset_s)).isoformat(timespec="milliseconds")


@dataclass
class Traffic:
    """What every call is made of, for both kinds: same bodies, same headers."""

    run_tag: str
    api_key: str
    customers: int
    unknown_share: float
    atm_share: float
    talk_seconds: float
    pop_timeout: float
    rng: random.Random

    def event(self, *, call_id: str, caller_number: str, queue: str) -> dict:
        return {
            "event_id": f"{call_id}-offered",
            "call_id": call_id,
            "type": "offered",
            "at": tokyo_time(),
            "from": caller_number,
            "to": "0120000000",
            "queue": queue,
        }

    def caller(self) -> tuple[str, str]:
        if self.rng.random() < self.unknown_share:
            return "unknown", unknown_phone(self.rng.randrange(10_000_000))
        return "known", customer_phone(self.rng.randint(1, self.customers))

    def queue(self) -> str:
        return "atm" if self.rng.random() < self.atm_share else "loans"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def offered_call(
        self, *, call_id: str, kind: str, caller: str, phone: str, counted: bool, due: float
    ) -> tuple[Call, bytes]:
        """A call in a queue, and the body of its `offered` event."""
        call = Call(
            call_id=call_id,
            kind=kind,
            caller=caller,
            queue=self.queue(),
            counted=counted,
            due=due,
            arrival=asyncio.get_running_loop().create_future(),
        )
        event = self.event(call_id=call_id, caller_number=phone, queue=call.queue)
        return call, json.dumps(event).encode()


class ScreenPopDriver:
    """`offered` to the product; the pop is awaited, then the call is ended and wrapped up."""

    kind = SCREEN_POP
    accepted = 202

    def __init__(self, traffic: Traffic, clients: list[KeepAliveClient], board: Switchboard):
        self.traffic, self.clients, self.board = traffic, clients, board
        self.release_failures = 0

    def new_call(self, number: int, *, counted: bool, due: float) -> tuple[Call, bytes, str]:
        caller, phone = self.traffic.caller()
        call, body = self.traffic.offered_call(
            call_id=f"{self.traffic.run_tag}-pop-{number}",
            kind=self.kind,
            caller=caller,
            phone=phone,
            counted=counted,
            due=due,
        )
        return call, body, "/api/v1/cti/events"

    def client_for(self, number: int) -> KeepAliveClient:
        return self.clients[number % len(self.clients)]

    async def after_frame(self, call: Call, client: KeepAliveClient) -> None:
        await asyncio.sleep(self.traffic.talk_seconds)
        ends = (("ended", self.traffic.talk_seconds), ("wrapup_done", 30.0))
        self.release_failures += await post_native_events(client, self.traffic, call.call_id, ends)


async def post_native_events(
    client: KeepAliveClient, traffic: Traffic, call_id: str, kinds: tuple
) -> int:
    """A call's later native events, (type, seconds after now) each; how many were refused."""
    refused = 0
    for kind, offset in kinds:
        body = {"event_id": f"{call_id}-{kind}", "call_id": call_id, "type": kind}
        body["at"] = tokyo_time(offset)
        try:
            status, _ = await client.post(
                "/api/v1/cti/events", json.dumps(body).encode(), traffic.headers, _nothing
            )
        except (OSError, asyncio.IncompleteReadError):
            status = 0
        refused += status != 202
    return refused


class PlatformPopDriver:
    """The same calls through a telephony connector, in its platform's format; the platform
    routes, so each call names the next agent of its queue's desk in turn."""

    ACCEPTED = {"connect": 202, "twilio": 204, "cti-push": 200}

    def __init__(
        self,
        format_: str,
        traffic: Traffic,
        clients: list[KeepAliveClient],
        board: Switchboard,
        agents: list[dict],
        base_url: str,
    ):
        self.format, self.kind = format_, f"{SCREEN_POP}-{format_}"
        self.traffic, self.clients, self.board = traffic, clients, board
        formats = telephony_formats()
        self.writer = {
            "connect": formats.ConnectWriter,
            "twilio": lambda: formats.TaskRouterWriter(
                auth_token=TWILIO_AUTH_TOKEN, base_url=base_url
            ),
            "cti-push": formats.CtiPushWriter,
        }[format_]()
        self.agents: dict[str, list[str]] = {}
        for agent in agents:
            self.agents.setdefault(agent["desk"], []).append(agent["username"])
        self.turns: Counter = Counter()
        self.offers: dict[str, tuple] = {}  # the platform's call id: (ours, offer)
        self.accepted = self.ACCEPTED[format_]
        self.release_failures = 0

    def _agent(self, queue: str) -> str:
        desk = "service_center" if queue == "atm" else "contact_center"
        agents = self.agents[desk]
        self.turns[desk] += 1
        return agents[self.turns[desk] % len(agents)]

    def new_call(self, number: int, *, counted: bool, due: float) -> tuple[Call, bytes, str]:
        caller, phone = self.traffic.caller()
        native_id = f"{self.traffic.run_tag}-{self.format}-{number}"
        call, _ = self.traffic.offered_call(
            call_id=self.writer.call_id(native_id),
            kind=self.kind,
            caller=caller,
            phone=phone,
            counted=counted,
            due=due,
        )
        now = datetime.now(TOKYO)
        offered = {
            "call_id": native_id,
            "type": "offered",
            "at": now,
            "from": phone,
            "to": "0120000000",
            "queue": call.queue,
            "agent": self._agent(call.queue),
        }
        (offer, *_) = self.writer.posts(offered)
        if self.format == "connect":
            # INITIATED and QUEUED name no agent and translate to nothing: the event that pops
            # is the one that connects the agent.
            (offer,) = self.writer.posts({"call_id": native_id, "type": "answered", "at": now})
        self.offers[call.call_id] = (native_id, offer)
        return call, b"", offer.path

    def client_for(self, number: int) -> KeepAliveClient:
        return self.clients[number % len(self.clients)]

    async def offer(self, client: KeepAliveClient, call: Call, mark_sent) -> tuple[int, bytes]:
        return await client.send(self.offers[call.call_id][1], self.traffic.api_key, mark_sent)

    async def after_frame(self, call: Call, client: KeepAliveClient) -> None:
        await asyncio.sleep(self.traffic.talk_seconds)
        native_id, _ = self.offers.pop(call.call_id)
        now = datetime.now(TOKYO)
        moments = [("ended", self.traffic.talk_seconds), ("wrapup_done", 30.0)]
        if self.format != "connect":
            moments.insert(0, ("answered", 0.0))
        posts = []
        for kind, offset in moments:
            moment = {"call_id": native_id, "type": kind, "at": now + timedelta(seconds=offset)}
            posts += self.writer.posts(moment)
        for post in posts:
            try:
                status, _ = await client.send(post, self.traffic.api_key)
            except (OSError, asyncio.IncompleteReadError):
                status = 0
            if status not in (200, 202, 204):
                self.release_failures += 1
        if self.format == "cti-push":
            # The push has no wrap-up: the agent ends after-call work in the console.
            wrap_up = (("wrapup_done", 30.0),)
            self.release_failures += await post_native_events(
                client, self.traffic, call.call_id, wrap_up
            )


class RelayDriver:
    """The same bodies to the bare relay (kind RELAY) or the framework floor (FLOOR), each to
    one listening socket."""

    PATHS = {RELAY: "/relay/", FLOOR: "/api/v1/floor/"}

    def __init__(
        self,
        kind: str,
        traffic: Traffic,
        client: KeepAliveClient,
        board: Switchboard,
        listeners: int,
    ):
        self.kind, self.path = kind, self.PATHS[kind]
        self.accepted = 202
        self.traffic, self.client, self.board, self.listeners = traffic, client, board, listeners
        self.release_failures = 0

    def new_call(self, number: int, *, counted: bool, due: float) -> tuple[Call, bytes, str]:
        _, phone = self.traffic.caller()
        call, body = self.traffic.offered_call(
            call_id=f"{self.traffic.run_tag}-{self.kind}-{number}",
            kind=self.kind,
            caller=self.kind,
            phone=phone,
            counted=counted,
            due=due,
        )
        return call, body, f"{self.path}{number % self.listeners}"

    def client_for(self, number: int) -> KeepAliveClient:
        return self.client

    async def after_frame(self, call: Call, client: KeepAliveClient) -> None:
        return None


async def place_call(
    driver: ScreenPopDriver | RelayDriver | PlatformPopDriver,
    call: Call,
    body: bytes,
    path: str,
    number: int,
) -> None:
    client = driver.client_for(number)
    driver.board.expect(call)

    def mark_sent() -> None:
        # The first send: a call refused and sent again is as late as the agent sees it.
        if math.isnan(call.sent):
            call.sent = time.perf_counter()

    try:
        if isinstance(driver, PlatformPopDriver):
            call.status, _ = await driver.offer(client, call, mark_sent)
        else:
            call.status, _ = await client.post(path, body, driver.traffic.headers, mark_sent)
    except (OSError, asyncio.IncompleteReadError):
        return  # status 0: counted as failed
    call.answered = time.perf_counter()
    if call.status != driver.accepted:
        return
    # A frame later than this still counts, with its real latency, if it comes within the phase.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(call.arrival), timeout=driver.traffic.pop_timeout)
    await driver.after_frame(call, client)


async def run_phase(
    driver: ScreenPopDriver | RelayDriver | PlatformPopDriver,
    *,
    first: int,
    count: int,
    warmup: int,
    rate: float,
) -> list[Call]:
    """An open-loop stream: each call is sent at its time whether or not earlier ones have
    finished, so a slow answer cannot hide the delay of the calls behind it. Bounded: what has
    not finished by the phase's time limit is abandoned (its frame, if any, is kept)."""
    warming = f" after {warmup} warm-up calls" if warmup else ""
    say(f"  {driver.kind}: {count} calls at {rate:g}/s{warming}")
    start = time.perf_counter() + 0.05
    limit = (warmup + count) / rate + driver.traffic.pop_timeout + 2 * driver.traffic.talk_seconds
    deadline = start + limit + 60
    calls: list[Call] = []
    tasks = []
    for offset in range(warmup + count):
        due = start + offset / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        number = first + offset
        call, body, path = driver.new_call(number, counted=offset >= warmup, due=due)
        call.rate = rate
        calls.append(call)
        tasks.append(asyncio.create_task(place_call(driver, call, body, path, number)))
    _, unfinished = await asyncio.wait(tasks, timeout=max(deadline - time.perf_counter(), 1))
    for task in unfinished:
        task.cancel()
    await asyncio.gather(*unfinished, return_exceptions=True)
    if unfinished:
        say(f"  {len(unfinished)} calls unfinished at the phase's time limit")
    return calls


def busy_database_sessions(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state <> 'idle' AND pid <> pg_backend_pid()"
        ).fetchone()[0]


async def settle(database_url: str, *, limit_s: float = 300) -> None:
    """Wait until the database has no statement of the product's left running: a backlog left
    by one phase (requests still queued in Daphne's threads) must not fall on the next one."""
    deadline = time.perf_counter() + limit_s
    while time.perf_counter() < deadline:
        if await asyncio.to_thread(busy_database_sessions, database_url) == 0:
            return
        await asyncio.sleep(1)
    say(f"  the database was still busy after {limit_s:.0f} s; going on")


# --- sockets -----------------------------------------------------------------------------------


async def open_sockets(
    urls_and_frames: list[tuple[str, str | None, Callable[[str, float], None]]],
) -> tuple[list[ClientConnection], list[asyncio.Task]]:
    sockets, listeners = [], []
    for url, cookie, frame in urls_and_frames:
        origin = url.replace("ws://", "http://").split("/ws/")[0]
        headers = {"Cookie": cookie} if cookie else None
        socket_ = await connect(
            url, origin=origin, additional_headers=headers, proxy=None, max_size=None
        )
        sockets.append(socket_)
        listeners.append(asyncio.create_task(listen(socket_, frame)))
    return sockets, listeners


async def close_sockets(sockets: list[ClientConnection], listeners: list[asyncio.Task]) -> None:
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    for listener in listeners:
        listener.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Measurement:
    calls: list[Call]
    unmatched_frames: int
    release_failures: int
    agent_sockets_closed: int
    # (rate, kind) -> answers 503 with Retry-After / 503 without it, in that phase
    refused: dict[tuple[float, str], int] = field(default_factory=dict)
    refused_bare: dict[tuple[float, str], int] = field(default_factory=dict)


async def measure(
    options: argparse.Namespace,
    *,
    agents: list[dict],
    api_key: str,
    product: list[Started],
    listening_server: Started,
    entry_ports: list[int],
) -> Measurement:
    """The product's POSTs and agent sockets go to `entry_ports` (the processes, or the
    balancer in front of them); the relay's and the floor's POSTs to the first product process,
    their sockets to `listening_server`."""
    board = Switchboard()
    agent_sockets = [
        (
            f"ws://127.0.0.1:{entry_ports[n % len(entry_ports)]}/ws/agent/",
            f"sessionid={agent['session']}",
            board.on_agent_frame(agent["username"]),
        )
        for n, agent in enumerate(agents)
    ]
    relay_sockets = [
        (
            f"ws://127.0.0.1:{listening_server.port}/ws/relay/{n}/",
            None,
            board.on_relay_frame(f"relay{n}"),
        )
        for n in range(len(agents))
    ]
    sockets, listening = await open_sockets(agent_sockets + relay_sockets)
    say(f"Connected {len(agent_sockets)} agent sockets and {len(relay_sockets)} relay sockets.")
    traffic = Traffic(
        run_tag=uuid.uuid4().hex[:8],
        api_key=api_key,
        customers=options.customers,
        unknown_share=options.unknown_share,
        atm_share=options.atm_share,
        talk_seconds=options.talk_seconds,
        pop_timeout=options.pop_timeout,
        rng=random.Random(options.seed),
    )
    product_clients = [KeepAliveClient(port) for port in entry_ports]
    relay_client = KeepAliveClient(product[0].port)
    pops = ScreenPopDriver(traffic, product_clients, board)
    relays, floors = (
        RelayDriver(kind, traffic, relay_client, board, listeners=len(relay_sockets))
        for kind in (RELAY, FLOOR)
    )
    connectors = [
        PlatformPopDriver(
            format_,
            traffic,
            product_clients,
            board,
            agents,
            base_url=f"http://127.0.0.1:{product[0].port}",
        )
        for format_ in options.formats
        if format_ != "native"
    ]
    if len(entry_ports) > 1 and "twilio" in options.formats:
        sys.exit("--format twilio signs for one server's URL: use --servers 1")
    drivers = [relays, floors, *([pops] if "native" in options.formats else []), *connectors]
    calls: list[Call] = []
    refused: dict[tuple[float, str], int] = {}
    refused_bare: dict[tuple[float, str], int] = {}
    clients = [*product_clients, relay_client]
    per_round = math.ceil(options.calls / options.rounds)
    # Each rate's calls are numbered on from the last one's: every call is a new one.
    per_rate = options.calls + options.warmup
    try:
        for step, rate in enumerate(options.rates):
            for round_ in range(options.rounds):
                count = min(per_round, options.calls - round_ * per_round)
                warmup = options.warmup if round_ == 0 else 0
                say(f"Round {round_ + 1} of {options.rounds} at {rate:g} calls/s:")
                for driver in drivers:
                    first = step * per_rate + round_ * per_round
                    first += 0 if round_ == 0 else options.warmup
                    before = sum(c.refused for c in clients), sum(c.refused_bare for c in clients)
                    calls += await run_phase(
                        driver, first=first, count=count, warmup=warmup, rate=rate
                    )
                    await settle(options.database_url)
                    key = (rate, driver.kind)
                    refused[key] = refused.get(key, 0) + sum(c.refused for c in clients) - before[0]
                    refused_bare[key] = (
                        refused_bare.get(key, 0) + sum(c.refused_bare for c in clients) - before[1]
                    )
    finally:
        # A socket whose listener has ended was closed by the server during the run (a
        # consumer that raised is closed with 1011); a browser would reconnect, these do not.
        closed_early = sum(task.done() for task in listening[: len(agent_sockets)])
        await close_sockets(sockets, listening)
        for client in [*product_clients, relay_client]:
            client.close()
    return Measurement(
        calls=calls,
        unmatched_frames=board.unmatched_frames,
        release_failures=sum(driver.release_failures for driver in [pops, *connectors]),
        agent_sockets_closed=closed_early,
        refused=refused,
        refused_bare=refused_bare,
    )


# --- reporting ---------------------------------------------------------------------------------


@dataclass
class Figures:
    counted: int
    lost: int
    failed: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float
    answer_p50: float
    answer_p99: float
    frame_before_answer: float  # share of calls whose frame came before the HTTP answer

    def as_json(self) -> dict:
        return {name: round(value, 3) for name, value in self.__dict__.items()}


def figures_of(calls: list[Call]) -> Figures:
    counted = [call for call in calls if call.counted]
    failed = [call for call in counted if call.status not in ACCEPTED]
    arrived = [call for call in counted if call.status in ACCEPTED and not math.isnan(call.popped)]
    latencies = [call.latency_ms for call in arrived]
    answers = [call.answer_ms for call in counted if call.status in ACCEPTED]
    return Figures(
        counted=len(counted),
        lost=len(counted) - len(failed) - len(arrived),
        failed=len(failed),
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        max=max(latencies, default=math.nan),
        mean=sum(latencies) / len(latencies) if latencies else math.nan,
        answer_p50=percentile(answers, 0.50),
        answer_p99=percentile(answers, 0.99),
        frame_before_answer=(
            sum(call.popped < call.answered for call in arrived) / len(arrived)
            if arrived
            else math.nan
        ),
    )


def p50_ratio(slower: Figures, faster: Figures) -> float:
    return slower.p50 / faster.p50 if faster.p50 else math.nan


def sweep_rows(options: argparse.Namespace, measurement: Measurement) -> list[dict]:
    """One row per rate: the relay, the floor and the native pop at that rate."""
    rows = []
    for rate in options.rates:
        at_rate = [call for call in measurement.calls if call.rate == rate]
        relay, floor, pop = (
            figures_of([call for call in at_rate if call.kind == kind])
            for kind in (RELAY, FLOOR, SCREEN_POP)
        )
        rows.append(
            {
                "rate": rate,
                "relay_p50": relay.p50,
                "floor_p50": floor.p50,
                "pop": pop.as_json(),
                "pop_to_floor_p50": p50_ratio(pop, floor),
                "refused_with_retry_after": measurement.refused.get((rate, SCREEN_POP), 0),
                "refused_without_retry_after": measurement.refused_bare.get((rate, SCREEN_POP), 0),
            }
        )
    return rows


def print_sweep(options: argparse.Namespace, rows: list[dict]) -> None:
    say("")
    say(
        f"Sweep: POST -> frame, ms; {options.calls} counted calls of each kind per rate, "
        f"{options.servers} product Daphne process(es). 'refused': answers 503 with Retry-After "
        "(sent again after it; the pop's latency runs from the first send). 'answer': POST -> "
        "HTTP answer."
    )
    say(
        f"{'calls/s':>7} {'relay p50':>9} {'floor p50':>9} {'pop p50':>8} {'pop p95':>8} "
        f"{'pop p99':>8} {'lost':>5} {'failed':>6} {'refused':>7} {'no R-A':>6} {'pop/floor':>9} "
        f"{'answer p50':>10} {'answer p99':>10}"
    )
    for row in rows:
        pop = row["pop"]
        say(
            f"{row['rate']:>7g} {row['relay_p50']:>9.1f} {row['floor_p50']:>9.1f} "
            f"{pop['p50']:>8.1f} {pop['p95']:>8.1f} {pop['p99']:>8.1f} {pop['lost']:>5} "
            f"{pop['failed']:>6} {row['refused_with_retry_after']:>7} "
            f"{row['refused_without_retry_after']:>6} {row['pop_to_floor_p50']:>8.2f}x "
            f"{pop['answer_p50']:>10.1f} {pop['answer_p99']:>10.1f}"
        )
    say(
        f"Aims: at 20/s p99 < {AIM_P99_MS:g} ms; p50 <= 2x the floor at every rate up to 20; "
        "at 40/s 0 lost and every refusal with Retry-After."
    )


def report(options: argparse.Namespace, measurement: Measurement, machine: dict) -> dict:
    if options.sweep:
        rows = sweep_rows(options, measurement)
        print_sweep(options, rows)
        say(f"Machine: {machine_line(machine)}")
        return {
            "options": {k: v for k, v in vars(options).items() if k != "json"},
            "machine": machine,
            "sweep": rows,
            "calls": [call.as_json() for call in measurement.calls],
        }
    calls = measurement.calls
    relay = figures_of([call for call in calls if call.kind == RELAY])
    floor = figures_of([call for call in calls if call.kind == FLOOR])
    pop = figures_of([call for call in calls if call.kind == SCREEN_POP])
    by_caller = {
        caller: figures_of([c for c in calls if c.kind == SCREEN_POP and c.caller == caller])
        for caller in ("known", "unknown")
    }
    by_queue = {
        queue: figures_of([c for c in calls if c.kind == SCREEN_POP and c.queue == queue])
        for queue in ("loans", "atm")
    }
    ratio, floor_ratio, floor_to_relay = (
        p50_ratio(pop, relay),
        p50_ratio(pop, floor),
        p50_ratio(floor, relay),
    )
    counted_pops = [c for c in calls if c.kind == SCREEN_POP and c.counted and c.caller == "known"]
    unidentified = sum(1 for c in counted_pops if c.identified is False)
    lateness = [(c.sent - c.due) * 1000 for c in calls if not math.isnan(c.sent)]

    say("")
    say(
        f"Screen pop latency: POST -> frame on the socket, ms ({options.calls} calls of each "
        f"kind at {options.rate:g}/s, {options.rounds} alternating rounds, "
        f"{options.servers} product Daphne process(es))"
    )
    say(
        f"{'':14} {'calls':>6} {'lost':>5} {'failed':>6} {'p50':>7} {'p95':>7} {'p99':>7} "
        f"{'max':>7} {'mean':>7} {'answer p50':>11} {'answer p99':>11}"
    )
    connectors = {
        format_: figures_of([c for c in calls if c.kind == f"{SCREEN_POP}-{format_}"])
        for format_ in options.formats
        if format_ != "native"
    }
    rows = [("bare relay", relay), ("django floor", floor), ("screen pop", pop)]
    rows += [(f"via {name}", figures) for name, figures in connectors.items()]
    rows += [(f"  {name} caller", figures) for name, figures in by_caller.items()]
    rows += [(f"  queue {name}", figures) for name, figures in by_queue.items()]
    for name, f in rows:
        say(
            f"{name:14} {f.counted:>6} {f.lost:>5} {f.failed:>6} {f.p50:>7.1f} {f.p95:>7.1f} "
            f"{f.p99:>7.1f} {f.max:>7.1f} {f.mean:>7.1f} {f.answer_p50:>11.1f} "
            f"{f.answer_p99:>11.1f}"
        )
    say("")
    p99_met = pop.p99 < AIM_P99_MS
    ratio_met = ratio <= AIM_P50_RATIO
    say(
        f"p99 screen pop {pop.p99:.1f} ms: aim < {AIM_P99_MS:g} ms {'met' if p99_met else 'MISSED'}"
    )
    say(
        f"p50 screen pop / p50 relay = {pop.p50:.1f} / {relay.p50:.1f} = {ratio:.2f}x: "
        f"aim <= {AIM_P50_RATIO:g}x {'met' if ratio_met else 'MISSED'}"
    )
    say(
        f"p50 floor / p50 relay = {floor_to_relay:.2f}x: Django and DRF alone, no "
        f"database. p50 screen pop / p50 floor = {floor_ratio:.2f}x: the product's own work."
    )
    say(
        f"Frame before the HTTP answer: relay {relay.frame_before_answer:.0%}, "
        f"floor {floor.frame_before_answer:.0%}, "
        f"screen pop {pop.frame_before_answer:.0%}. Known callers not identified: {unidentified}. "
        f"Unmatched frames: {measurement.unmatched_frames}; end/wrap-up events refused: "
        f"{measurement.release_failures}. Agent sockets closed by the server: "
        f"{measurement.agent_sockets_closed}. Sender lateness p99 "
        f"{percentile(lateness, 0.99):.1f} ms, max {max(lateness, default=math.nan):.1f} ms."
    )
    say(f"Machine: {machine_line(machine)}")
    return {
        "options": {k: v for k, v in vars(options).items() if k != "json"},
        "machine": machine,
        "relay": relay.as_json(),
        "floor": floor.as_json(),
        "screen_pop": pop.as_json(),
        "screen_pop_by_caller": {k: v.as_json() for k, v in by_caller.items()},
        "screen_pop_by_queue": {k: v.as_json() for k, v in by_queue.items()},
        "connectors": {k: v.as_json() for k, v in connectors.items()},
        "ratio_p50": round(ratio, 3),
        "ratio_p50_to_floor": round(floor_ratio, 3),
        "aims": {"p99_under_50ms": p99_met, "p50_within_2x_relay": ratio_met},
        "known_callers_not_identified": unidentified,
        "unmatched_frames": measurement.unmatched_frames,
        "release_failures": measurement.release_failures,
        "agent_sockets_closed": measurement.agent_sockets_closed,
        "calls": [call.as_json() for call in calls],
    }


# --- the run -----------------------------------------------------------------------------------


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Screen-pop latency against a bare relay, on PostgreSQL and Redis."
    )
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench_screen_pop"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--history-contacts", type=int, default=1_000_000, help="past calls")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--service-agents", type=int, default=20, help="of --agents")
    parser.add_argument("--calls", type=int, default=1000, help="counted calls of each kind")
    parser.add_argument("--rate", type=float, default=20.0, help="calls per second")
    parser.add_argument(
        "--sweep",
        help="comma-separated calls per second, e.g. 2,5,10,20,40: each rate in turn in one run "
        "(relay, floor and pop at each), instead of --rate; prints one table row per rate",
    )
    parser.add_argument("--warmup", type=int, default=50, help="uncounted calls of each kind")
    parser.add_argument("--rounds", type=int, default=2, help="alternating relay/pop rounds")
    parser.add_argument("--servers", type=int, default=1, help="product Daphne processes")
    parser.add_argument(
        "--balancer",
        action="store_true",
        help="the product's POSTs and agent sockets through HAProxy (least connections) in "
        "front of the --servers processes, as in production, instead of spread by the bench",
    )
    parser.add_argument("--unknown-share", type=float, default=0.05)
    parser.add_argument("--atm-share", type=float, default=0.1)
    parser.add_argument("--talk-seconds", type=float, default=1.0)
    parser.add_argument("--pop-timeout", type=float, default=10.0, help="seconds; then lost")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures and every call here")
    parser.add_argument(
        "--format",
        default="native",
        help=f"comma-separated, of {', '.join(FORMATS)}: the endpoints the pops go through",
    )
    options = parser.parse_args()
    options.formats = [f.strip() for f in options.format.split(",") if f.strip()]
    try:
        options.rates = (
            [float(r) for r in options.sweep.split(",") if r.strip()]
            if options.sweep
            else [options.rate]
        )
    except ValueError:
        parser.error("--sweep takes calls per second separated by commas, e.g. 2,5,10,20,40")
    if not options.rates or min(options.rates) <= 0:
        parser.error("--sweep takes positive rates")
    if not options.formats or set(options.formats) - set(FORMATS):
        parser.error(f"--format takes {', '.join(FORMATS)}")
    if options.rate <= 0 or options.calls < 1 or options.rounds < 1 or options.servers < 1:
        parser.error("--rate, --calls, --rounds and --servers must be positive")
    if not 0 <= options.service_agents < options.agents:
        parser.error("--service-agents must be below --agents")
    return options


def prepare(options: argparse.Namespace, env: dict[str, str]) -> tuple[list[dict], str]:
    """The database, its customers, the signed-in agents and an API key."""
    if not options.reuse:
        say(f"Making {options.database_url} again ...")
        recreate_database(options.database_url)
    # Also on a kept database: other work may have added migrations since it was made.
    manage("migrate", "--verbosity", "0", env=env)
    agents = prepare_agents(options, env)
    if not options.reuse:
        set_up_data(options, env, [agent["agent_id"] for agent in agents])
    else:
        vacuum_call_tables(options.database_url)
    found = loaded_customers(options.database_url)
    if found != options.customers:
        sys.exit(f"the database holds {found:,} customers, not {options.customers:,}")
    check_generated_keys(options.database_url, options.customers)
    key = manage(
        "create_api_client", f"bench-pbx-{uuid.uuid4().hex[:8]}", "--scopes", "cti", env=env
    )
    say(f"{len(agents)} agents signed in and available; customers checked against normalisation.")
    return agents, key.strip().splitlines()[-1]


# What earlier runs' calls churned. In production autovacuum keeps them in shape; where it is
# off (as on the machines here), each agent row would drag thousands of dead versions along.
CALL_TABLES = (
    "console_agent",
    "console_agentmessage",
    "console_agentstatechange",
    "console_livecontactfigures",
    "console_livequeuefigures",
    "contacts_callevent",
    "contacts_contact",
)


def vacuum_call_tables(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        for table in CALL_TABLES:
            connection.execute(f"VACUUM ANALYZE {table}")


def stop_on_terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Ctrl-C and kill both end in the same cleanup; a shell that starts a job in the background
    # hands it SIGINT ignored, so the default handler is put back.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop_on_terminate)
    options = parse_options()
    # As in production: DEBUG off (Django would keep every query in memory), plain HTTP. The
    # key is fixed: the agents' sessions are made in another process and must verify in Daphne.
    env = server_environment(
        database_url=options.database_url,
        redis_url=options.redis_url,
        debug=False,
        secret_key="bench-screen-pop-not-a-secret-" + "x" * 40,
    )
    empty_channel_layer(options.redis_url)
    agents, api_key = prepare(options, env)
    map_platform_ids(options.database_url, agents)
    servers: list[Started] = []
    try:
        # The product's settings with the floor's URL added (bench/screen_pop_settings.py).
        served = {
            **env,
            "DJANGO_SETTINGS_MODULE": "bench.screen_pop_settings",
            "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        }
        servers = [
            start_daphne(
                "bench.screen_pop_server:application", env=served, name=name, log_prefix=LOG_PREFIX
            )
            for name in [*(f"product{n}" for n in range(options.servers)), "listening"]
        ]
        *product, listening_server = servers
        for server in servers:
            wait_until_answering(server, path="/healthz")
        entry_ports = [server.port for server in product]
        if options.balancer:
            balancer = start_haproxy(
                backends=[server.port for server in product], log_prefix=LOG_PREFIX
            )
            servers.append(balancer)
            wait_until_answering(balancer, path="/healthz")
            entry_ports = [balancer.port]
        say(
            f"Daphne: product on {[s.port for s in product]} (relay and floor POSTs on the "
            f"first), relay and floor sockets on {listening_server.port}; the product's POSTs "
            f"and agent sockets to {entry_ports}."
        )
        measurement = asyncio.run(
            measure(
                options,
                agents=agents,
                api_key=api_key,
                product=product,
                listening_server=listening_server,
                entry_ports=entry_ports,
            )
        )
        machine = machine_description(
            packages=("django", "channels", "channels-redis", "daphne"),
            database_url=options.database_url,
            redis_url=options.redis_url,
        )
        results = report(options, measurement, machine)
        if options.json:
            options.json.write_text(json.dumps(results, indent=1, default=str))
            say(f"Figures and every call written to {options.json}.")
    except KeyboardInterrupt:
        say("Interrupted.")
    finally:
        for server in servers:
            server.stop()
        for server in servers:
            report_server_errors(server)
            server.log_path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
