"""ATM incidents through the API: incidents per second on PostgreSQL and Redis, with and without
a webhook subscriber.

    .venv/bin/python bench/atm_ingest.py [--incidents 5000] [--customers 20000] [--clients 4]
        [--servers 1] [--rounds 2] [--warmup 100] [--on-call 20] [--receiver-delay 0]
        [--round-timeout 600] [--drain-timeout 300] [--seed 1] [--reuse]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_atm]
        [--redis-url redis://127.0.0.1:6379/6]

Setup (skipped with --reuse): makes the database again (its name must start with "bench"),
migrates it and seeds demo customers with `manage.py seed_demo` (loan records with customer
numbers, card records with card accounts, months of call history).

Then it starts what a deployment runs: Daphne (--servers N processes on their own ports, client
threads spread over them) and one Celery worker, all on the same PostgreSQL and Redis; a local
webhook receiver (http.server on 127.0.0.1, answering 200 and checking each signature); and puts
--on-call customers on a live call with an agent through the telephony API, so incidents about
them take the path that refreshes the agent's screen.

It POSTs `/api/v1/atm/incidents` from --clients threads (keep-alive connections), --incidents
for each of two modes, in alternating rounds so that the machine's noise falls on both alike:
- plain: no webhook subscription;
- webhooks: one subscription to `case.created` pointing at the receiver; after each such round
  it waits (bounded by --drain-timeout) until the worker has delivered everything.
Customers are named the three ways the API takes (customer number; a source system's record id;
a card's last four digits with the holder's name), some not resolvable (unknown number or record,
or a card with another name), device errors without a customer, and a few incident ids sent twice
as an integrator retrying would. Each request is bounded in time (--round-timeout per round).

Reports incidents per second, request latency (also by how the customer is named), the CPU time
of Daphne, the worker and PostgreSQL per incident (read from /proc), how the references resolved
against what the database says they should, the webhook deliveries that arrived (and those left
pending with no task to send them), and the pushes to agents on a call. --receiver-delay makes
the receiver a slow integrator. Nothing is written to docs;
everything started is stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import signal
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import jaconv
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
    server_environment,
    start_daphne,
    start_process,
    wait_until_answering,
)
from psycopg.conninfo import conninfo_to_dict

CELERY = PROJECT / ".venv" / "bin" / "celery"
LOG_PREFIX = "bench-atm"
TOKYO = timezone(timedelta(hours=9))
# Share of the referenced incidents (not device errors) whose reference should not resolve.
UNRESOLVABLE_SHARE = 0.1
# Share of the incidents about a customer who is on a call right now.
ON_CALL_SHARE = 0.02
# Share of the incidents sent a second time, as an integrator retrying after a timeout would.
REPEAT_SHARE = 0.01
# Whose CPU time is reported: the servers, the Celery worker, PostgreSQL's backends, this script.
CPU_USERS = ("daphne", "worker", "postgres", "bench")
# Incident kinds and their weights; device errors name no customer.
KINDS = {"card_retained": 40, "cash_not_dispensed": 30, "deposit_mismatch": 20, "device_error": 10}


# --- CPU accounting ----------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: str) -> list[str]:
    with open(f"/proc/{pid}/stat") as stat:
        # The command name may hold spaces: the fields that follow come after its ")".
        return stat.read().rsplit(")", 1)[1].split()


def cpu_by_pid(pids: set[int] | None = None, *, group: int | None = None) -> dict[int, float]:
    """CPU seconds used so far by the given processes, or by every process of a group."""
    used = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or (pids is not None and int(entry) not in pids):
            continue
        try:
            fields = _stat_fields(entry)
        except OSError:  # ended meanwhile
            continue
        if group is None or int(fields[2]) == group:
            used[int(entry)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime+stime
    return used


def backend_pids(database_url: str) -> set[int]:
    """The PostgreSQL backends serving the benchmark's database (the pool keeps them open)."""
    name = conninfo_to_dict(database_url).get("dbname")
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return {pid for (pid,) in rows}


@dataclass
class CpuMeter:
    """CPU seconds of what serves the requests between two readings. PostgreSQL's are those of
    the database's backends alive at the second reading (one that ended between is missed)."""

    servers: list[Started]
    worker: Started
    database_url: str

    def read(self) -> dict[str, dict[int, float]]:
        return {
            "daphne": {
                pid: used
                for server in self.servers
                for pid, used in cpu_by_pid(group=server.process.pid).items()
            },
            "worker": cpu_by_pid(group=self.worker.process.pid),
            "postgres": cpu_by_pid(backend_pids(self.database_url)),
            # This process: the client threads and the webhook receiver.
            "bench": {0: time.process_time()},
        }

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        return {
            name: sum(used - before[name].get(pid, 0.0) for pid, used in after[name].items())
            for name in after
        }


# --- the webhook receiver ----------------------------------------------------------------------


class Receiver(http.server.ThreadingHTTPServer):
    """Counts deliveries and checks their signatures against the subscriptions' secrets."""

    daemon_threads = True

    def __init__(self, *, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.delay = delay
        self.lock = threading.Lock()
        self.secrets: list[str] = []
        self.received = 0
        self.bad_signatures = 0
        self.event_ids: Counter = Counter()
        self.last_at = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/atm"

    def record(self, *, body: bytes, signature: str) -> None:
        parts = dict(part.split("=", 1) for part in signature.split(",") if "=" in part)
        signed = f"{parts.get('t', '')}.".encode() + body
        good = any(
            hmac.compare_digest(
                hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest(), parts.get("v1", "")
            )
            for secret in self.secrets
        )
        try:
            event_id = json.loads(body)["id"]
        except (ValueError, KeyError):
            event_id = None
        with self.lock:
            self.received += 1
            self.bad_signatures += not good
            self.event_ids[event_id] += 1
            self.last_at = time.perf_counter()


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(self.server.delay)
        self.server.record(body=body, signature=self.headers.get("X-Console-Signature", ""))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:
        pass


# --- the API -----------------------------------------------------------------------------------


class Api:
    """One keep-alive connection to one server."""

    def __init__(self, *, port: int, key: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.connection: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        payload = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.connection.request(method, path, payload, self.headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# --- the incidents -----------------------------------------------------------------------------


@dataclass
class Directory:
    """What the seeded database says, to name customers and to know whom a reference means."""

    numbers: list[tuple[str, str]]  # (customer number, live customer id)
    number_holders: Counter  # customer number → live customers with it
    records: list[tuple[str, str, str]]  # (system, external id, live customer id)
    cards: list[tuple[str, str, str]]  # (last4, holder's name as the customer has it, id)
    card_name_holders: dict[tuple[str, str], set[str]]  # (last4, name) → live customers
    phones: list[tuple[str, str]]  # (phone, live customer id) of customers with one phone
    customers: int


def read_directory(database_url: str) -> Directory:
    with psycopg.connect(database_url) as connection:
        live = connection.execute(
            "SELECT id::text, customer_number, name, name_kana, phones "
            "FROM customers_customer WHERE merged_into_id IS NULL"
        ).fetchall()
        records = connection.execute(
            "SELECT r.system, r.external_id, coalesce(c.merged_into_id, c.id)::text "
            "FROM customers_sourcerecord r JOIN customers_customer c ON c.id = r.customer_id "
            "ORDER BY r.id"
        ).fetchall()
        cards = connection.execute(
            "SELECT DISTINCT a.last4, coalesce(c.merged_into_id, c.id)::text "
            "FROM customers_account a "
            "JOIN customers_sourcerecord r ON r.id = a.source_record_id "
            "JOIN customers_customer c ON c.id = r.customer_id WHERE a.kind = 'card' "
            "ORDER BY 1, 2"
        ).fetchall()
    by_id = {row[0]: row for row in live}
    number_holders = Counter(number for _, number, *_ in live if number)
    card_rows, card_name_holders = [], defaultdict(set)
    for last4, customer_id in cards:
        _, _, name, kana, _ = by_id[customer_id]
        for written in (name, kana):
            if written:
                card_name_holders[(last4, written)].add(customer_id)
        card_rows.append((last4, name or kana, customer_id))
    return Directory(
        numbers=sorted((number, id_) for id_, number, *_ in live if number),
        number_holders=number_holders,
        records=records,
        cards=card_rows,
        card_name_holders=card_name_holders,
        phones=sorted((phones[0], id_) for id_, _, _, _, phones in live if len(phones) == 1),
        customers=len(live),
    )


@dataclass
class Incident:
    body: dict
    way: str  # how the customer is named: number, record, card, on call, none
    expected: str | None  # the customer the reference should resolve to
    repeat: bool = False


def as_card_system_writes(name: str, rng: random.Random) -> str:
    """Half of the names the ATM monitor sends in the half-width kana of the legacy card system
    (the server compares readings in any width)."""
    if rng.random() < 0.5:
        return jaconv.z2h(name, kana=True, ascii=False, digit=False)
    return name


def make_incidents(
    *, count: int, directory: Directory, on_call: list[str], rng: random.Random, tag: str
) -> list[Incident]:
    # How an on-call customer is named: by number, else by a source record.
    reference_of = {
        customer_id: {"system": system, "external_id": external_id}
        for system, external_id, customer_id in directory.records
    }
    reference_of.update(
        {
            customer_id: {"customer_number": number}
            for number, customer_id in directory.numbers
            if directory.number_holders[number] == 1
        }
    )
    kinds, weights = list(KINDS), list(KINDS.values())
    start = datetime(2026, 11, 1, tzinfo=TOKYO)
    incidents: list[Incident] = []
    for number in range(count):
        kind = rng.choices(kinds, weights)[0]
        body = {
            "incident_id": f"INC-{tag}-{number:07d}",
            "type": kind,
            "atm_id": f"ATM-{rng.randrange(1, 400):04d}",
            "occurred_at": (start + timedelta(seconds=rng.randrange(24 * 86400))).isoformat(),
        }
        if kind in ("cash_not_dispensed", "deposit_mismatch"):
            body["amount"] = rng.randrange(1, 500) * 1000
        way, expected, is_on_call = "none", None, False
        if kind != "device_error":
            unresolvable = rng.random() < UNRESOLVABLE_SHARE
            is_on_call = bool(on_call) and not unresolvable and rng.random() < ON_CALL_SHARE
            way = "on call" if is_on_call else rng.choice(("number", "record", "card"))
            if is_on_call:
                expected = rng.choice(on_call)
                reference = reference_of[expected]
            elif way == "number":
                number_, customer_id = rng.choice(directory.numbers)
                expected = customer_id if directory.number_holders[number_] == 1 else None
                if unresolvable:
                    number_, expected = f"X{rng.randrange(10**7):07d}", None
                reference = {"customer_number": number_}
            elif way == "record":
                system, external_id, expected = rng.choice(directory.records)
                if unresolvable:
                    external_id, expected = f"{external_id}-UNKNOWN", None
                reference = {"system": system, "external_id": external_id}
            else:
                last4, name, customer_id = rng.choice(directory.cards)
                holders = directory.card_name_holders[(last4, name)]
                expected = customer_id if len(holders) == 1 else None
                if unresolvable:
                    name, expected = "ベンチ テスト", None
                else:
                    name = as_card_system_writes(name, rng)
                reference = {"card_last4": last4, "name": name}
                body["card_last4"] = last4
            body["customer"] = reference
        incidents.append(Incident(body=body, way=way, expected=expected))
    # Retries: a few incidents again, well after the first time so the first has been stored.
    for _ in range(int(count * REPEAT_SHARE)):
        original = rng.randrange(0, max(1, count - 200))
        place = rng.randrange(original + 100, len(incidents) + 1)
        first = incidents[original]
        incidents.insert(
            place,
            Incident(body=first.body, way=first.way, expected=first.expected, repeat=True),
        )
    return incidents


# --- posting -----------------------------------------------------------------------------------


@dataclass
class Round:
    mode: str
    seconds: float = 0.0
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    latencies_by_way: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    # (way, resolvable or not, outcome) → count; the outcome against what the database says:
    # as expected, unresolved though it should resolve, resolved though it should not, another
    resolution: Counter = field(default_factory=Counter)
    created: int = 0
    created_for: Counter = field(default_factory=Counter)  # customer id → cases created
    errors: list[str] = field(default_factory=list)
    timed_out: bool = False
    delivered_by_end: int = 0
    drain: str = ""  # drained, stranded (pending with no task left) or timed out
    drain_seconds: float = 0.0
    deliveries: Counter = field(default_factory=Counter)  # by status, after the drain
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds while posting


def post_incidents(
    incidents: list[Incident],
    *,
    mode: str,
    ports: list[int],
    key: str,
    clients: int,
    timeout: float,
) -> Round:
    result = Round(mode=mode)
    lock = threading.Lock()
    stop = threading.Event()
    next_index = iter(range(len(incidents)))
    deadline = time.monotonic() + timeout

    def client(number: int) -> None:
        api = Api(port=ports[number % len(ports)], key=key)
        try:
            while not stop.is_set():
                if time.monotonic() > deadline:
                    result.timed_out = True
                    return
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                incident = incidents[index]
                started = time.perf_counter()
                try:
                    status, payload = api.call("POST", "/api/v1/atm/incidents", incident.body)
                except (http.client.HTTPException, OSError) as error:
                    status, payload = 0, repr(error).encode()
                seconds = time.perf_counter() - started
                with lock:
                    note_answer(result, incident, status, payload, seconds)
        finally:
            api.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=70)
    result.seconds = time.perf_counter() - started
    return result


def note_answer(
    result: Round, incident: Incident, status: int, payload: bytes, seconds: float
) -> None:
    result.sent += 1
    result.latencies.append(seconds)
    result.latencies_by_way[incident.way].append(seconds)
    result.statuses[status] += 1
    if status not in (200, 201):
        if len(result.errors) < 5:
            result.errors.append(f"HTTP {status}: {payload[:300]!r}")
        return
    if incident.repeat:
        return
    result.created += status == 201
    got = json.loads(payload).get("customer_id")
    if status == 201 and got:
        result.created_for[got] += 1
    if got == incident.expected:
        outcome = "as expected"
    elif got is None:
        outcome = "unresolved, expected a customer"
    elif incident.expected is None:
        outcome = "resolved, expected none"
    else:
        outcome = "another customer"
    should = "resolvable" if incident.expected else "not resolvable"
    result.resolution[(incident.way, should, outcome)] += 1


# --- webhooks and live calls -------------------------------------------------------------------


def delivery_counts(database_url: str, subscription_id: int) -> Counter:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT status, count(*) FROM console_webhookdelivery WHERE subscription_id = %s "
            "GROUP BY status",
            (subscription_id,),
        ).fetchall()
    return Counter(dict(rows))


def wait_for_deliveries(
    *, database_url: str, subscription_id: int, broker: redis.Redis, timeout: float
) -> tuple[str, float]:
    """Until no delivery of the subscription is pending ("drained"), or some are pending with
    no task left to send them: none queued and none taken by the worker for 3 s ("stranded")."""
    started = time.perf_counter()
    idle_since = None
    while time.perf_counter() - started < timeout:
        if not delivery_counts(database_url, subscription_id)["pending"]:
            return "drained", time.perf_counter() - started
        # kombu's Redis transport keeps taken, unacknowledged tasks (retries with a countdown
        # too) in the `unacked` hash.
        if broker.llen("celery") or broker.hlen("unacked"):
            idle_since = None
        elif idle_since is None:
            idle_since = time.perf_counter()
        elif time.perf_counter() - idle_since > 3:
            return "stranded", time.perf_counter() - started
        time.sleep(0.5)
    return "timed out", time.perf_counter() - started


def put_customers_on_calls(
    *, api: Api, directory: Directory, agents: list[str], rng: random.Random
) -> list[str]:
    """Each agent answers a call from a customer the telephony API identifies by phone. A
    caller it cannot tell (a shared landline) is hung up and the agent set free again."""
    on_call: list[str] = []
    candidates = rng.sample(directory.phones, min(len(directory.phones), 10 * len(agents)))
    now = datetime.now(TOKYO)

    def event(call_id: str, kind: str, seconds: int, **fields) -> dict:
        at = (now + timedelta(seconds=seconds)).isoformat()
        body = {"event_id": f"{call_id}-{kind}", "call_id": call_id, "type": kind, "at": at}
        status, payload = api.call("POST", "/api/v1/cti/events", {**body, **fields})
        return json.loads(payload) if status == 202 else {}

    for agent in agents:
        while candidates:
            phone, customer_id = candidates.pop()
            call_id = f"bench-atm-{os.getpid()}-{agent}-{customer_id}"
            offered = event(call_id, "offered", 0, agent=agent, **{"from": phone})
            if offered.get("agent") == agent and offered.get("customer_id") == customer_id:
                if event(call_id, "answered", 5):
                    on_call.append(customer_id)
                break
            if offered.get("agent") == agent:
                event(call_id, "ended", 6)
                event(call_id, "wrapup_done", 7)
    return on_call


def customer_updates_sent(database_url: str) -> int:
    with psycopg.connect(database_url) as connection:
        return connection.execute(
            "SELECT count(*) FROM console_agentmessage WHERE body->>'type' = 'customer_update'"
        ).fetchone()[0]


# --- reporting ---------------------------------------------------------------------------------


def summarise(rounds: list[Round], mode: str) -> dict:
    mine = [r for r in rounds if r.mode == mode]
    latencies = [s for r in mine for s in r.latencies]
    sent, seconds = sum(r.sent for r in mine), sum(r.seconds for r in mine)
    return {
        "sent": sent,
        "seconds": seconds,
        "rate": sent / seconds if seconds else 0.0,
        "rates": [r.sent / r.seconds if r.seconds else 0.0 for r in mine],
        "p50": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p95": percentile(latencies, 0.95, method="higher") * 1000,
        "p99": percentile(latencies, 0.99, method="higher") * 1000,
        "statuses": sum((r.statuses for r in mine), Counter()),
        "created": sum(r.created for r in mine),
        "resolution": sum((r.resolution for r in mine), Counter()),
        "errors": [e for r in mine for e in r.errors],
        "cpu": {name: sum(r.cpu.get(name, 0.0) for r in mine) for name in CPU_USERS},
        "timed_out": any(r.timed_out for r in mine),
    }


def print_report(
    *, rounds: list[Round], arguments, receiver: Receiver, pushes: int, on_call: list[str]
) -> None:
    print()
    print("== ATM incidents through the API (bench/atm_ingest.py) ==")
    print(
        f"{arguments.servers} Daphne process(es), {arguments.clients} client threads, "
        f"{arguments.rounds} rounds per mode, seed {arguments.seed}, the receiver answering "
        f"after {arguments.receiver_delay:g} s"
    )
    print(f"  {'mode':9} {'sent':>6} {'incidents/s':>12} {'by round':>18} {'p50 ms':>7} ", end="")
    print(f"{'p95 ms':>7} {'p99 ms':>7}  statuses")
    plain = None
    for mode in ("plain", "webhooks"):
        figures = summarise(rounds, mode)
        if not figures["sent"]:
            continue
        plain = plain or figures["rate"]
        by_round = " / ".join(f"{rate:.0f}" for rate in figures["rates"])
        statuses = dict(sorted(figures["statuses"].items()))
        print(
            f"  {mode:9} {figures['sent']:>6,} {figures['rate']:>12.1f} {by_round:>18} "
            f"{figures['p50']:>7.0f} {figures['p95']:>7.0f} {figures['p99']:>7.0f}  {statuses}"
        )
        if figures["timed_out"]:
            print(f"  {mode}: stopped by the round timeout")
        for error in figures["errors"][:3]:
            print(f"  {mode} error: {error}")
    webhook = summarise(rounds, "webhooks")
    if plain and webhook["rate"]:
        print(f"  webhooks / plain: {webhook['rate'] / plain:.2f}")

    print("\nCPU while posting: ms per incident (share of one core)")
    print(f"  {'mode':9} " + " ".join(f"{name:>16}" for name in CPU_USERS))
    for mode in ("plain", "webhooks"):
        figures = summarise(rounds, mode)
        if not figures["sent"]:
            continue
        cells = [
            f"{1000 * used / figures['sent']:6.1f} ({used / figures['seconds']:4.0%})"
            for used in (figures["cpu"][name] for name in CPU_USERS)
        ]
        print(f"  {mode:9} " + " ".join(f"{cell:>16}" for cell in cells))

    print("\nlatency by how the customer is named (both modes): p50 / p95 ms")
    by_way = defaultdict(list)
    for r in rounds:
        for way, seconds in r.latencies_by_way.items():
            by_way[way].extend(seconds)
    for way, seconds in sorted(by_way.items()):
        print(
            f"  {way:9} {len(seconds):>6,}  {statistics.median(seconds) * 1000:6.0f} / "
            f"{percentile(seconds, 0.95, method='higher') * 1000:6.0f}"
        )

    print("\nreferences (first sends; way, should resolve?, outcome):")
    total = sum(
        (summarise(rounds, mode)["resolution"] for mode in ("plain", "webhooks")), Counter()
    )
    for (way, should, outcome), count in sorted(total.items()):
        print(f"  {count:>6,}  {way:17} {should:15} {outcome}")

    webhook_rounds = [r for r in rounds if r.mode == "webhooks"]
    if webhook_rounds:
        expected = sum(r.created for r in webhook_rounds)
        duplicates = sum(n - 1 for n in receiver.event_ids.values() if n > 1)
        print(
            f"\nwebhooks: {expected:,} cases created while subscribed; "
            f"{receiver.received:,} deliveries arrived ({duplicates} duplicates, "
            f"{receiver.bad_signatures} bad signatures)"
        )
        for number, r in enumerate(webhook_rounds, start=1):
            print(
                f"  round {number}: {r.created:,} created, {r.delivered_by_end:,} delivered "
                f"when the last POST was answered; {r.drain} {r.drain_seconds:.1f} s after it "
                f"with {dict(r.deliveries)}"
            )
        stranded = sum(r.deliveries["pending"] for r in webhook_rounds if r.drain == "stranded")
        if stranded:
            print(
                f"  {stranded} deliveries left pending with no task queued or running: the "
                "worker took their task and did not send them (see the report)"
            )
    print(
        f"live calls: {len(on_call)} customers on a call; {pushes} customer_update pushes for "
        f"{sum(r.created_for[c] for r in rounds for c in on_call)} cases created for them"
    )


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5000, help="per mode")
    parser.add_argument("--customers", type=int, default=20_000, help="true people seeded")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--servers", type=int, default=1, help="Daphne processes")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two modes")
    parser.add_argument("--on-call", type=int, default=20, help="customers on a live call")
    parser.add_argument("--warmup", type=int, default=100, help="incidents sent first, not counted")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--round-timeout", type=float, default=600, help="seconds per round")
    parser.add_argument("--drain-timeout", type=float, default=300, help="seconds per round")
    parser.add_argument(
        "--receiver-delay", type=float, default=0.0, help="seconds the receiver takes to answer"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_atm")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    arguments = parser.parse_args()
    # A terminal's Ctrl-C raises KeyboardInterrupt; a plain kill stops everything too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    # Production settings: DEBUG would keep every query's SQL in memory in Daphne and the worker
    # (Celery warns of it) and time each statement twice. Our own key prefixes: nothing of
    # another program on the same Redis database is read.
    env = server_environment(
        database_url=arguments.database_url,
        redis_url=arguments.redis_url,
        debug=False,
        key_prefix="bench-atm",
    )
    broker = redis.Redis.from_url(arguments.redis_url)
    rng = random.Random(arguments.seed)
    agents = [f"agent{n:03d}" for n in range(1, max(5, arguments.on_call) + 1)]
    started_processes: list[Started] = []
    receiver = Receiver(delay=arguments.receiver_delay)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        if not arguments.reuse:
            began = time.perf_counter()
            recreate_database(arguments.database_url)
            manage("migrate", "--noinput", "-v", "0", env=env)
            seeded = manage(
                "seed_demo",
                "--customers",
                str(arguments.customers),
                "--agents",
                str(len(agents)),
                "--seed",
                str(arguments.seed),
                env=env,
            )
            print(seeded.strip().splitlines()[-1])
            print(f"database made and seeded in {time.perf_counter() - began:.0f} s")
        # Agents free to take a call, as if signed in (an earlier run's calls are let go).
        manage(
            "shell",
            "-c",
            "from django.utils import timezone\n"
            "from console.agents.models import Agent, AgentState\n"
            "from contacts.models import Contact, ContactState\n"
            "Contact.objects.filter(state__in=[ContactState.OFFERED, ContactState.ANSWERED, "
            "ContactState.HOLD, ContactState.WAITING]).update(state=ContactState.ABANDONED)\n"
            "Agent.objects.update(state=AgentState.AVAILABLE, state_since=timezone.now())\n",
            env=env,
        )
        key = (
            manage(
                "create_api_client",
                f"bench-atm-{os.getpid()}",
                "--scopes",
                "atm,webhooks,cti",
                env=env,
            )
            .strip()
            .splitlines()[-1]
        )
        directory = read_directory(arguments.database_url)
        print(
            f"{directory.customers:,} live customers, {len(directory.records):,} source records, "
            f"{len(directory.cards):,} card holders; queued in Redis before start: "
            f"{broker.llen('celery')}"
        )

        servers = [
            start_daphne(
                "console.asgi:application", env=env, name=f"daphne{n}", log_prefix=LOG_PREFIX
            )
            for n in range(arguments.servers)
        ]
        started_processes.extend(servers)
        worker = start_process(
            "celery",
            [
                str(CELERY),
                "-A",
                "console",
                "worker",
                "--concurrency",
                "1",
                "-l",
                "warning",
                "-n",
                f"bench-atm-{os.getpid()}@%h",
            ],
            env=env,
            log_prefix=LOG_PREFIX,
        )
        started_processes.append(worker)
        for server in servers:
            wait_until_answering(server)
        ports = [server.port for server in servers]
        print(f"Daphne on {ports}, Celery worker (log {worker.log_path}), receiver {receiver.url}")

        meter = CpuMeter(servers=servers, worker=worker, database_url=arguments.database_url)
        setup_api = Api(port=ports[0], key=key)
        on_call = put_customers_on_calls(
            api=setup_api, directory=directory, agents=agents[: arguments.on_call], rng=rng
        )
        pushes_before = customer_updates_sent(arguments.database_url)

        tag = f"{os.getpid()}-{int(time.time())}"
        incidents = make_incidents(
            count=2 * arguments.incidents,
            directory=directory,
            on_call=on_call,
            rng=rng,
            tag=tag,
        )
        # The first requests of a process load code and fill the connection pool.
        warmup = make_incidents(
            count=arguments.warmup, directory=directory, on_call=[], rng=rng, tag=f"{tag}-warmup"
        )
        post_incidents(
            warmup,
            mode="warmup",
            ports=ports,
            key=key,
            clients=arguments.clients,
            timeout=arguments.round_timeout,
        )
        per_round = -(-len(incidents) // (2 * arguments.rounds))
        chunks = [incidents[i : i + per_round] for i in range(0, len(incidents), per_round)]
        rounds: list[Round] = []
        for number, chunk in enumerate(chunks):
            mode = "plain" if number % 2 == 0 else "webhooks"
            subscription_id = None
            if mode == "webhooks":
                status, payload = setup_api.call(
                    "POST",
                    "/api/v1/webhooks",
                    {"url": receiver.url, "event_types": ["case.created"]},
                )
                if status != 201:
                    raise RuntimeError(f"subscribing failed: HTTP {status} {payload[:300]!r}")
                subscription = json.loads(payload)
                receiver.secrets.append(subscription["secret"])
                subscription_id = subscription["id"]
            received_before = receiver.received
            cpu_before = meter.read()
            result = post_incidents(
                chunk,
                mode=mode,
                ports=ports,
                key=key,
                clients=arguments.clients,
                timeout=arguments.round_timeout,
            )
            result.cpu = meter.used(cpu_before, meter.read())
            result.delivered_by_end = receiver.received - received_before
            rounds.append(result)
            print(
                f"round {number + 1}/{len(chunks)} {mode}: {result.sent:,} in "
                f"{result.seconds:.1f} s ({result.sent / result.seconds:.1f}/s)"
            )
            if subscription_id is not None:
                result.drain, result.drain_seconds = wait_for_deliveries(
                    database_url=arguments.database_url,
                    subscription_id=subscription_id,
                    broker=broker,
                    timeout=arguments.drain_timeout,
                )
                result.deliveries = delivery_counts(arguments.database_url, subscription_id)
                print(
                    f"  deliveries {dict(result.deliveries)}: {result.drain} "
                    f"{result.drain_seconds:.1f} s after the last answer"
                )
                # Deleting the subscription deletes its deliveries: counted just before.
                setup_api.call("DELETE", f"/api/v1/webhooks/{subscription_id}")
        setup_api.close()
        pushes = customer_updates_sent(arguments.database_url) - pushes_before
        print()
        machine = machine_description(
            packages=("django", "daphne", "celery"),
            database_url=arguments.database_url,
            redis_url=arguments.redis_url,
        )
        print(f"machine: {machine_line(machine)}")
        print_report(
            rounds=rounds,
            arguments=arguments,
            receiver=receiver,
            pushes=pushes,
            on_call=on_call,
        )
    except KeyboardInterrupt:
        print("\ninterrupted; stopping what was started")
        raise SystemExit(130) from None
    finally:
        for process in reversed(started_processes):
            process.stop()
        receiver.shutdown()
        receiver.server_close()


if __name__ == "__main__":
    main()
