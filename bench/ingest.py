"""Identity-resolution ingest benchmark: speed and accuracy through the real batch API.

    .venv/bin/python bench/ingest.py [--records 100000] [--seed 1] [--servers 2] [--clients 2]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_ingest]

It generates a labelled set of demo records over both desks (traps included, every record's true
person known), makes a fresh PostgreSQL database (dropping the one of that name: its name must
start with "bench"), migrates it, starts `--servers` Daphne processes (as in production: DEBUG off,
each on its own free port, as behind a load balancer; one process runs Python on one core at a
time), creates an `ingest` API key, POSTs the records a thousand a batch (the API's maximum) from
`--clients` client threads spread evenly over the servers, and reports:

- records per second over the posting phase (what an integrator sees, resolution included),
  with the load average before and after it (the machine may be shared) and the CPU time a
  batch took in the servers, in PostgreSQL and on the whole machine;
- pairwise precision and recall of automatic links: pairs of records resolved to one customer
  against pairs that are truly one person;
- recall when review candidates count as found, i.e. if a steward accepted every suggestion
  in the review queue that is right;
- which kinds of generated difference the misses carry, which traps the wrong links joined,
  and a few examples of each.

Nothing is written to docs: copy the figures to docs/BENCHMARKS.md by hand. The servers are
stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import random
import re
import signal
import statistics
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from harness import (
    manage,
    recreate_database,
    server_environment,
    set_up_django,
    start_daphne,
    wait_until_answering,
)

BATCH_SIZE = 1000  # the batch API's maximum
# Demo people average a little under 1.5 records (45% are known to both desks).
RECORDS_PER_PERSON_GUESS = 1.45

RecordKey = tuple[str, str]  # (system, external_id)


# --- setting up --------------------------------------------------------------------------------


# --- the labelled records ----------------------------------------------------------------------


@dataclass
class LabelledSet:
    records: dict[RecordKey, dict]
    person_of: dict[RecordKey, str]
    variants_of: dict[str, tuple[str, ...]]  # person id → generated differences
    trap_of: dict[str, tuple[str, str]]  # person id → (trap kind, group id)
    people: int


# What real legacy records do that the demo's do not, as shares of the people known to both
# desks (and, for the missing birth date, of every ATM record): the ATM record is changed.
MESS_SHARES = {
    "no_birth_date": 0.06,  # of all ATM records: old card systems often lack it
    "birth_date_typo": 0.015,  # one digit wrong, or two neighbouring digits swapped
    "birth_day_month_swapped": 0.01,
    "address_missing": 0.03,
    "address_abbreviated": 0.02,  # prefecture and city left out
    "married_landline_only": 0.005,  # a new family name and only the home landline shared
    "latin_name": 0.02,  # typed in romaji by an agent, no kana
    "latin_name_typo": 0.01,  # romaji with one letter wrong
}
_PREFECTURE_AND_CITY = re.compile(r"^(?:東京都|北海道|(?:京都|大阪)府|.{2,3}県)(?:.+?[市郡])?")
_FAMILY_NAMES_AFTER_MARRIAGE = [
    ("小川", "オガワ"),
    ("森", "モリ"),
    ("石井", "イシイ"),
    ("岡田", "オカダ"),
]


def _birth_date_typo(date: str, rng: random.Random) -> str:
    import datetime

    digits = date.replace("-", "")
    for _ in range(20):
        position = rng.randrange(2, 8)  # the century is never mistyped
        typed = digits[:position] + str(rng.randrange(10)) + digits[position + 1 :]
        try:
            changed = datetime.date(int(typed[:4]), int(typed[4:6]), int(typed[6:]))
        except ValueError:
            continue
        # The API refuses a date in the future or before 1900, as real desks' systems do.
        if typed != digits and 1900 <= changed.year <= datetime.date.today().year - 18:
            return changed.isoformat()
    return date


def _romaji(kana: str) -> str:
    """A kana name as an agent types it in Latin letters: given name first, capitalised."""
    import pykakasi

    family, _, given = kana.replace("　", " ").partition(" ")
    converter = pykakasi.kakasi()

    def spelled(part: str) -> str:
        return "".join(item["hepburn"] for item in converter.convert(part)).capitalize()

    return f"{spelled(given)} {spelled(family)}".strip()


def _one_letter_wrong(text: str, rng: random.Random) -> str:
    positions = [i for i, c in enumerate(text) if c.isalpha() and i > 0]
    if not positions:
        return text
    i = rng.choice(positions)
    replacement = rng.choice([c for c in "aeiounrst" if c != text[i].lower()])
    return text[:i] + replacement + text[i + 1 :]


def add_real_world_mess(people: list, *, seed: int) -> list:
    """The people with their ATM records changed as MESS_SHARES says (only people outside the
    trap groups, whose records must stay as the trap needs them), each change a variant."""
    from dataclasses import replace

    rng = random.Random(seed + 7)
    messy = []
    for person in people:
        records = [(system, dict(record)) for system, record in person.records]
        variants = list(person.variants)
        for system, record in records:
            if system == "atm_svc" and rng.random() < MESS_SHARES["no_birth_date"]:
                record["birth_date"] = ""
                variants.append("no_birth_date")
        if not person.trap and len(records) >= 2 and records[-1][1].get("birth_date"):
            first, last = records[0][1], records[-1][1]
            roll, edge = rng.random(), 0.0
            for variant in list(MESS_SHARES)[1:]:
                edge += MESS_SHARES[variant]
                if roll < edge:
                    if _make_messy(variant, first, last, rng):
                        variants.append(variant)
                    break
        messy.append(replace(person, records=tuple(records), variants=tuple(variants)))
    return messy


def _make_messy(variant: str, first: dict, last: dict, rng: random.Random) -> bool:
    if variant == "birth_date_typo":
        last["birth_date"] = _birth_date_typo(last["birth_date"], rng)
    elif variant == "birth_day_month_swapped":
        year, month, day = last["birth_date"].split("-")
        if day == month or int(day) > 12:
            return False
        last["birth_date"] = f"{year}-{day}-{month}"
    elif variant == "address_missing":
        last["address"], last["postal_code"] = "", ""
    elif variant == "address_abbreviated":
        shortened = _PREFECTURE_AND_CITY.sub("", last.get("address") or "")
        if not shortened or shortened == last.get("address"):
            return False
        last["address"] = shortened
    elif variant == "married_landline_only":
        landlines = [
            p
            for p in first.get("phones", [])
            if not p.replace("-", "").startswith(("090", "080", "070", "060"))
        ]
        home = (
            landlines[0]
            if landlines
            else f"03-{rng.randrange(1000, 9999)}-{rng.randrange(10000):04d}"
        )
        first["phones"] = [*first.get("phones", []), *([] if landlines else [home])]
        family, kana = rng.choice(_FAMILY_NAMES_AFTER_MARRIAGE)
        given = re.split(r"[\s　]+", last.get("name") or first["name"], maxsplit=1)[-1]
        given_kana = re.split(r"[\s　]+", first["name_kana"], maxsplit=1)[-1]
        last.update(
            name=f"{family} {given}",
            name_kana=f"{kana} {given_kana}",
            phones=[home],
            emails=[],
            address="",
            postal_code="",
        )
    elif variant in ("latin_name", "latin_name_typo"):
        romaji = _romaji(first["name_kana"])
        if variant == "latin_name_typo":
            romaji = _one_letter_wrong(romaji, rng)
        last["name"], last["name_kana"] = romaji, ""
    return True


def generate_labelled_set(*, minimum_records: int, seed: int) -> LabelledSet:
    from demo.customers import generate_people

    count = math.ceil(minimum_records / RECORDS_PER_PERSON_GUESS)
    while True:
        people = generate_people(count=count, rng=random.Random(seed))
        if sum(len(person.records) for person in people) >= minimum_records:
            break
        count = math.ceil(count * 1.05)
    people = add_real_world_mess(people, seed=seed)
    labelled = LabelledSet(records={}, person_of={}, variants_of={}, trap_of={}, people=count)
    for person in people:
        labelled.variants_of[person.person_id] = person.variants
        labelled.trap_of[person.person_id] = (person.trap, person.group_id)
        for system, record in person.records:
            key = (system, record["external_id"])
            labelled.records[key] = record
            labelled.person_of[key] = person.person_id
    return labelled


def request_bodies(labelled: LabelledSet, *, seed: int) -> list[tuple[int, bytes]]:
    """Batches of one system each, the systems' batches interleaved and the records shuffled,
    so a person's two records arrive in either order and often in concurrent batches."""
    shuffler = random.Random(seed + 1)
    by_system: dict[str, list[dict]] = defaultdict(list)
    for (system, _), record in labelled.records.items():
        by_system[system].append(record)
    queues = []
    for system in sorted(by_system):
        records = by_system[system]
        shuffler.shuffle(records)
        queues.append(
            [
                (system, records[start : start + BATCH_SIZE])
                for start in range(0, len(records), BATCH_SIZE)
            ]
        )
    bodies = []
    for round_ in range(max(len(queue) for queue in queues)):
        for queue in queues:
            if round_ < len(queue):
                system, records = queue[round_]
                body = json.dumps({"system": system, "records": records}, ensure_ascii=False)
                bodies.append((len(records), body.encode()))
    return bodies


# --- posting -----------------------------------------------------------------------------------


def _process_cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its waited-for children, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _machine_busy_seconds() -> float:
    # The "cpu" line of /proc/stat: user nice system idle iowait irq softirq steal ...
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(values) - values[3] - values[4]
    return busy / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuUsage:
    """Where the machine's CPU went while posting: the benchmark's servers, PostgreSQL (all of
    it, including other users of a shared server), this client, and the whole machine."""

    load_before: tuple[float, float, float]
    server_pids: list[int]
    started: dict[str, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    seconds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def start(cls, *, server_pids: list[int]) -> CpuUsage:
        usage = cls(load_before=os.getloadavg(), server_pids=server_pids, started={})
        usage.started = usage._totals()
        return usage

    def _totals(self) -> dict[str, float]:
        # Daphne's own process is the one serving: it runs no workers of its own.
        return {
            "servers": sum(_process_cpu_seconds(pid) for pid in self.server_pids),
            # Backends come and go with the pool: counted while they live, so a lower bound.
            "postgres": sum(_process_cpu_seconds(pid) for pid in _postgres_pids()),
            "client": _process_cpu_seconds(os.getpid()),
            "machine": _machine_busy_seconds(),
        }

    def stop(self) -> CpuUsage:
        self.load_after = os.getloadavg()
        self.seconds = {name: value - self.started[name] for name, value in self._totals().items()}
        return self


@dataclass
class PostingResult:
    seconds: float
    records_sent: int
    actions: Counter = field(default_factory=Counter)
    record_errors: list[dict] = field(default_factory=list)
    failed_batches: list[str] = field(default_factory=list)
    batch_seconds: list[float] = field(default_factory=list)
    cpu: CpuUsage | None = None


def post_batches(
    bodies: list[tuple[int, bytes]], *, ports: list[int], key: str, clients: int
) -> PostingResult:
    local = threading.local()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    # Each client thread keeps to one server, the threads spread evenly over the servers.
    next_client = iter(range(clients))
    next_client_lock = threading.Lock()

    def post(body: bytes) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        if getattr(local, "port", None) is None:
            with next_client_lock:
                local.port = ports[next(next_client) % len(ports)]
        for attempt in range(2):
            if getattr(local, "connection", None) is None:
                local.connection = http.client.HTTPConnection("127.0.0.1", local.port, timeout=600)
            try:
                local.connection.request("POST", "/api/v1/source-records/batch", body, headers)
                response = local.connection.getresponse()
                return response.status, response.read(), time.perf_counter() - started
            except (http.client.HTTPException, OSError):
                local.connection.close()
                local.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    result = PostingResult(seconds=0.0, records_sent=sum(size for size, _ in bodies))
    started = time.perf_counter()
    done_records = 0
    pool = ThreadPoolExecutor(max_workers=clients)
    futures = {pool.submit(post, body): size for size, body in bodies}
    try:
        for number, future in enumerate(as_completed(futures), start=1):
            status, payload, seconds = future.result()
            result.batch_seconds.append(seconds)
            if status != 200:
                result.failed_batches.append(f"HTTP {status}: {payload[:300]!r}")
                continue
            answer = json.loads(payload)
            result.actions.update(item["action"] for item in answer["results"])
            result.record_errors.extend(answer["errors"])
            done_records += futures[future]
            if number % 10 == 0 or number == len(bodies):
                elapsed = time.perf_counter() - started
                print(
                    f"  {number}/{len(bodies)} batches, {done_records} records, "
                    f"{done_records / elapsed:,.0f} records/s",
                    flush=True,
                )
    finally:
        # On Ctrl-C, batches not yet sent are dropped; the ones in flight end with the server.
        pool.shutdown(wait=False, cancel_futures=True)
    result.seconds = time.perf_counter() - started
    return result


# --- scoring -----------------------------------------------------------------------------------


def pairs(n: int) -> int:
    return n * (n - 1) // 2


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, item):
        parent = self.parent.setdefault(item, item)
        if parent != item:
            parent = self.parent[item] = self.find(parent)
        return parent

    def union(self, a, b) -> None:
        self.parent[self.find(a)] = self.find(b)


@dataclass
class Resolution:
    """What the product decided, read back from its database."""

    customer_of: dict[RecordKey, str]  # the record's current customer (after merges)
    rule_of: dict[RecordKey, str]  # the rule that linked it ("" when it created its customer)
    keys_of: dict[RecordKey, dict]  # its stored match keys
    reviews: list[tuple[RecordKey, str]]  # open review candidates: record, candidate customer


def read_resolution(database_url: str) -> Resolution:
    """An absorbed customer counts as its survivor: merges re-point whole chains, so one step
    is enough."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            """
            SELECT r.system, r.external_id, COALESCE(c.merged_into_id, c.id)::text, r.link_rule,
                   r.match_keys
            FROM customers_sourcerecord r JOIN customers_customer c ON c.id = r.customer_id
            """
        ).fetchall()
        reviews = connection.execute(
            """
            SELECT r.system, r.external_id, COALESCE(c.merged_into_id, c.id)::text
            FROM customers_reviewcandidate v
            JOIN customers_sourcerecord r ON r.id = v.source_record_id
            JOIN customers_customer c ON c.id = v.candidate_customer_id
            WHERE v.status = 'open'
            """
        ).fetchall()
    return Resolution(
        customer_of={(row[0], row[1]): row[2] for row in rows},
        rule_of={(row[0], row[1]): row[3] for row in rows},
        keys_of={(row[0], row[1]): row[4] for row in rows},
        reviews=[((system, external_id), candidate) for system, external_id, candidate in reviews],
    )


# The generated differences that decide whether a pair can be linked at all; the others (phone
# and address formats, hiragana, kanji variants ...) are folded away by normalisation when it
# works, and would only make the signatures of missed pairs longer.
DECISIVE_DIFFERENCES = (
    "changed_phone",
    "moved",
    "married_surname",
    "kana_typo",
    "legacy_large_kana",
    "kana_only",
    "unspaced_name",
    "no_email",
    "no_address",
    "address_without_prefecture",
    *MESS_SHARES,
)


@dataclass
class Scores:
    true_pairs: int = 0
    linked_pairs: int = 0
    correct_pairs: int = 0
    correct_pairs_with_review: int = 0
    reviews: int = 0
    right_reviews: int = 0
    customers: int = 0
    people: int = 0
    # difference → [pairs, missed, missed even with review]
    by_difference: dict[str, list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0])
    )
    # (decisive differences, what the rules say of the pair) → [missed, missed even with review]
    missed_by_cause: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    missed_examples: dict[tuple[str, str], list] = field(default_factory=lambda: defaultdict(list))
    wrong_by_cause: Counter = field(default_factory=Counter)
    wrong_examples: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.linked_pairs if self.linked_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def recall_with_review(self) -> float:
        return self.correct_pairs_with_review / self.true_pairs if self.true_pairs else 1.0


def what_the_rules_say(a: dict, b: dict) -> str:
    """The matcher's verdict on two stored records, to tell its "no" from a link the
    resolution did not make (e.g. a candidate outside the blocks it compared)."""
    from customers.comparisons import COMPARISONS, compare_records
    from customers.match_models import current_weights
    from customers.matching import LINK, decide
    from customers.normalization import MatchKeys, blocking_keys

    keys_a, keys_b = MatchKeys.from_dict(a), MatchKeys.from_dict(b)
    comparison = compare_records(keys_a, keys_b)
    levels = ",".join(
        f"{n[:4]}={level}" for n, level in zip(COMPARISONS, comparison.levels, strict=True)
    )
    verdict = decide(comparison, weights=current_weights())
    if verdict is None:
        return f"apart ({levels})"
    if verdict.decision != LINK:
        return f"review p={verdict.score:.3f} {verdict.held_back} ({levels})"
    if not blocking_keys(keys_a) & blocking_keys(keys_b):
        return f"would link, no shared blocking key ({levels})"
    return f"would link, not linked ({levels})"


def score(labelled: LabelledSet, resolution: Resolution) -> Scores:
    person_of, customer_of, keys_of = labelled.person_of, resolution.customer_of, resolution.keys_of
    scores = Scores()
    stored = [key for key in labelled.records if key in customer_of]
    by_person: dict[str, list[RecordKey]] = defaultdict(list)
    by_customer: dict[str, list[RecordKey]] = defaultdict(list)
    for key in stored:
        by_person[person_of[key]].append(key)
        by_customer[customer_of[key]].append(key)
    by_customer_and_person = Counter((customer_of[key], person_of[key]) for key in stored)

    # A steward who accepts each right suggestion joins the record's customer and the candidate.
    joined = UnionFind()
    for key, candidate in resolution.reviews:
        scores.reviews += 1
        if key in person_of and (candidate, person_of[key]) in by_customer_and_person:
            scores.right_reviews += 1
            joined.union(customer_of[key], candidate)
    by_group_and_person = Counter((joined.find(customer_of[key]), person_of[key]) for key in stored)

    scores.people, scores.customers = len(by_person), len(by_customer)
    scores.true_pairs = sum(pairs(len(records)) for records in by_person.values())
    scores.linked_pairs = sum(pairs(len(records)) for records in by_customer.values())
    scores.correct_pairs = sum(pairs(n) for n in by_customer_and_person.values())
    scores.correct_pairs_with_review = sum(pairs(n) for n in by_group_and_person.values())

    for person, records in by_person.items():
        differences = labelled.variants_of[person] or ("(written alike)",)
        for index, a in enumerate(records):
            for b in records[index + 1 :]:
                auto = customer_of[a] == customer_of[b]
                reviewed = joined.find(customer_of[a]) == joined.find(customer_of[b])
                for difference in differences:
                    counts = scores.by_difference[difference]
                    counts[0] += 1
                    counts[1] += not auto
                    counts[2] += not reviewed
                if auto:
                    continue
                if a[0] == b[0]:
                    signature = f"two {a[0]} records"
                else:
                    signature = (
                        " + ".join(d for d in DECISIVE_DIFFERENCES if d in differences)
                        or "(formats only)"
                    )
                cause = (signature, what_the_rules_say(keys_of[a], keys_of[b]))
                scores.missed_by_cause[cause][0] += 1
                scores.missed_by_cause[cause][1] += not reviewed
                if len(scores.missed_examples[cause]) < 20:
                    scores.missed_examples[cause].append((a, b))

    for records in by_customer.values():
        if len({person_of[key] for key in records}) < 2:
            continue
        for index, a in enumerate(records):
            for b in records[index + 1 :]:
                if person_of[a] == person_of[b]:
                    continue
                trap_a, trap_b = labelled.trap_of[person_of[a]], labelled.trap_of[person_of[b]]
                relation = trap_a[0] if trap_a[1] and trap_a == trap_b else "unrelated"
                rules = what_the_rules_say(keys_of[a], keys_of[b])
                scores.wrong_by_cause[(relation, rules)] += 1
                if len(scores.wrong_examples) < 50:
                    scores.wrong_examples.append((a, b))
    return scores


# --- reporting ---------------------------------------------------------------------------------


def describe(record: dict) -> str:
    fields = ("name", "name_kana", "birth_date", "gender", "phones", "emails", "postal_code")
    shown = {name: record.get(name) for name in fields if record.get(name)}
    shown["address"] = record.get("address", "")
    return json.dumps(shown, ensure_ascii=False)


def print_speed(
    *, posting: PostingResult, batches: int, labelled: LabelledSet, arguments, version: str
) -> None:
    rate = posting.records_sent / posting.seconds if posting.seconds else 0.0
    times = posting.batch_seconds or [0.0]
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    print()
    print("== Identity resolution ingest (bench/ingest.py) ==")
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {version}; seed {arguments.seed}; {arguments.servers} Daphne processes, "
        f"{arguments.clients} client threads"
    )
    print(
        f"records: {posting.records_sent:,} ({labelled.people:,} true people) "
        f"in {batches} batches of up to {BATCH_SIZE}"
    )
    print(
        f"speed:   {rate:,.0f} records/s ({posting.seconds:.1f} s; per batch p50 "
        f"{statistics.median(times):.2f} s, p95 {p95:.2f} s)   aim ≥ 3,000"
    )
    if posting.cpu is not None:
        cpu, per_batch = posting.cpu, 1000 / max(batches, 1)
        available = posting.seconds * per_batch * (os.cpu_count() or 1)
        print(
            f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in cpu.load_before)} "
            f"before, {' '.join(f'{v:.2f}' for v in cpu.load_after)} after"
        )
        print(
            "CPU while posting, ms a batch: "
            + ", ".join(f"{name} {value * per_batch:,.0f}" for name, value in cpu.seconds.items())
            + f" (of {available:,.0f} core-ms a batch on {os.cpu_count()} cores)"
        )
    print(f"actions: {dict(sorted(posting.actions.items()))}")
    if posting.failed_batches or posting.record_errors:
        print(
            f"PROBLEMS: {len(posting.failed_batches)} failed batches, "
            f"{len(posting.record_errors)} refused records"
        )
        for failure in posting.failed_batches[:3]:
            print(f"  {failure}")
        for error in posting.record_errors[:3]:
            print(f"  {error}")


def print_accuracy(
    *, labelled: LabelledSet, resolution: Resolution, scores: Scores, examples: int
) -> None:
    rule_of = resolution.rule_of
    print(
        f"people → customers: {scores.people:,} → {scores.customers:,}; true pairs "
        f"{scores.true_pairs:,}, auto-linked pairs {scores.linked_pairs:,}"
    )
    print(f"auto-link precision:         {scores.precision:.4f}   aim ≥ 0.995")
    print(f"auto-link recall:            {scores.recall:.4f}")
    print(f"recall with review accepted: {scores.recall_with_review:.4f}   aim ≥ 0.98")
    print(f"review queue: {scores.reviews:,} open candidates, {scores.right_reviews:,} right")
    links = Counter(rule for key, rule in rule_of.items() if rule and key in labelled.records)
    print(f"links by rule: {dict(links.most_common())}")

    print("\nmissed pairs by generated difference (a pair counts under each of its differences):")
    print(f"  {'difference':28} {'pairs':>7} {'missed':>7} {'rate':>6} {'w/ review':>9}")
    ordered = sorted(scores.by_difference.items(), key=lambda item: -item[1][1])
    for difference, (total, missed, missed_with_review) in ordered:
        print(
            f"  {difference:28} {total:>7,} {missed:>7,} {missed / total:>6.1%} "
            f"{missed_with_review:>9,}"
        )

    print("\nmissed pairs by cause (decisive differences; what the match rules say of the pair):")
    print(f"  {'missed':>6} {'w/ review':>9}  cause")
    causes = sorted(scores.missed_by_cause.items(), key=lambda item: -item[1][0])
    for (signature, rules), (missed, missed_with_review) in causes[:25]:
        print(f"  {missed:>6,} {missed_with_review:>9,}  {signature}; {rules}")

    print("\nwrongly linked pairs (relation; what the match rules say):")
    for (relation, rules), count in scores.wrong_by_cause.most_common():
        print(f"  {count:>6,}  {relation}; {rules}")
    if not scores.wrong_by_cause:
        print("  none")

    if not examples:
        return
    for cause, _ in causes[:8]:
        print(f"\nmissed: {cause[0]}; {cause[1]}")
        for a, b in scores.missed_examples[cause][:examples]:
            for key in (a, b):
                print(f"  {key[0]}:{key[1]} [{rule_of.get(key) or '-'}] ", end="")
                print(describe(labelled.records[key]))
            print()
    if scores.wrong_examples:
        print("\nwrongly linked:")
    for a, b in scores.wrong_examples[:examples]:
        for key in (a, b):
            person = labelled.person_of[key]
            print(
                f"  {key[0]}:{key[1]} {person} {labelled.trap_of[person][0] or '-'} "
                f"[{rule_of.get(key) or 'created'}] {describe(labelled.records[key])}"
            )
        print()


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="at least this many")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_ingest")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--servers", type=int, default=2, help="Daphne processes (one per core is the start)"
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=2,
        help="concurrent client threads, spread over the servers. One a server measured best: "
        "batches about the same people wait for each other's database locks anyway, and a second "
        "request in a process slows the one holding them (one Python thread runs at a time)",
    )
    parser.add_argument("--examples", type=int, default=2, help="examples shown per cause")
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="only score what a previous run with the same --records and --seed left in the "
        "database (no ingest, no speed figure)",
    )
    arguments = parser.parse_args()

    # Production settings (DEBUG would keep every query's SQL in memory); no Redis: the embedded
    # cache and channel layer, nothing shared is touched.
    env = server_environment(database_url=arguments.database_url, debug=False)
    set_up_django(env)
    # A terminal's Ctrl-C raises KeyboardInterrupt; a plain kill should stop the server too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    started = time.perf_counter()
    labelled = generate_labelled_set(minimum_records=arguments.records, seed=arguments.seed)
    print(
        f"generated {len(labelled.records):,} records of {labelled.people:,} people "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if not arguments.rescore:
        bodies = request_bodies(labelled, seed=arguments.seed)
        version = recreate_database(arguments.database_url)
        manage("migrate", "--noinput", "-v", "0", env=env)
        key = (
            manage(
                "create_api_client", f"bench-ingest-{os.getpid()}", "--scopes", "ingest", env=env
            )
            .strip()
            .splitlines()[-1]
        )
        servers = []
        try:
            for number in range(arguments.servers):
                server = start_daphne(
                    "console.asgi:application",
                    env=env,
                    name=f"daphne{number}",
                    log_prefix="bench-ingest",
                )
                servers.append(server)
                wait_until_answering(server)
            ports = [server.port for server in servers]
            print(f"Daphne on ports {ports} (logs {[str(server.log_path) for server in servers]})")
            print(f"{len(bodies)} batches")
            usage = CpuUsage.start(server_pids=[server.process.pid for server in servers])
            posting = post_batches(bodies, ports=ports, key=key, clients=arguments.clients)
            posting.cpu = usage.stop()
        except KeyboardInterrupt:
            print("\ninterrupted; stopping the servers")
            raise SystemExit(130) from None
        finally:
            for server in servers:
                server.stop()
        print_speed(
            posting=posting,
            batches=len(bodies),
            labelled=labelled,
            arguments=arguments,
            version=version,
        )

    resolution = read_resolution(arguments.database_url)
    scores = score(labelled, resolution)
    print_accuracy(
        labelled=labelled, resolution=resolution, scores=scores, examples=arguments.examples
    )


if __name__ == "__main__":
    main()
