"""Identity resolution of a batch of source records.

A batch is resolved in one transaction with a fixed number of queries, not per record: the
records already stored and every candidate sharing a blocking key are read at once, the records
are matched in memory in order (so two records of one person in the same batch find each other),
and the writes go out in bulk. Concurrent batches about the same person are serialised by
transaction-level advisory locks on the blocking keys (PostgreSQL); SQLite's write lock taken at
BEGIN (transaction_mode IMMEDIATE) does the same on the embedded default.
"""

import gc
import hashlib
import json
import threading
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from customers.accounts import replace_accounts, without_full_number
from customers.bulk_writes import (
    EncodedJSON,
    delete_rows_with_one_of,
    insert_rows,
    rows_with_one_of,
    update_rows,
)
from customers.fellegi_sunter import MatchWeights
from customers.match_models import current_weights, identifier_attributes
from customers.matching import LINK, MatchVerdict, compare
from customers.merging import kept_apart_pairs, merge_customers
from customers.models import (
    BlockingKey,
    Customer,
    DecisionKind,
    MergeDecision,
    ReviewCandidate,
    SourceRecord,
)
from customers.normalization import LOOKUP_ONLY_KEYS, MatchKeys, blocking_keys, match_keys
from customers.survivorship import (
    SURVIVING_FIELDS,
    refresh_customers,
    surviving_row,
    surviving_values,
)

# A key shared by more customers than this (a company switchboard, a shared family e-mail) says
# little about who is who and would make every batch compare against hundreds of records.
MAX_BLOCK_CUSTOMERS = 50
# A key with this many records is not read further (PostgreSQL) and not used: an apartment
# block's address or a switchboard would otherwise be read whole for every record that has it,
# and the read grows with the table, not with the batch.
BROAD_BLOCK_RECORDS = 4 * MAX_BLOCK_CUSTOMERS


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


@dataclass(slots=True)
class _Candidate:
    record_key: tuple[str, str]
    customer_id: Any
    keys: MatchKeys


@dataclass(slots=True, eq=False)
class _RecordWrite:
    """A record version this batch stores: a new record (pk None until inserted) or a new
    payload for a stored one. It has what survivorship reads, so a customer whose records are
    all new is settled without reading them back."""

    system: str
    external_id: str
    customer_id: Any
    payload: dict
    encoded_payload: str
    payload_hash: str
    keys: MatchKeys
    encoded_keys: str
    blocks: set[str]
    record_updated_at: datetime | None
    # When this version is stored (now): a new record's creation, an update's change.
    updated_at: datetime
    surviving_alone: tuple
    pk: int | None = None
    link: MatchVerdict | None = None


@dataclass
class _Batch:
    """What a batch decided in memory, written out at the end."""

    system: str
    new_customers: list = field(default_factory=list)
    absorbed_into: dict = field(default_factory=dict)
    merges: list[tuple[Any, Any, MatchVerdict, str]] = field(default_factory=list)
    reviews: list[tuple[str, Any, MatchVerdict]] = field(default_factory=list)

    def current(self, customer_id):
        while customer_id in self.absorbed_into:
            customer_id = self.absorbed_into[customer_id]
        return customer_id


def payload_of(record: dict) -> dict:
    """The record as stored: account numbers replaced by their hash and last four digits."""
    if "accounts" in record:
        return {**record, "accounts": [without_full_number(a) for a in record["accounts"]]}
    return record


def encoded_payload(payload: dict) -> str:
    """The payload as JSON, keys sorted and dates as their ISO text: the same input always
    gives the same text, which is hashed to tell a changed record and is what is stored."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)


def payload_hash(encoded: str) -> str:
    return hashlib.sha256(encoded.encode()).hexdigest()


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


_batches_resolving = 0
_batches_resolving_lock = threading.Lock()


@contextmanager
def _garbage_collection_paused():
    """A batch keeps tens of thousands of objects until it ends; the cyclic collector went
    through them again and again, a tenth of a batch's time, to free next to nothing. Reference
    counting frees memory as usual meanwhile. The switch is the process's: with several batches
    in threads, the collector is on again when the last one ends."""
    global _batches_resolving
    with _batches_resolving_lock:
        _batches_resolving += 1
        gc.disable()
    try:
        yield
    finally:
        with _batches_resolving_lock:
            _batches_resolving -= 1
            if _batches_resolving == 0:
                gc.enable()


def _record_time(payload: dict) -> datetime | None:
    value = payload.get("updated_at")
    if not value:
        return None
    # Validated input holds a datetime; a record given in code may hold its ISO text.
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _candidates_by_key(keys: set[str], *, system: str, batch_ids: set[str]) -> dict:
    # Keys first, then each record once: a record shares several keys with a batch, and its
    # stored match keys are the bulk of what is read and parsed.
    keys_of_record: dict[int, list[str]] = defaultdict(list)
    rows = rows_with_one_of(
        BlockingKey,
        field="key",
        values=keys,
        columns=["key", "source_record_id"],
        limit_per_value=BROAD_BLOCK_RECORDS,
    )
    records_of_key = Counter(key for key, _ in rows)
    for key, record_id in rows:
        if records_of_key[key] < BROAD_BLOCK_RECORDS:
            keys_of_record[record_id].append(key)
    index: dict[str, list[_Candidate]] = defaultdict(list)
    rows = rows_with_one_of(
        SourceRecord,
        field="pk",
        values=keys_of_record,
        columns=["pk", "system", "external_id", "customer_id", "match_keys"],
    )
    for record_id, record_system, external_id, customer_id, stored_keys in rows:
        if record_system == system and external_id in batch_ids:
            continue  # this batch's own records are matched from their new keys
        candidate = _Candidate(
            record_key=(record_system, external_id),
            customer_id=customer_id,
            keys=MatchKeys.from_dict(stored_keys),
        )
        for key in keys_of_record[record_id]:
            index[key].append(candidate)
    return index


def _best_verdicts(
    keys: MatchKeys, blocks: set[str], index: dict, batch: _Batch, weights: MatchWeights
) -> dict:
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
            verdict = compare(keys, candidate.keys, weights=weights)
            if verdict is None:
                continue
            if customer_id not in best or verdict.score > best[customer_id].score:
                best[customer_id] = verdict
    return best


@dataclass(slots=True)
class _Incoming:
    """A record of the batch, prepared before any lock is taken."""

    payload: dict
    encoded_payload: str
    payload_hash: str
    keys: MatchKeys
    encoded_keys: str
    blocks: set[str]  # every key, as stored
    matching_blocks: set[str]  # the keys the match rules can use: those read and locked
    record_updated_at: datetime | None
    # The identity of a customer that has only this record, as most new customers do.
    surviving_alone: tuple


@dataclass(slots=True)
class _Version:
    """A record version as survivorship reads it."""

    system: str
    external_id: str
    payload: dict
    record_updated_at: datetime | None
    updated_at: datetime | None = None  # orders records; one record needs no order


def _incoming(record: dict, *, system: str, identifiers: tuple[str, ...]) -> _Incoming:
    payload = payload_of(record)
    encoded = encoded_payload(payload)
    keys = match_keys(payload, identifier_attributes=identifiers)
    blocks = blocking_keys(keys)
    updated_at = _record_time(payload)
    alone = _Version(system, payload["external_id"], payload, updated_at)
    return _Incoming(
        payload=payload,
        encoded_payload=encoded,
        payload_hash=payload_hash(encoded),
        keys=keys,
        encoded_keys=json.dumps(keys.as_dict(), ensure_ascii=False),
        blocks=blocks,
        matching_blocks={block for block in blocks if not block.startswith(LOOKUP_ONLY_KEYS)},
        record_updated_at=updated_at,
        surviving_alone=surviving_row(surviving_values([alone])),
    )


@dataclass
class IngestOutcome:
    results: list[RecordOutcome]

    def as_json(self) -> list[dict]:
        return [result.as_json() for result in self.results]


def ingest_source_records(
    *, system: str, records: list[dict], decided_by_system: str = ""
) -> IngestOutcome:
    """Upsert valid records by (system, external_id) and resolve each to a customer."""
    with _garbage_collection_paused(), transaction.atomic():
        return _ingest(system=system, records=records, decided_by_system=decided_by_system)


def _ingest(*, system: str, records: list[dict], decided_by_system: str) -> IngestOutcome:
    identifiers = identifier_attributes(system)
    incoming = [_incoming(record, system=system, identifiers=identifiers) for record in records]
    batch_ids = {item.payload["external_id"] for item in incoming}
    all_blocks = set().union(*(item.matching_blocks for item in incoming))
    _lock_keys(all_blocks | {f"record:{system}:{external_id}" for external_id in batch_ids})

    existing = {
        record.external_id: record
        for record in rows_with_one_of(
            SourceRecord,
            field="external_id",
            values=batch_ids,
            columns=["external_id", "pk", "customer_id", "payload_hash"],
            named=True,
            system=system,
        )
    }
    index = _candidates_by_key(all_blocks, system=system, batch_ids=batch_ids)
    weights = current_weights()
    batch = _Batch(system=system)
    results: list[RecordOutcome] = []
    changed: list[_RecordWrite] = []
    indexed: set[tuple[str, str]] = set()

    for item in incoming:
        payload, keys, blocks = item.payload, item.keys, item.matching_blocks
        external_id = payload["external_id"]
        stored = existing.get(external_id)
        if stored is not None and stored.payload_hash == item.payload_hash:
            results.append(RecordOutcome(external_id, stored.customer_id, Action.UNCHANGED))
            _add_to_index(index, indexed, blocks, (system, external_id), stored.customer_id, keys)
            continue
        verdicts = _best_verdicts(keys, blocks, index, batch, weights)
        links = sorted(
            ((cid, v) for cid, v in verdicts.items() if v.decision == LINK),
            key=lambda item: -item[1].score,
        )
        if stored is not None:
            customer_id, action, match = batch.current(stored.customer_id), Action.UPDATED, None
        elif links:
            customer_id, match = links[0][0], links[0][1]
            action = Action.LINKED
        else:
            # The model's own default, made here because the batch refers to it before writing.
            customer_id, match, action = uuid.uuid4(), None, Action.CREATED
            batch.new_customers.append(customer_id)
        record = _RecordWrite(
            system=system,
            external_id=external_id,
            customer_id=customer_id,
            payload=payload,
            encoded_payload=item.encoded_payload,
            payload_hash=item.payload_hash,
            keys=keys,
            encoded_keys=item.encoded_keys,
            blocks=item.blocks,
            record_updated_at=item.record_updated_at,
            updated_at=timezone.now(),
            surviving_alone=item.surviving_alone,
            pk=None if stored is None else stored.pk,
        )
        record.link = match
        changed.append(record)
        # A record that links to several customers ties them together: merge them into the
        # customer it joined, unless a person has decided they are different people (asked
        # only here: a batch has a few such records, and thousands of candidate customers).
        for other_id, verdict in links:
            other_id = batch.current(other_id)
            if other_id == customer_id or kept_apart_pairs({customer_id, other_id}):
                continue
            batch.absorbed_into[other_id] = customer_id
            batch.merges.append((customer_id, other_id, verdict, external_id))
        for other_id, verdict in verdicts.items():
            if verdict.decision != LINK and batch.current(other_id) != customer_id:
                batch.reviews.append((external_id, other_id, verdict))
        results.append(RecordOutcome(external_id, customer_id, action, match))
        _add_to_index(index, indexed, blocks, (system, external_id), customer_id, keys)

    _write(batch, changed, decided_by_system)
    for result in results:
        result.customer_id = batch.current(result.customer_id)
    return IngestOutcome(results=results)


def _add_to_index(index, indexed, blocks, record_key, customer_id, keys) -> None:
    # Only a record added earlier in this batch can be in the index already (the batch's
    # stored versions were left out), so only then is its previous entry looked for.
    again = record_key in indexed
    indexed.add(record_key)
    candidate = _Candidate(record_key=record_key, customer_id=customer_id, keys=keys)
    for block in blocks:
        entries = index[block]
        if again:
            entries[:] = [entry for entry in entries if entry.record_key != record_key]
        entries.append(candidate)


SOURCE_RECORD_FIELDS = [
    "system",
    "external_id",
    "customer_id",
    "payload",
    "payload_hash",
    "match_keys",
    "record_updated_at",
    "link_rule",
    "link_score",
    "link_model_version",
    "link_explanation",
    "created_at",
    "updated_at",
]


def _write(batch: _Batch, changed: list[_RecordWrite], decided_by_system: str) -> None:
    created = [record for record in changed if record.pk is None]
    updated = [record for record in changed if record.pk is not None]
    settled = _settle_new_customers(batch, created)
    _insert_customers(batch.new_customers, settled)
    pks = insert_rows(
        SourceRecord,
        fields=SOURCE_RECORD_FIELDS,
        rows=[
            (
                record.system,
                record.external_id,
                record.customer_id,
                EncodedJSON(record.encoded_payload),
                record.payload_hash,
                EncodedJSON(record.encoded_keys),
                record.record_updated_at,
                *_link_columns(record.link),
                record.updated_at,
                record.updated_at,
            )
            for record in created
        ],
        returning_pks=True,
    )
    for record, pk in zip(created, pks, strict=True):
        record.pk = pk
    update_rows(
        SourceRecord,
        fields=["payload", "payload_hash", "match_keys", "record_updated_at", "updated_at"],
        rows=[
            (
                record.pk,
                EncodedJSON(record.encoded_payload),
                record.payload_hash,
                EncodedJSON(record.encoded_keys),
                record.record_updated_at,
                record.updated_at,
            )
            for record in updated
        ],
    )
    delete_rows_with_one_of(
        BlockingKey, field="source_record_id", values=[record.pk for record in updated]
    )
    insert_rows(
        BlockingKey,
        fields=["key", "source_record_id"],
        rows=[(block, record.pk) for record in changed for block in record.blocks],
    )
    replace_accounts(
        {
            record.pk: record.payload["accounts"]
            for record in changed
            if "accounts" in record.payload
        },
        new_records={record.pk for record in created},
    )
    new_ids = set(batch.new_customers)
    insert_rows(
        MergeDecision,
        fields=[
            "kind",
            "customer_id",
            "source_record_id",
            "rule",
            "score",
            "model_version",
            "explanation",
            "decided_by_system",
        ],
        rows=[
            (
                DecisionKind.CREATED if record.customer_id in new_ids else DecisionKind.LINKED,
                record.customer_id,
                record.pk,
                *_link_columns(record.link),
                decided_by_system,
            )
            for record in created
        ],
    )
    _merge(batch, {record.external_id: record for record in changed}, decided_by_system)
    _open_reviews(batch, {record.external_id: record for record in changed}, decided_by_system)
    touched = {batch.current(record.customer_id) for record in changed}
    refresh_customers(touched - settled.keys())


def _link_columns(link: MatchVerdict | None) -> tuple:
    """rule, score, model version and explanation of a link (empty for a new customer)."""
    if link is None:
        return ("", None, None, EncodedJSON("{}"))
    return (link.rule, link.score, link.model_version, EncodedJSON(link.explanation_json))


def _settle_new_customers(batch: _Batch, created: list[_RecordWrite]) -> dict:
    """Records of the customers created in this batch that no merge touched: all their records
    are in this batch, so their survivorship needs no read and is written with the insert."""
    merged = _merge_parties(batch)
    settled: dict = {customer_id: [] for customer_id in batch.new_customers}
    for customer_id in merged:
        settled.pop(customer_id, None)
    for record in created:
        if record.customer_id in settled:
            settled[record.customer_id].append(record)
    return settled


def _insert_customers(new_ids: list, settled: dict) -> None:
    # A customer a merge touched starts empty (no records is what survivorship says) and is
    # refreshed after the merges, like the other customers.
    now = timezone.now()
    insert_rows(
        Customer,
        fields=["id", *SURVIVING_FIELDS, "created_at", "updated_at"],
        rows=[
            (customer_id, *_surviving_row_of(settled.get(customer_id, [])), now, now)
            for customer_id in new_ids
        ],
    )


def _surviving_row_of(records: list[_RecordWrite]) -> tuple:
    if len(records) == 1:
        return records[0].surviving_alone  # worked out before the lock was taken
    return surviving_row(surviving_values(records))


def _merge(batch: _Batch, changed: dict[str, _RecordWrite], decided_by_system: str) -> None:
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=_merge_parties(batch))}
    for survivor_id, absorbed_id, verdict, external_id in batch.merges:
        record = changed.get(external_id)
        merge_customers(
            survivor=customers[survivor_id],
            absorbed=customers[absorbed_id],
            rule=verdict.rule,
            score=verdict.score,
            model_version=verdict.model_version,
            explanation=verdict.explanation(),
            source_record=None if record is None else SourceRecord(pk=record.pk),
            decided_by_system=decided_by_system,
            reason="A new record matched both customers.",
            refresh=False,
        )
        customers[absorbed_id].merged_into_id = survivor_id


def _merge_parties(batch: _Batch) -> set:
    return {party for survivor, absorbed, _, _ in batch.merges for party in (survivor, absorbed)}


def _open_reviews(batch: _Batch, changed: dict[str, _RecordWrite], decided_by_system: str) -> None:
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
        rows_with_one_of(
            ReviewCandidate,
            field="source_record_id",
            values=[record.pk for record, _, _ in reviews.values()],
            columns=["source_record_id", "candidate_customer_id"],
        )
    )
    fresh = [item for key, item in reviews.items() if key not in already]
    ReviewCandidate.objects.bulk_create(
        ReviewCandidate(
            source_record_id=record.pk,
            candidate_customer_id=candidate_id,
            rule=verdict.rule,
            score=verdict.score,
            model_version=verdict.model_version,
            explanation=verdict.explanation(),
        )
        for record, candidate_id, verdict in fresh
    )
    MergeDecision.objects.bulk_create(
        MergeDecision(
            kind=DecisionKind.REVIEW_OPENED,
            customer_id=batch.current(record.customer_id),
            other_customer_id=candidate_id,
            source_record_id=record.pk,
            rule=verdict.rule,
            score=verdict.score,
            model_version=verdict.model_version,
            explanation=verdict.explanation(),
            decided_by_system=decided_by_system,
        )
        for record, candidate_id, verdict in fresh
    )
