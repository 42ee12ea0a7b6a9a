"""Customer search as an agent types: every keystroke's answer, at a million customers.

    .venv/bin/python bench/customer_search.py
        [postgres://postgres@127.0.0.1:5432/bench_screen_pop] [--people 20] [--seed 7]

Reads only: the database is opened with `default_transaction_read_only` (PGOPTIONS), so it can
be one another benchmark uses (bench/screen_pop.py loads bench_screen_pop with a million
customers). Picks --people live customers at random and types, character by character, what
an agent would: the name in kanji, the reading in hiragana and in half-width kana, the phone
with its hyphens, the customer number. Each keystroke is one call of the search view (as htmx
asks for it: the results alone), template included, signed in as a superuser that is never
saved. Prints p50/p95 per kind of query of the whole view and of its SQL alone, with the
number of queries.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import defaultdict

from harness import load_average, percentile, server_environment, set_up_django

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/bench_screen_pop"


def keystrokes(text: str) -> list[str]:
    """What the box holds after each key: 小林 真由美 → 小, 小林, 小林 , 小林 真, ..."""
    return [text[:end] for end in range(1, len(text) + 1) if text[:end].strip()]


def p95(values: list[float]) -> float:
    return percentile(values, 0.95, method="nearest")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?", default=DEFAULT_DATABASE)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()

    env = server_environment(database_url=arguments.database_url, debug=True)
    # Never write to a database another benchmark owns.
    env["PGOPTIONS"] = "-c default_transaction_read_only=on"
    set_up_django(env)

    import jaconv
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import RequestFactory

    from console.customer_records.pages import customer_search
    from customers.queries import live_customers

    total = live_customers().count()
    rng = random.Random(arguments.seed)
    # Random rows without reading them all: a random customer number's neighbour.
    people = []
    for _ in range(arguments.people):
        number = f"C{rng.randrange(1, total):08d}"
        person = live_customers().filter(customer_number__gte=number).order_by("customer_number")
        people.append(person.first() or live_customers().first())

    sequences: dict[str, list[str]] = defaultdict(list)
    for person in people:
        reading = jaconv.kata2hira(person.name_kana)
        sequences["name (kanji)"] += keystrokes(person.name)
        sequences["kana (hiragana)"] += keystrokes(reading)
        sequences["kana (half-width)"] += keystrokes(jaconv.z2h(person.name_kana, kana=True))
        sequences["phone"] += keystrokes(person.phones[0]) if person.phones else []
        sequences["customer number"] += keystrokes(person.customer_number)

    viewer = get_user_model()(username="bench", is_superuser=True, is_active=True)
    factory = RequestFactory()
    sql_seconds, query_count = 0.0, 0

    def timed_sql(execute, sql, params, many, context):
        nonlocal sql_seconds, query_count
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds += time.perf_counter() - started
            query_count += 1

    def search(query: str) -> tuple[float, float, int]:
        nonlocal sql_seconds, query_count
        request = factory.get("/customers/", {"q": query}, headers={"HX-Request": "true"})
        request.user = viewer
        sql_seconds, query_count = 0.0, 0
        started = time.perf_counter()
        response = customer_search(request)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (query, response.status_code)
        return elapsed * 1000, sql_seconds * 1000, query_count

    # Warm the cache and the normalisers once, as a running server would be.
    for typed in sequences.values():
        for query in typed:
            search(query)

    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor}), {total:,} live")
    print(f"load average at start: {' '.join(f'{load:.2f}' for load in load_average())}")
    print(f"{arguments.people} people, seed {arguments.seed}; ms per keystroke")
    print()
    header = "| kind | keystrokes | view p50 | view p95 | SQL p50 | SQL p95 | queries |"
    print(header)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    everything: dict[str, list[float]] = defaultdict(list)
    with connection.execute_wrapper(timed_sql):
        for kind, typed in sequences.items():
            views, sqls, counts = [], [], []
            for query in typed:
                view_ms, sql_ms, queries = search(query)
                views.append(view_ms)
                sqls.append(sql_ms)
                counts.append(queries)
            everything["view"] += views
            everything["sql"] += sqls
            print(
                f"| {kind} | {len(typed)} | {statistics.median(views):.1f} "
                f"| {p95(views):.1f} | {statistics.median(sqls):.1f} "
                f"| {p95(sqls):.1f} | {min(counts)}–{max(counts)} |"
            )
    print(
        f"| all | {len(everything['view'])} | {statistics.median(everything['view']):.1f} "
        f"| {p95(everything['view']):.1f} "
        f"| {statistics.median(everything['sql']):.1f} "
        f"| {p95(everything['sql']):.1f} | |"
    )
    print()
    print(f"load average at end: {' '.join(f'{load:.2f}' for load in load_average())}")


if __name__ == "__main__":
    main()
