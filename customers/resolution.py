"""Identity resolution of a batch of source records.

A batch is resolved in one transaction with a fixed number of queries, not per record: the
records already stored and every candidate sharing a blocking key are read at once, the records
are matched in memory in order (so two records of one person in the same batch find each other),
and the writes go out in bulk. Concurrent batches about the same person are serialised by
transaction-level advisory locks on the blocking keys (PostgreSQL); SQLite's write lock taken at
BEGIN (transaction_mode IMMEDIATE) does the same on the embedded default.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from customers.accounts import replace_accounts, without_full_number
from customers.bulk_writes import insert_objects, update_rows
from customers.match_rules import LINK, MatchVerdict, compare
from customers.merging import kept_apart_pairs, merge_customers
from customers.models import (
    BlockingKey,
    Customer,
    DecisionKind,
    MergeDecision,
    ReviewCandidate,
    SourceRecord,
)
from customers.normalization import MatchKeys, blocking_keys, match_keys
from customers.survivorship import refresh_customers

# A key shared by more customers than this (a company switchboard, a shared family e-mail) says
# little about who is who and would make every batch compare against hundreds of records.
MAX_BLOCK_CUSTOMERS = 50


class Action:
    CREATED = "created"
    LINKED = "linked"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class RecordOutcome:
    external_id: str
    customer_id: Any
    action: str
    match: MatchVerdict | None = None

    def as_json(self) -> dict:
        match = (
            {"rule": self.match.rule, "score": round(self.match.score, 3)} if self.match else None
        )
        return {
            "external_id": self.external_id,
            "customer_id": str(self.customer_id),
            "action": self.action,
            "match": match,
        }


@dataclass
class _Candidate:
    record_key: tuple[str, str]
    customer_id: Any
    keys: MatchKeys


@dataclass
class _Batch:
    """What a batch decided in memory, written out at the end."""

    system: str
    new_customers: list[Customer] = field(default_factory=list)
    absorbed_into: dict = field(default_factory=dict)
    merges: list[tuple[Any, Any, MatchVerdict, str]] = field(default_factory=list)
    reviews: list[tuple[str, Any, MatchVerdict]] = field(default_factory=list)

    def current(self, customer_id):
        while customer_id in self.absorbed_into:
            customer_id = self.absorbed_into[customer_id]
        return customer_id


def payload_of(record: dict) -> dict:
    """The record as stored: JSON-ready values, so that the same input hashes the same, and
    account numbers replaced by their hash and last four digits."""
    if "accounts" in record:
        record = {**record, "accounts": [without_full_number(a) for a in record["accounts"]]}
    return json.loads(json.dumps(record, sort_keys=True, default=str, ensure_ascii=False))


def payload_hash(payload: dict) -> str:
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


# Keys are locked by slot, not one lock each: PostgreSQL's lock table holds a few thousand locks
# for all sessions, and a batch of 1,000 records has about ten thousand keys. Batches sharing
# a slot wait for each other, which costs a little parallelism and never correctness.
ADVISORY_LOCK_SLOTS = 1024
ADVISORY_LOCK_NAMESPACE = 0x43555354  # "CUST": keeps these apart from other advisory locks


def _advisory_lock_slots(keys: set[str]) -> list[int]:
    return sorted(
        {
            int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
            % ADVISORY_LOCK_SLOTS
            for key in keys
        }
    )


def _lock_keys(keys: set[str]) -> None:
    if connection.vendor != "postgresql" or not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, slot) FROM unnest(%s::int[]) AS slot ORDER BY slot",
            [ADVISORY_LOCK_NAMESPACE, _advisory_lock_slots(keys)],
        )


def _record_time(payload: dict) -> datetime | None:
    value = payload.get("updated_at")
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _candidates_by_key(keys: set[str], *, system: str, batch_ids: set[str]) -> dict:
    index: dict[str, list[_Candidate]] = defaultdict(list)
    rows = BlockingKey.objects.filter(key__in=keys).values_list(
        "key",
        "source_record__system",
        "source_record__external_id",
        "source_record__customer_id",
        "source_record__match_keys",
    )
    for key, record_system, external_id, customer_id, stored_keys in rows:
        if record_system == system and external_id in batch_ids:
            continue  # this batch's own records are matched from their new keys
        index[key].append(
            _Candidate(
                record_key=(record_system, external_id),
                customer_id=customer_id,
                keys=MatchKeys.from_dict(stored_keys),
            )
        )
    return index


def _best_verdicts(keys: MatchKeys, blocks: set[str], index: dict, batch: _Batch) -> dict:
    """The strongest verdict per current customer among the candidates sharing a key."""
    best: dict[Any, MatchVerdict] = {}
    seen: set[tuple[str, str]] = set()
    for block in blocks:
        candidates = index.get(block, ())
        if len({candidate.customer_id for candidate in candidates}) > MAX_BLOCK_CUSTOMERS:
            continue
        for candidate in candidates:
            customer_id = batch.current(candidate.customer_id)
            if candidate.record_key in seen or (
                customer_id in best and best[customer_id].decision == LINK
            ):
                continue
            seen.add(candidate.record_key)
            verdict = compare(keys, candidate.keys)
            if verdict is None:
                continue
            if customer_id not in best or verdict.score > best[customer_id].score:
                best[customer_id] = verdict
    return best


@dataclass
class IngestOutcome:
    results: list[RecordOutcome]

    def as_json(self) -> list[dict]:
        return [result.as_json() for result in self.results]


@transaction.atomic
def ingest_source_records(
    *, system: str, records: list[dict], decided_by_system: str = ""
) -> IngestOutcome:
    """Upsert valid records by (system, external_id) and resolve each to a customer."""
    prepared = []
    for record in records:
        payload = payload_of(record)
        keys = match_keys(payload)
        prepared.append((payload, keys, blocking_keys(keys)))
    batch_ids = {payload["external_id"] for payload, _, _ in prepared}
    all_blocks = set().union(*(blocks for _, _, blocks in prepared)) if prepared else set()
    _lock_keys(all_blocks | {f"record:{system}:{external_id}" for external_id in batch_ids})

    existing = {
        record.external_id: record
        for record in SourceRecord.objects.filter(system=system, external_id__in=batch_ids)
    }
    index = _candidates_by_key(all_blocks, system=system, batch_ids=batch_ids)
    batch = _Batch(system=system)
    kept_apart = kept_apart_pairs(
        {candidate.customer_id for candidates in index.values() for candidate in candidates}
        | {record.customer_id for record in existing.values()}
    )
    results: list[RecordOutcome] = []
    to_create: list[SourceRecord] = []
    to_update: list[SourceRecord] = []
    now = timezone.now()

    for payload, keys, blocks in prepared:
        external_id = payload["external_id"]
        digest = payload_hash(payload)
        stored = existing.get(external_id)
        if stored is not None and stored.payload_hash == digest:
            results.append(RecordOutcome(external_id, stored.customer_id, Action.UNCHANGED))
            _add_to_index(index, blocks, (system, external_id), stored.customer_id, keys)
            continue
        verdicts = _best_verdicts(keys, blocks, index, batch)
        links = sorted(
            ((cid, v) for cid, v in verdicts.items() if v.decision == LINK),
            key=lambda item: -item[1].score,
        )
        if stored is not None:
            customer_id, action, match = batch.current(stored.customer_id), Action.UPDATED, None
            record = stored
            to_update.append(record)
        else:
            if links:
                customer_id, match = links[0][0], links[0][1]
                action = Action.LINKED
            else:
                customer = Customer(created_at=now, updated_at=now)
                batch.new_customers.append(customer)
                customer_id, match, action = customer.pk, None, Action.CREATED
            record = SourceRecord(system=system, external_id=external_id, created_at=now)
            to_create.append(record)
        record.customer_id = customer_id
        record.payload = payload
        record.payload_hash = digest
        record.match_keys = keys.as_dict()
        record.record_updated_at = _record_time(payload)
        if match is not None:
            record.link_rule, record.link_score = match.rule, match.score
        # A record that links to several customers ties them together: merge them into the
        # customer it joined, unless a person has decided they are different people.
        for other_id, verdict in links:
            other_id = batch.current(other_id)
            if other_id == customer_id or frozenset((customer_id, other_id)) in kept_apart:
                continue
            batch.absorbed_into[other_id] = customer_id
            batch.merges.append((customer_id, other_id, verdict, external_id))
        for other_id, verdict in verdicts.items():
            if verdict.decision != LINK and batch.current(other_id) != customer_id:
                batch.reviews.append((external_id, other_id, verdict))
        results.append(RecordOutcome(external_id, customer_id, action, match))
        _add_to_index(index, blocks, (system, external_id), customer_id, keys)

    _write(batch, to_create, to_update, prepared, existing, decided_by_system)
    for result in results:
        result.customer_id = batch.current(result.customer_id)
    return IngestOutcome(results=results)


def _add_to_index(index, blocks, record_key, customer_id, keys) -> None:
    for block in blocks:
        entries = index[block]
        entries[:] = [entry for entry in entries if entry.record_key != record_key]
        entries.append(_Candidate(record_key=record_key, customer_id=customer_id, keys=keys))


def _write(batch: _Batch, to_create, to_update, prepared, existing, decided_by_system) -> None:
    insert_objects(batch.new_customers)
    insert_objects(to_create)
    update_rows(
        to_update,
        fields=["payload", "payload_hash", "match_keys", "record_updated_at", "updated_at"],
    )
    changed = {record.external_id: record for record in [*to_create, *to_update]}
    BlockingKey.objects.filter(source_record__in=to_update).delete()
    insert_objects(
        [
            BlockingKey(key=block, source_record=changed[payload["external_id"]])
            for payload, _, blocks in prepared
            if payload["external_id"] in changed
            for block in blocks
        ]
    )
    replace_accounts(
        {
            changed[payload["external_id"]]: payload["accounts"]
            for payload, _, _ in prepared
            if payload["external_id"] in changed and "accounts" in payload
        }
    )
    new_ids = {customer.pk for customer in batch.new_customers}
    insert_objects(
        [
            MergeDecision(
                kind=DecisionKind.CREATED if record.customer_id in new_ids else DecisionKind.LINKED,
                customer_id=record.customer_id,
                source_record=record,
                rule=record.link_rule,
                score=record.link_score,
                decided_by_system=decided_by_system,
            )
            for record in to_create
        ]
    )
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=_merge_parties(batch))}
    for survivor_id, absorbed_id, verdict, external_id in batch.merges:
        merge_customers(
            survivor=customers[survivor_id],
            absorbed=customers[absorbed_id],
            rule=verdict.rule,
            score=verdict.score,
            source_record=changed.get(external_id),
            decided_by_system=decided_by_system,
            reason="A new record matched both customers.",
            refresh=False,
        )
        customers[absorbed_id].merged_into_id = survivor_id
    _open_reviews(batch, changed, decided_by_system)
    touched = {batch.current(record.customer_id) for record in changed.values()}
    refresh_customers(touched)


def _merge_parties(batch: _Batch) -> set:
    return {party for survivor, absorbed, _, _ in batch.merges for party in (survivor, absorbed)}


def _open_reviews(batch: _Batch, changed: dict, decided_by_system: str) -> None:
    reviews = {}
    for external_id, other_id, verdict in batch.reviews:
        record = changed[external_id]
        candidate_id = batch.current(other_id)
        if candidate_id == batch.current(record.customer_id):
            continue
        reviews[(record.pk, candidate_id)] = (record, candidate_id, verdict)
    if not reviews:
        return
    already = set(
        ReviewCandidate.objects.filter(
            source_record__in=[record for record, _, _ in reviews.values()]
        ).values_list("source_record_id", "candidate_customer_id")
    )
    fresh = [item for key, item in reviews.items() if key not in already]
    ReviewCandidate.objects.bulk_create(
        ReviewCandidate(
            source_record=record,
            candidate_customer_id=candidate_id,
            rule=verdict.rule,
            score=verdict.score,
        )
        for record, candidate_id, verdict in fresh
    )
    MergeDecision.objects.bulk_create(
        MergeDecision(
            kind=DecisionKind.REVIEW_OPENED,
            customer_id=batch.current(record.customer_id),
            other_customer_id=candidate_id,
            source_record=record,
            rule=verdict.rule,
            score=verdict.score,
            decided_by_system=decided_by_system,
        )
        for record, candidate_id, verdict in fresh
    )
