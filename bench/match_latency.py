"""One record's match at scale: the time `ingest_source_records` takes for a single record
against a large table of stored records.

    .venv/bin/python bench/match_latency.py [--customers 1000000] [--probes 600]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_match] [--reuse]

The stored records are loaded with the screen-pop benchmark's SQL generator
(bench/screen_pop_data.py: one loan-desk record per customer, with its match keys and blocking
keys, built in PostgreSQL in a few minutes even for a million). Then probes are resolved one
at a time, in-process, through the product's own function, each in a transaction rolled back
afterwards so the table stays the size it was: a third are another desk's record of a stored
customer (half-width kana, the same mobile: links), a third the same person having moved and
changed phones (name and birth date only: a steward's case), a third people nobody has
(created). Reported: p50, p95, p99 and max in milliseconds, per kind and over all, and the
candidates read. The machine's load average is printed beside them: on a shared machine the
tail reflects the neighbours too.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import jaconv
from harness import (
    load_average,
    machine_description,
    machine_line,
    manage,
    percentile,
    recreate_database,
    server_environment,
    set_up_django,
)
from screen_pop_data import DataSize, load_customers, loaded_customers, sample_records


def probes(database_url: str, *, customers: int, count: int, seed: int) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    numbers = rng.sample(range(1, customers + 1), count)
    stored = sample_records(database_url, numbers)
    made = []
    for n, (number, payload, _keys, _blocks) in enumerate(stored):
        kind = ("same person", "moved, new phone", "nobody known")[n % 3]
        record = {
            "external_id": f"P-{number}",
            "name": payload["name"].replace(" ", "\u3000"),
            "name_kana": jaconv.z2h(payload["name_kana"], kana=True),
            "birth_date": payload["birth_date"],
            "phones": payload["phones"],
        }
        if kind == "moved, new phone":
            record["phones"] = [f"080-{rng.randrange(10000):04d}-{rng.randrange(10000):04d}"]
            record["address"] = (
                f"大阪府大阪市北区梅田{rng.randrange(1, 9)}-{rng.randrange(1, 30)}-1"
            )
        elif kind == "nobody known":
            record["birth_date"] = f"19{rng.randrange(40, 99)}-{rng.randrange(1, 13):02d}-15"
            record["name"] = "新井 " + payload["name"].split(" ")[-1]
            record["name_kana"] = "ｱﾗｲ " + jaconv.z2h(
                payload["name_kana"].split(" ")[-1], kana=True
            )
            record["phones"] = [f"070-{rng.randrange(10000):04d}-{rng.randrange(10000):04d}"]
        made.append((kind, record))
    return made


def time_probes(made: list[tuple[str, dict]]) -> dict[str, list[float]]:
    from django.db import transaction

    from customers.resolution import ingest_source_records

    times: dict[str, list[float]] = {}
    actions: dict[str, dict[str, int]] = {}
    for kind, record in made:
        with transaction.atomic():
            started = time.perf_counter()
            (result,) = ingest_source_records(system="atm_svc", records=[record]).results
            times.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
        counts = actions.setdefault(kind, {})
        counts[result.action] = counts.get(result.action, 0) + 1
    for kind, counts in actions.items():
        print(f"  {kind}: {counts}")
    return times


def summary(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5):.1f}  p95 {percentile(values, 0.95):.1f}  "
        f"p99 {percentile(values, 0.99):.1f}  max {max(values):.1f} ms "
        f"(mean {statistics.fmean(values):.1f}, n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=600)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_match")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded records")
    arguments = parser.parse_args()
    env = server_environment(database_url=arguments.database_url, debug=False)
    if not arguments.reuse:
        recreate_database(arguments.database_url)
        manage("migrate", "--noinput", "-v", "0", env=env)
    set_up_django(env)
    if not arguments.reuse or loaded_customers(arguments.database_url) != arguments.customers:
        started = time.monotonic()
        print(f"loading {arguments.customers:,} stored records ...", flush=True)
        load_customers(
            arguments.database_url,
            size=DataSize(customers=arguments.customers, history_contacts=0, cases=0),
            agent_ids=[0],
            say=lambda text: print(text, flush=True),
        )
        print(f"  loaded in {time.monotonic() - started:.0f} s")
    print(machine_line(machine_description(database_url=arguments.database_url)))
    made = probes(
        arguments.database_url,
        customers=arguments.customers,
        count=arguments.probes,
        seed=arguments.seed,
    )
    # The first few warm the process (imports, the model, normalisation caches).
    time_probes(made[:10])
    print(f"load average before: {load_average()}")
    times = time_probes(made)
    print(f"load average after: {load_average()}")
    for kind, values in times.items():
        print(f"{kind:>18}: {summary(values)}")
    print(f"{'all':>18}: {summary([v for values in times.values() for v in values])}")


if __name__ == "__main__":
    main()
