"""Where one screen pop's time goes: the product's call path timed phase by phase, in process.

    .venv/bin/python bench/screen_pop_profile.py [--calls 200] [--profiled-calls 30]
        [--customers 1000000] [--database-url postgres://postgres@127.0.0.1:5432/bench_screen_pop]
        [--redis-url redis://127.0.0.1:6379/5] [--profile-out /tmp/screen_pop.prof]

Run after bench/screen_pop.py has made the database. Calls go one at a time (no queueing)
through the real ASGI application (`console.asgi.application`, the same middleware, DRF view,
transaction and on-commit ring as under Daphne, with the Redis channel layer), each `offered`
followed by `answered`, `ended` and `wrapup_done`. The product's own functions are wrapped in
this process only to time them; every SQL statement is timed through Django's execute wrappers. Then
--profiled-calls more calls run with the view under cProfile (kept out of the timings, which
cProfile would inflate). Prints the phases, the statements and the hottest functions, and per
event type the statements, the CPU this process spent (Python) and the CPU PostgreSQL's backends
spent (read from /proc: run it on the database's machine). To compare two trees, copy this
folder into the other one and run it there against the same database.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harness import percentile, server_environment, set_up_django

TOKYO = timezone(timedelta(hours=9))


@dataclass
class RequestRecord:
    """What one request spent, by phase and on SQL."""

    phases: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    statements: list[tuple[str, float]] = field(default_factory=list)
    python_cpu_ms: float = 0.0  # this process's CPU (the view's thread and the event loop)
    postgres_cpu_ms: float = 0.0  # the PostgreSQL backends' CPU that served its statements


class Stopwatch:
    """Accumulates the time of wrapped functions and SQL into the request being measured.
    Requests run one at a time, so one current record is enough."""

    def __init__(self) -> None:
        self.current = RequestRecord()
        self.profiler: cProfile.Profile | None = None
        self.backend_pids: set[int] = set()

    def timed(self, phase: str, function: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.current.phases[phase] += (time.perf_counter() - started) * 1000

        return wrapper

    def profiled(self, phase: str, function: Callable) -> Callable:
        """Timed, and under cProfile when one is set (enabled in the thread the view runs in)."""

        def wrapper(*args, **kwargs):
            profiler = self.profiler
            started = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            try:
                return function(*args, **kwargs)
            finally:
                if profiler is not None:
                    profiler.disable()
                self.current.phases[phase] += (time.perf_counter() - started) * 1000

        return wrapper

    def sql(self, execute, sql, params, many, context):
        self.backend_pids.add(context["connection"].connection.info.backend_pid)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.current.statements.append((sql, (time.perf_counter() - started) * 1000))


def instrument(stopwatch: Stopwatch) -> None:
    """Wrap the call path's functions where their callers look them up (module globals)."""
    from django.db.backends.signals import connection_created

    import console.agents.presence
    import console.calls.api
    import console.calls.events
    import console.integrations.clients
    import console.realtime

    handling = console.calls.events
    console.calls.api.CallEventApi.dispatch = stopwatch.profiled(
        "view (DRF auth, throttle, validation, handler)", console.calls.api.CallEventApi.dispatch
    )
    console.integrations.clients.client_for_key = stopwatch.timed(
        "  API key lookup", console.integrations.clients.client_for_key
    )
    console.calls.api.handle_call_event = stopwatch.timed(
        "  handle_call_event (incl. commit and ring)", console.calls.api.handle_call_event
    )
    for name, phase in [
        ("store_call_event", "    store the event"),
        ("identified_caller", "    identify the caller (tel: lookup)"),
        ("pick_available_agent", "    pick the agent (routing)"),
        ("replay_call", "    replay the call into contacts"),
        ("screen_pop", "    build the screen pop"),
        ("customer_360", "      customer_360"),
        ("caller_candidates", "      caller candidates"),
        ("send_to_agent", "    store the pop as an agent message"),
        ("change_agent_state", "    agent state change (+ its message)"),
        ("offer_waiting_call", "    offer a waiting call"),
        ("note_call_change", "    wallboard figures (live_stats)"),
        ("emit_event", "    webhook event"),
    ]:
        if hasattr(handling, name):  # the call path grows: time what is there
            setattr(handling, name, stopwatch.timed(phase, getattr(handling, name)))
    console.realtime.ring_agent = stopwatch.timed(
        "    ring the agent (group_send, on commit)", console.realtime.ring_agent
    )

    def watch_statements(sender, connection, **kwargs) -> None:
        if stopwatch.sql not in connection.execute_wrappers:
            connection.execute_wrappers.append(stopwatch.sql)

    connection_created.connect(watch_statements, weak=False)


def backends_cpu_ms(pids: set[int]) -> float:
    """User and system CPU of PostgreSQL backend processes (on this machine), from /proc."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a backend that ended (the pool closed its connection)
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


@dataclass
class Timed:
    kind: str
    caller: str
    total_ms: float
    record: RequestRecord


async def post_event(application, key: str, event: dict) -> tuple[int, float]:
    from channels.testing import HttpCommunicator

    body = json.dumps(event).encode()
    communicator = HttpCommunicator(
        application,
        "POST",
        "/api/v1/cti/events",
        body=body,
        headers=[
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {key}".encode()),
        ],
    )
    started = time.perf_counter()
    response = await communicator.get_response(timeout=30)
    elapsed = (time.perf_counter() - started) * 1000
    await communicator.wait()
    if response["status"] != 202:
        sys.exit(f"{event['type']} answered {response['status']}: {response['body'][:300]!r}")
    return response["status"], elapsed


def at(offset_s: float = 0.0) -> str:
    return (datetime.now(TOKYO) + timedelta(seconds=offset_s)).isoformat(timespec="milliseconds")


async def drive(options: argparse.Namespace, key: str, stopwatch: Stopwatch) -> list[Timed]:
    from screen_pop_data import customer_phone, unknown_phone

    from console.asgi import application

    rng = random.Random(options.seed)
    tag = uuid.uuid4().hex[:8]
    timed: list[Timed] = []
    profiled_from = options.warmup + options.calls
    for number in range(options.warmup + options.calls + options.profiled_calls):
        known = rng.random() >= options.unknown_share
        phone = (
            customer_phone(rng.randint(1, options.customers))
            if known
            else unknown_phone(rng.randrange(10_000_000))
        )
        call_id = f"{tag}-profile-{number}"
        events = [
            {"type": "offered", "from": phone, "to": "0120000000", "queue": "loans"},
            {"type": "answered", "offset": 5},
            {"type": "ended", "offset": 60},
            {"type": "wrapup_done", "offset": 90},
        ]
        # The profiled calls come last and are not in the timings: cProfile slows Python down.
        counted = options.warmup <= number < profiled_from
        stopwatch.profiler = options.profiler if number >= profiled_from else None
        for event in events:
            offset = event.pop("offset", 0)
            body = {"event_id": f"{call_id}-{event['type']}", "call_id": call_id, "at": at(offset)}
            stopwatch.current = RequestRecord()
            pids = set(stopwatch.backend_pids)
            python_cpu, postgres_cpu = time.process_time(), backends_cpu_ms(pids)
            status, total = await post_event(application, key, {**body, **event})
            stopwatch.current.python_cpu_ms = (time.process_time() - python_cpu) * 1000
            stopwatch.current.postgres_cpu_ms = backends_cpu_ms(pids) - postgres_cpu
            if status != 202:
                sys.exit(f"{event['type']} answered {status}")
            if counted:
                caller = ("known" if known else "unknown") if event["type"] == "offered" else ""
                timed.append(Timed(event["type"], caller, total, stopwatch.current))
            stopwatch.profiler = None
    return timed


def print_phases(title: str, timed: list[Timed]) -> None:
    if not timed:
        return
    totals = [t.total_ms for t in timed]
    print(f"\n{title}: {len(timed)} requests, one at a time (ms)")
    print(f"{'':52} {'mean':>7} {'p50':>7} {'p95':>7} {'share':>6}")
    mean_total = sum(totals) / len(totals)
    rows = [("request through the ASGI app (all)", totals)]
    names = list(dict.fromkeys(name for t in timed for name in t.record.phases))
    rows += [(name, [t.record.phases.get(name, 0.0) for t in timed]) for name in names]
    sql_ms = [sum(ms for _, ms in t.record.statements) for t in timed]
    rows.append(("SQL statements, all of the request", sql_ms))
    rows.append(("CPU in Python (this process)", [t.record.python_cpu_ms for t in timed]))
    rows.append(("CPU in PostgreSQL (its backends)", [t.record.postgres_cpu_ms for t in timed]))
    for name, values in rows:
        mean = sum(values) / len(values)
        print(
            f"{name:52} {mean:7.2f} {percentile(values, 0.5):7.2f} "
            f"{percentile(values, 0.95):7.2f} {mean / mean_total:6.0%}"
        )
    counts = [len(t.record.statements) for t in timed]
    print(f"SQL statements per request: {min(counts)} to {max(counts)}")


def print_per_event_type(timed: list[Timed]) -> None:
    """The summary to compare trees by: per event type, means of one request."""
    print("\nPer event type (mean of one request, one at a time)")
    print(
        f"{'':22} {'requests':>8} {'total ms':>9} {'statements':>10} {'SQL ms':>7} "
        f"{'Python CPU ms':>13} {'PostgreSQL CPU ms':>17}"
    )
    kinds = [
        ("offered (known caller)", "offered", "known"),
        ("offered (unknown)", "offered", "unknown"),
        ("answered", "answered", ""),
        ("ended", "ended", ""),
        ("wrapup_done", "wrapup_done", ""),
    ]
    for title, kind, caller in kinds:
        chosen = [t for t in timed if t.kind == kind and t.caller == caller]
        if not chosen:
            continue
        n = len(chosen)
        print(
            f"{title:22} {n:>8} {sum(t.total_ms for t in chosen) / n:>9.2f} "
            f"{sum(len(t.record.statements) for t in chosen) / n:>10.1f} "
            f"{sum(sum(ms for _, ms in t.record.statements) for t in chosen) / n:>7.2f} "
            f"{sum(t.record.python_cpu_ms for t in chosen) / n:>13.2f} "
            f"{sum(t.record.postgres_cpu_ms for t in chosen) / n:>17.2f}"
        )


def print_statements(timed: list[Timed], kind: str, top: int = 12) -> None:
    by_sql: dict[str, list[float]] = defaultdict(list)
    for t in timed:
        for statement, ms in t.record.statements:
            by_sql[statement].append(ms)
    ranked = sorted(by_sql.items(), key=lambda item: -sum(item[1]))[:top]
    print(f"\nSlowest statements of `{kind}` requests, by total time (of {len(timed)} requests)")
    for statement, values in ranked:
        mean = sum(values) / len(values)
        per_request = len(values) / len(timed)
        print(f"  {mean:6.2f} ms x {per_request:.1f}/request  {' '.join(statement.split())[:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench_screen_pop"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profiled-calls", type=int, default=30, help="run under cProfile")
    parser.add_argument("--unknown-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--profile-out", type=Path, default=Path("/tmp/screen_pop.prof"))
    options = parser.parse_args()
    # Production settings, as bench/screen_pop.py runs Daphne: with DEBUG every statement would
    # also be formatted and kept in memory, time that Daphne does not spend.
    set_up_django(
        server_environment(
            database_url=options.database_url, redis_url=options.redis_url, debug=False
        )
    )
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the tree moves: other work may add migrations
    from screen_pop_agents import prepare_agents

    from console.integrations.clients import create_api_client

    prepare_agents(agents=200, service_center=20)
    key = create_api_client(name=f"bench-profile-{uuid.uuid4().hex[:8]}", scopes=["cti"]).key
    stopwatch = Stopwatch()
    instrument(stopwatch)
    options.profiler = cProfile.Profile()
    timed = asyncio.run(drive(options, key, stopwatch))

    offered = [t for t in timed if t.kind == "offered"]
    print_phases("`offered`, known caller", [t for t in offered if t.caller == "known"])
    print_phases("`offered`, unknown caller", [t for t in offered if t.caller == "unknown"])
    for kind in ("answered", "ended", "wrapup_done"):
        print_phases(f"`{kind}`", [t for t in timed if t.kind == kind])
    print_per_event_type(timed)
    print_statements(offered, "offered")
    for kind in ("answered", "ended", "wrapup_done"):
        print_statements([t for t in timed if t.kind == kind], kind)
    options.profiler.dump_stats(options.profile_out)
    print(
        f"\ncProfile of the view of {options.profiled_calls} more calls' requests "
        f"(sorted by own time), {options.profile_out}:"
    )
    pstats.Stats(options.profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
