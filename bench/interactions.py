"""Touchpoints through the batch API, and the customer-360 (the screen pop's own work) with and
without a week of touchpoints.

    .venv/bin/python bench/interactions.py [--customers 5000] [--batches 20] [--batch-size 1000]
        [--clients 2] [--servers 1] [--pop-rounds 300] [--seed 1]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_interactions]
        [--redis-url redis://127.0.0.1:6379/6]

Makes the database again (its name must start with "bench"), migrates it and ingests --customers
customers with customer numbers. Starts --servers Daphne processes (DEBUG off; production runs
one per core) on that PostgreSQL and Redis and POSTs `/api/v1/interactions/batch` from --clients
keep-alive threads spread over the servers: --batches batches of --batch-size new touchpoints
(every channel, customers named by customer number, 2% by a number nobody has), then the same
batches again (the idempotent path: nothing new is stored). Reports touchpoints per second (all
rows over the wall time of the run) and batch latency.

Then, in this process on the same database, times `customer_360` (what the screen pop builds for
a known caller) for customers with no touchpoint and for customers given 20 in the last week,
alternating the two kinds call by call so the machine's noise falls on both alike, and counts the
queries of each. Nothing is written to docs; the servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import threading
import time
from datetime import datetime, timedelta, timezone

from harness import (
    benchmark_database_name,
    machine_description,
    machine_line,
    manage,
    percentile,
    recreate_database,
    say,
    server_environment,
    set_up_django,
    start_daphne,
    wait_until_answering,
)

CHANNELS = ["web", "app", "branch", "line", "email", "sms", "chat"]
TOKYO = timezone(timedelta(hours=9))


def batches(*, count: int, size: int, customers: int, rng: random.Random) -> list[bytes]:
    now = datetime.now(TOKYO)
    made = []
    for batch in range(count):
        rows = []
        for row in range(size):
            number = f"C{rng.randrange(customers):07d}" if rng.random() > 0.02 else "C9999999"
            rows.append(
                {
                    "source": "bench_app",
                    "external_id": f"B{batch:04d}-{row:04d}",
                    "channel": rng.choice(CHANNELS),
                    "direction": "inbound",
                    "occurred_at": (now - timedelta(minutes=rng.randrange(20000))).isoformat(),
                    "customer": {"customer_number": number},
                    "subject": "アプリで増枠を申込 / limit increase applied for",
                }
            )
        made.append(json.dumps({"interactions": rows}).encode())
    return made


def post_all(
    *, ports: list[int], key: str, bodies: list[bytes], clients: int
) -> tuple[float, list]:
    """Wall seconds and (latency, status, errors) per batch; client n posts to ports[n % len]."""
    queue = list(enumerate(bodies))
    lock = threading.Lock()
    results = []

    def work(port: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                _, body = queue.pop(0)
            started = time.perf_counter()
            connection.request(
                "POST",
                "/api/v1/interactions/batch",
                body=body,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            answer = json.loads(response.read())
            elapsed = time.perf_counter() - started
            with lock:
                results.append((elapsed, response.status, len(answer.get("errors", []))))
        connection.close()

    threads = [threading.Thread(target=work, args=(ports[n % len(ports)],)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, results


def report(label: str, wall: float, results: list, rows: int) -> None:
    latencies = sorted(elapsed * 1000 for elapsed, _, _ in results)
    statuses = sorted({status for _, status, _ in results})
    errors = sum(count for _, _, count in results)
    say(
        f"{label}: {rows:,} rows in {wall:.2f} s = {rows / wall:,.0f} touchpoints/s; batch p50 "
        f"{percentile(latencies, 0.5):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms; "
        f"statuses {statuses}; row errors {errors:,}"
    )


def time_customer_360(*, rounds: int, rng: random.Random) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone as django_timezone

    from console.calls.screen import customer_360
    from contacts.models import Contact
    from contacts.touchpoints import TouchpointRecord, record_touchpoints
    from customers.resolution import ingest_source_records

    # Customers of their own, beyond those the batches touched.
    outcome = ingest_source_records(
        system="pop_bench",
        records=[
            {"external_id": f"P{n:05d}", "customer_number": f"P{n:07d}", "name": f"顧客 P{n}"}
            for n in range(rounds * 2)
        ],
    )
    untouched = [result.customer_id for result in outcome.results]
    assert not Contact.objects.filter(customer_id__in=untouched).exists()
    rng.shuffle(untouched)
    plain, with_touchpoints = untouched[:rounds], untouched[rounds : rounds * 2]
    now = django_timezone.now()
    records = [
        TouchpointRecord(
            source="bench_pop",
            external_id=f"{customer_id}-{n}",
            channel=CHANNELS[n % len(CHANNELS)],
            direction="inbound",
            occurred_at=now - timedelta(hours=8 * n),
            subject="会員ページで返済予定を確認",
            customer_id=customer_id,
        )
        for customer_id in with_touchpoints
        for n in range(20)
    ]
    for start in range(0, len(records), 1000):
        record_touchpoints(records=records[start : start + 1000])
    for customer_id in plain[:20] + with_touchpoints[:20]:  # warm the caches alike
        customer_360(customer_id=customer_id, with_source_records=False)
    timings = {"none": [], "20": []}
    for none_id, twenty_id in zip(plain, with_touchpoints, strict=True):
        for kind, customer_id in (("none", none_id), ("20", twenty_id)):
            started = time.perf_counter()
            customer_360(customer_id=customer_id, with_source_records=False)
            timings[kind].append((time.perf_counter() - started) * 1000)
    queries = {}
    for kind, customer_id in (("none", plain[0]), ("20", with_touchpoints[0])):
        with CaptureQueriesContext(connection) as captured:
            shown = customer_360(customer_id=customer_id, with_source_records=False)
        queries[kind] = (len(captured), len(shown["since_last_call"]))
    for kind, values in timings.items():
        values.sort()
        say(
            f"customer_360, {kind} touchpoints (since_last_call {queries[kind][1]}): "
            f"{queries[kind][0]} queries; p50 {statistics.median(values):.2f} ms, "
            f"p95 {percentile(values, 0.95):.2f} ms, p99 {percentile(values, 0.99):.2f} ms "
            f"over {len(values)} calls"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument(
        "--servers", type=int, default=1, help="Daphne processes (production: one per core)"
    )
    parser.add_argument("--pop-rounds", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench_interactions"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    arguments = parser.parse_args()
    benchmark_database_name(arguments.database_url)
    rng = random.Random(arguments.seed)
    env = server_environment(
        database_url=arguments.database_url,
        redis_url=arguments.redis_url,
        debug=False,
        key_prefix="bench-interactions",
    )
    recreate_database(arguments.database_url)
    manage("migrate", "--noinput", env=env)
    set_up_django(env)
    from customers.resolution import ingest_source_records

    for start in range(0, arguments.customers, 1000):
        ingest_source_records(
            system="loan_cc",
            records=[
                {"external_id": f"L{n:07d}", "customer_number": f"C{n:07d}", "name": f"顧客 {n}"}
                for n in range(start, min(start + 1000, arguments.customers))
            ],
        )
    key = manage("create_api_client", "bench-interactions", "--scopes", "interactions", env=env)
    key = key.strip().splitlines()[-1]
    say(
        machine_line(
            machine_description(database_url=arguments.database_url, redis_url=arguments.redis_url)
        )
    )
    bodies = batches(
        count=arguments.batches,
        size=arguments.batch_size,
        customers=arguments.customers,
        rng=rng,
    )
    rows = arguments.batches * arguments.batch_size
    servers = [start_daphne("console.asgi:application", env=env) for _ in range(arguments.servers)]
    ports = [server.port for server in servers]
    try:
        for server in servers:
            wait_until_answering(server)
        # Warm-up: one batch through each server, stored.
        warm = arguments.servers
        for port, body in zip(ports, bodies[:warm], strict=True):
            post_all(ports=[port], key=key, bodies=[body], clients=1)
        wall, results = post_all(
            ports=ports, key=key, bodies=bodies[warm:], clients=arguments.clients
        )
        report("new touchpoints", wall, results, rows - warm * arguments.batch_size)
        wall, results = post_all(ports=ports, key=key, bodies=bodies, clients=arguments.clients)
        report("the same again (idempotent)", wall, results, rows)
    finally:
        for server in servers:
            server.stop()
    time_customer_360(rounds=arguments.pop_rounds, rng=rng)


if __name__ == "__main__":
    main()
