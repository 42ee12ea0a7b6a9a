"""The agent console's screen pop in a real browser: from the POST of `offered` to the caller's
name on the agent's screen, and to the money facts (balance, limit, next payment, days past due)
on it, beside the same for a bare page fed by a bare relay; with a floor's worth of other agents'
consoles connected.

    .venv/bin/python bench/console_e2e.py [--database sqlite|postgres] [--calls 100]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_console_e2e] [--redis-url URL]
        [--agents 50]

It makes its own database (a temporary SQLite file, or a PostgreSQL database whose name must
start with "bench", dropped and made again), migrates it, creates one contact-center agent,
one customer per call (distinct names and phones) and a `cti` API key, and starts two Daphne
processes on free ports: the product (`console.asgi`) and the bare relay (`bench/relay_asgi.py`:
`POST /relay/<n>` to a websocket on `/ws/relay/<n>/`, same Channels and channel layer, no Django
view, no database). A small HTTP server in this script serves the bare page: it opens a
websocket to the relay and writes the caller's name from each message into the page, nothing
else. Headless Chromium (Debian's /usr/bin/chromium) opens both: the console signed in through
the login form and set available, and the bare page.

The other agents (`--agents`, 50 with the measured one): each has a session made here and one
websocket to `/ws/agent/` opened by this script (websockets, not browsers: a console's socket is
what the server carries for it), which resumes and reads every message as a console does. They
are on break, so every call still goes to the measured agent; their sockets, presence and groups
are what the server and the channel layer carry besides.

Each call: POST `offered` (a known caller, queue `loans`, routed to the agent) and wait for the
name; then POST `ended` and `wrapup_done` and wait until the console shows the agent available
again. The relay gets the same screen-pop JSON the console received (captured from the
console's socket in the warm-up), with the call's name, POSTed the same way; the two are
interleaved call by call so both see the same machine load.

How the time is taken: in the page, not by polling. A MutationObserver (installed on both
pages alike) sees the element `#caller-name` being added and stamps
`performance.timeOrigin + performance.now()` in its callback, i.e. right after the page's
message handler wrote the DOM ("in the DOM"); it then stamps again after the next animation
frame (`requestAnimationFrame` then `setTimeout 0`, "next frame"), when the browser has
produced the frame that shows it. The harness reads the stamps from the page
(Playwright's wait_for_function waits for them, but its polling time is not used). The same
observer stamps `#money-facts` (the accounts' figures, drawn blurred until the identity check
passes: painted, not yet readable) on the console; the bare page has no such part. The POST's
start is the harness's wall clock just before the request is written; the page's clock is
aligned to the harness's by the round trip of `page.evaluate` with the smallest delay (the
offset's uncertainty, half that round trip, is printed: well under a millisecond).

Nothing is written to docs: copy the figures to docs/BENCHMARKS.md by hand. Both servers are
stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from harness import (
    Started,
    drop_database,
    free_port,
    manage,
    percentile,
    recreate_database,
    server_environment,
    set_up_django,
    start_daphne,
    wait_until_answering,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AGENT = "agent001"
PASSWORD = "bench-console-pass-1"
WAIT_MS = 10_000
AIM_P95_MS = 250
OTHER_AGENTS_STATE = "break"
# Twelve surnames by twelve given names, as the loan desk writes them: 144 distinct callers.
SURNAMES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"),
]  # fmt: skip
GIVEN = [
    ("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("次郎", "ジロウ"),
    ("美咲", "ミサキ"), ("健太", "ケンタ"), ("陽菜", "ヒナ"), ("翔太", "ショウタ"),
    ("結衣", "ユイ"), ("大輔", "ダイスケ"), ("真理", "マリ"), ("拓也", "タクヤ"),
]  # fmt: skip

# Installed alike on both pages: stamps the moment `#caller-name` enters the DOM, and the next
# frame after it, on the wall clock (performance.timeOrigin + performance.now()).
OBSERVER = """() => {
  window.benchPops = [];
  const clock = () => performance.timeOrigin + performance.now();
  const find = (node, id) => (node.id === id ? node : node.querySelector(`#${id}`));
  new MutationObserver((changes) => {
    const at = clock();
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE) continue;
        const name = find(node, "caller-name");
        if (!name) continue;
        const money = find(node, "money-facts");
        const entry = {
          name: name.textContent, dom: at, frame: null,
          money_dom: money && money.querySelector("dl.money") ? at : null, money_frame: null,
        };
        window.benchPops.push(entry);
        requestAnimationFrame(() => setTimeout(() => {
          entry.frame = clock();
          if (entry.money_dom !== null) entry.money_frame = entry.frame;
        }, 0));
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
}"""

BARE_PAGE = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>bare relay page</title>
<link rel="icon" href="data:,"></head>
<body><p id="connection" data-connected="false"></p><div id="screen-pop"></div>
<script>
  const socket = new WebSocket("ws://127.0.0.1:RELAY_PORT/ws/relay/1/");
  socket.addEventListener("open", () => {
    document.getElementById("connection").dataset.connected = "true";
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    const box = document.createElement("div");
    const name = document.createElement("h3");
    name.id = "caller-name";
    name.textContent = message.customer.name;
    box.append(name);
    document.getElementById("screen-pop").replaceChildren(box);
  });
</script></body></html>
"""


# --- setting up --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    name: str
    phone: str


def callers(count: int) -> list[Caller]:
    if count > len(SURNAMES) * len(GIVEN):
        sys.exit(f"at most {len(SURNAMES) * len(GIVEN)} calls (distinct callers)")
    return [
        Caller(
            name=f"{SURNAMES[n // len(GIVEN)][0]} {GIVEN[n % len(GIVEN)][0]}",
            phone=f"090-{1000 + n:04d}-{5000 + n:04d}",
        )
        for n in range(count)
    ]


def prepare_data(
    env: dict[str, str], people: list[Caller], *, agents: int
) -> tuple[str, list[str]]:
    """The agent, the other agents with a session each, one customer per caller and a `cti`
    key, through the product's own functions (in this process, before the browser starts).
    Returns the key and the other agents' session keys."""
    set_up_django(env)
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connections
    from django.utils import timezone

    from console.agents.models import Agent
    from console.integrations.clients import create_api_client
    from console.roles import assign_role
    from customers.resolution import ingest_source_records

    user = get_user_model().objects.create_user(username=AGENT, password=PASSWORD)
    assign_role(user=user, role="agent")
    Agent.objects.create(
        user=user, desk="contact_center", state="offline", state_since=timezone.now()
    )
    sessions = []
    for n in range(2, agents + 1):
        other = get_user_model().objects.create_user(username=f"agent{n:03d}", password=PASSWORD)
        assign_role(user=other, role="agent")
        Agent.objects.create(
            user=other, desk="contact_center", state=OTHER_AGENTS_STATE, state_since=timezone.now()
        )
        # A session as the login form would leave it.
        session = SessionStore()
        session[SESSION_KEY] = str(other.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = other.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    records = []
    for n, person in enumerate(people):
        surname, given = divmod(n, len(GIVEN))
        records.append(
            {
                "external_id": f"L-{n:06d}",
                "customer_number": f"C{n:07d}",
                "name": person.name,
                "name_kana": f"{SURNAMES[surname][1]} {GIVEN[given][1]}",
                "birth_date": f"{1960 + n % 40}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "phones": [person.phone],
                "accounts": [
                    {
                        "kind": "loan",
                        "number": f"4980{n:08d}",
                        "status": "delinquent" if n % 7 == 0 else "active",
                        "balance": 300_000 + 1_000 * n,
                        "credit_limit": 500_000,
                        "next_due_date": "2026-12-27",
                        "next_due_amount": 12_000,
                        "days_past_due": 12 if n % 7 == 0 else 0,
                    },
                    {"kind": "card", "number": f"4111{n:012d}"},
                ],
            }
        )
    outcome = ingest_source_records(system="loan_cc", records=records)
    created = {result.customer_id for result in outcome.results}
    if len(created) != len(people):
        sys.exit(f"expected {len(people)} distinct customers, resolution made {len(created)}")
    key = create_api_client(name="bench-console-e2e", scopes=["cti"]).key
    for connection in connections.all():
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
    return key, sessions


class OtherConsoles:
    """The other agents' console sockets, held open in a thread of their own for the run: each
    connects with its session, resumes, and reads whatever comes as a console would."""

    def __init__(self, *, port: int, sessions: list[str]):
        self.port, self.sessions = port, sessions
        self.connected = 0
        self.received = 0
        self.closed_early = 0
        self.ready = threading.Event()
        self.stopping = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> OtherConsoles:
        self.thread.start()
        if not self.ready.wait(60):
            sys.exit("the other agents' sockets did not all connect within 60 s")
        return self

    def __exit__(self, *exc) -> None:
        if self.stopping is not None:
            self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(30)

    def _run(self) -> None:
        import asyncio

        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self._hold_all())

    async def _hold_all(self) -> None:
        import asyncio

        self.stopping = asyncio.Event()
        tasks = [asyncio.create_task(self._hold(key)) for key in self.sessions]
        while self.connected < len(self.sessions) and not all(t.done() for t in tasks):
            await asyncio.sleep(0.05)
        self.ready.set()
        await self.stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _hold(self, session_key: str) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        origin = f"http://127.0.0.1:{self.port}"
        async with connect(
            f"ws://127.0.0.1:{self.port}/ws/agent/",
            origin=origin,
            additional_headers={"Cookie": f"sessionid={session_key}"},
        ) as socket:
            await socket.send(json.dumps({"type": "resume", "last_seq": 0}))
            self.connected += 1
            try:
                async for _ in socket:
                    self.received += 1
            except ConnectionClosed:
                self.closed_early += 1


def serve_bare_page(relay_port: int) -> tuple[ThreadingHTTPServer, int]:
    page = BARE_PAGE.replace("RELAY_PORT", str(relay_port)).encode()

    class BarePage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), BarePage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


# --- measuring ---------------------------------------------------------------------------------


def wall_ms() -> float:
    return time.time() * 1000


class Poster:
    """POSTs over one kept-alive connection, as a telephony gateway would."""

    def __init__(self, port: int, headers: dict[str, str]):
        self.port = port
        self.headers = {"Content-Type": "application/json", **headers}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, body: str) -> dict:
        for attempt in (1, 2):
            try:
                self.connection.request("POST", path, body=body.encode(), headers=self.headers)
                response = self.connection.getresponse()
                answer = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        if response.status != 202:
            sys.exit(f"POST {path} answered {response.status}: {answer[:500]!r}")
        return json.loads(answer)


def clock_offset(page) -> tuple[float, float]:
    """The page's wall clock minus the harness's, in ms, and its uncertainty (half the fastest
    round trip)."""
    best = None
    for _ in range(30):
        before = wall_ms()
        in_page = page.evaluate("performance.timeOrigin + performance.now()")
        after = wall_ms()
        sample = (after - before, in_page - (before + after) / 2)
        if best is None or sample[0] < best[0]:
            best = sample
    return best[1], best[0] / 2


def wait_for_pop(page, number: int) -> dict:
    page.wait_for_function(
        "n => window.benchPops.length >= n && window.benchPops[n - 1].frame !== null",
        arg=number,
        timeout=WAIT_MS,
    )
    return page.evaluate("n => window.benchPops[n - 1]", number)


def call_event(call_id: str, kind: str, **fields) -> str:
    return json.dumps(
        {
            "event_id": f"{call_id}-{kind}",
            "call_id": call_id,
            "type": kind,
            "at": datetime.now(UTC).isoformat(),
            **fields,
        }
    )


@dataclass
class Sample:
    dom_ms: float
    frame_ms: float
    answer_ms: float
    money_dom_ms: float | None = None
    money_frame_ms: float | None = None


class ConsoleRun:
    def __init__(self, page, poster: Poster):
        self.page, self.poster = page, poster
        self.pops = 0
        self.offset = 0.0

    def call(self, number: int, caller: Caller) -> Sample:
        call_id = f"bench-{number}"
        offered = call_event(call_id, "offered", queue="loans", **{"from": caller.phone})
        started = wall_ms()
        answer = self.poster.post("/api/v1/cti/events", offered)
        answered = wall_ms()
        if answer["agent"] != AGENT:
            sys.exit(f"call {call_id} was not routed to {AGENT}: {answer}")
        self.pops += 1
        pop = wait_for_pop(self.page, self.pops)
        if pop["name"] != caller.name:
            sys.exit(f"call {call_id}: the console shows {pop['name']!r}, not {caller.name!r}")
        self.poster.post("/api/v1/cti/events", call_event(call_id, "ended"))
        self.poster.post("/api/v1/cti/events", call_event(call_id, "wrapup_done"))
        self.page.wait_for_function(
            """() => document.getElementById("agent-console").dataset.callState === "ended"
                 && document.getElementById("agent-state").dataset.state === "available" """,
            timeout=WAIT_MS,
        )
        if pop["money_dom"] is None:
            sys.exit(f"call {call_id}: the money facts were not drawn with the caller's name")
        return Sample(
            dom_ms=pop["dom"] - self.offset - started,
            frame_ms=pop["frame"] - self.offset - started,
            answer_ms=answered - started,
            money_dom_ms=pop["money_dom"] - self.offset - started,
            money_frame_ms=pop["money_frame"] - self.offset - started,
        )


class RelayRun:
    def __init__(self, page, poster: Poster):
        self.page, self.poster = page, poster
        self.pops = 0
        self.offset = 0.0
        self.template: dict = {"type": "screen_pop", "seq": 0, "customer": {}}

    def call(self, number: int, caller: Caller) -> Sample:
        body = json.dumps(
            {
                **self.template,
                "seq": number,
                "customer": {**self.template["customer"], "name": caller.name},
            }
        )
        started = wall_ms()
        self.poster.post("/relay/1", body)
        answered = wall_ms()
        self.pops += 1
        pop = wait_for_pop(self.page, self.pops)
        if pop["name"] != caller.name:
            sys.exit(f"relay {number}: the bare page shows {pop['name']!r}, not {caller.name!r}")
        return Sample(
            dom_ms=pop["dom"] - self.offset - started,
            frame_ms=pop["frame"] - self.offset - started,
            answer_ms=answered - started,
        )


def summary(samples: list[Sample], field: str) -> dict:
    values = [getattr(sample, field) for sample in samples]
    return {
        "p50": statistics.median(values),
        "p95": percentile(values, 0.95, method="inverted_cdf"),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def run(options) -> dict:
    people = callers(options.warmup + options.calls)
    with tempfile.TemporaryDirectory(prefix="bench-console-e2e-") as folder:
        logs = Path(folder)
        if options.database == "postgres":
            database_label = "PostgreSQL " + recreate_database(options.database_url)
            database_url = options.database_url
        else:
            import sqlite3

            database_label = f"SQLite {sqlite3.sqlite_version} (a temporary file)"
            database_url = f"sqlite:///{logs / 'bench.sqlite3'}"
        # Nothing shared with another process on the same Redis. DEBUG stays on: the console's
        # pages need static files, which production serves only after collectstatic.
        env = server_environment(
            database_url=database_url,
            redis_url=options.redis_url,
            debug=True,
            key_prefix="bench-console-e2e" if options.redis_url else "",
        )
        manage("migrate", "--noinput", env=env)
        key, sessions = prepare_data(env, people, agents=options.agents)
        servers: list[Started] = []
        bare_server = None
        try:
            for name, application, probe in (
                ("console", "console.asgi:application", "/healthz"),
                ("relay", "bench.relay_asgi:application", "/"),
            ):
                servers.append(start_daphne(application, env=env, name=name, log_folder=logs))
                wait_until_answering(servers[-1], path=probe)
            console, relay = servers
            bare_server, bare_port = serve_bare_page(relay.port)
            with OtherConsoles(port=console.port, sessions=sessions) as others:
                results = measure(
                    options,
                    people,
                    console_url=f"http://127.0.0.1:{console.port}",
                    console_poster=Poster(console.port, {"Authorization": f"Bearer {key}"}),
                    bare_url=f"http://127.0.0.1:{bare_port}/",
                    relay_poster=Poster(relay.port, {}),
                )
                results["other_sockets"] = {
                    "connected": others.connected,
                    "messages_read": others.received,
                    "closed_during_run": others.closed_early,
                }
        finally:
            if bare_server is not None:
                bare_server.shutdown()
            for server in servers:
                server.stop()
            if options.database == "postgres" and not options.keep_database:
                drop_database(options.database_url)
    results["database"] = database_label
    results["channel_layer"] = "Redis" if options.redis_url else "in-memory (one process)"
    return results


def measure(options, people, *, console_url, console_poster, bare_url, relay_poster) -> dict:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []

    def watch(page) -> None:
        def on_console(message) -> None:
            if message.type == "error" and not (message.location.get("url") or "").endswith(
                "/favicon.ico"
            ):
                errors.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(str(error)))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        version = browser.version
        agent_page = browser.new_context(locale="ja-JP").new_page()
        bare_page = browser.new_context().new_page()
        for page in (agent_page, bare_page):
            page.set_default_timeout(WAIT_MS)
            watch(page)

        # The console, signed in through the form and available; its screen pops captured.
        received: list[str] = []
        agent_page.on(
            "websocket",
            lambda socket: socket.on("framereceived", lambda frame: received.append(frame)),
        )
        agent_page.goto(f"{console_url}/accounts/login/?next=/console/")
        agent_page.fill("#id_username", AGENT)
        agent_page.fill("#id_password", PASSWORD)
        agent_page.press("#id_password", "Enter")
        agent_page.wait_for_selector("#connection[data-connected=true]")
        agent_page.click("button[data-state=available]")
        agent_page.wait_for_selector("#agent-state[data-state=available]")
        agent_page.evaluate(OBSERVER)

        bare_page.goto(bare_url)
        bare_page.wait_for_selector("#connection[data-connected=true]", state="attached")
        bare_page.evaluate(OBSERVER)

        console_run = ConsoleRun(agent_page, console_poster)
        relay_run = RelayRun(bare_page, relay_poster)
        console_run.offset, console_uncertainty = clock_offset(agent_page)
        relay_run.offset, relay_uncertainty = clock_offset(bare_page)

        console_samples: list[Sample] = []
        relay_samples: list[Sample] = []
        for number, caller in enumerate(people):
            console_sample = console_run.call(number, caller)
            if number == 0:
                pops = [json.loads(f) for f in received if '"screen_pop"' in f]
                relay_run.template = pops[-1]
            relay_sample = relay_run.call(number, caller)
            if number >= options.warmup:
                console_samples.append(console_sample)
                relay_samples.append(relay_sample)
            if (number + 1) % 25 == 0:
                print(f"  {number + 1}/{len(people)} calls", file=sys.stderr)
        drift = clock_offset(agent_page)[0] - console_run.offset
        browser.close()

    return {
        "calls": len(console_samples),
        "warmup": options.warmup,
        "chromium": version,
        "clock_offset_uncertainty_ms": max(console_uncertainty, relay_uncertainty),
        "clock_drift_ms": drift,
        "screen_pop_bytes": len(json.dumps(relay_run.template, ensure_ascii=False).encode()),
        "console_errors": errors,
        "console": {
            "in_dom": summary(console_samples, "dom_ms"),
            "next_frame": summary(console_samples, "frame_ms"),
            "money_in_dom": summary(console_samples, "money_dom_ms"),
            "money_next_frame": summary(console_samples, "money_frame_ms"),
            "post_answer": summary(console_samples, "answer_ms"),
        },
        "bare_relay": {
            "in_dom": summary(relay_samples, "dom_ms"),
            "next_frame": summary(relay_samples, "frame_ms"),
            "post_answer": summary(relay_samples, "answer_ms"),
        },
    }


def report(results: dict) -> None:
    print()
    print(
        f"{results['calls']} calls (after {results['warmup']} warm-up), {results['database']}, "
        f"channel layer {results['channel_layer']}, Chromium {results['chromium']}, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"clock offset uncertainty ±{results['clock_offset_uncertainty_ms']:.2f} ms, "
        f"drift over the run {results['clock_drift_ms']:+.2f} ms; "
        f"screen pop {results['screen_pop_bytes']} bytes"
    )
    others = results["other_sockets"]
    print(
        f"other agents' console sockets: {others['connected']} connected through the run "
        f"({others['closed_during_run']} closed during it, {others['messages_read']} messages read)"
    )
    print()
    print("| from the POST of offered to ... (ms) | p50 | p95 | max | mean |")
    print("| --- | --- | --- | --- | --- |")
    rows = [
        ("agent console: name in the DOM", "console", "in_dom"),
        ("agent console: next frame", "console", "next_frame"),
        ("agent console: money facts in the DOM", "console", "money_in_dom"),
        ("agent console: money facts, next frame", "console", "money_next_frame"),
        ("agent console: the POST's 202", "console", "post_answer"),
        ("bare relay page: name in the DOM", "bare_relay", "in_dom"),
        ("bare relay page: next frame", "bare_relay", "next_frame"),
        ("bare relay: the POST's 202", "bare_relay", "post_answer"),
    ]
    for label, page, field in rows:
        figures = results[page][field]
        print(
            f"| {label} | {figures['p50']:.1f} | {figures['p95']:.1f} | "
            f"{figures['max']:.1f} | {figures['mean']:.1f} |"
        )
    for what, field in (("name", "next_frame"), ("money facts", "money_next_frame")):
        p95 = results["console"][field]["p95"]
        verdict = "met" if p95 < AIM_P95_MS else "missed"
        print(f"aim: p95 under {AIM_P95_MS} ms to the {what} painted: {verdict} ({p95:.1f} ms)")
    if results["console_errors"]:
        print(f"browser console errors: {results['console_errors'][:5]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench_console_e2e"
    )
    parser.add_argument("--redis-url", default="", help="the channel layer on Redis (optional)")
    parser.add_argument("--calls", type=int, default=100, help="measured calls")
    parser.add_argument("--warmup", type=int, default=5, help="calls before measuring")
    parser.add_argument(
        "--agents", type=int, default=50, help="agents with a console socket, the measured one too"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep-database", action="store_true")
    options = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"needs Debian's chromium at {CHROMIUM}")
    results = run(options)
    report(results)
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
