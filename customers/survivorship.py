"""Survivorship: a customer's identity fields from its source records.

Per field, the value most records agree on wins (compared as normalised keys, so ﾔﾏﾀﾞ and ヤマダ
are one vote); between equally many, the most recently updated; the record it came from is kept
in `field_sources`. A record a steward linked from the review queue carried the very doubt that
sent it there, so its name and kana count only where no other record has one, unless the steward
chose them on linking. Phones and e-mails are the union over all records, newest first, because
a caller may ring from any number any desk knows.
"""

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol

from django.utils import timezone

from customers.bulk_writes import rows_with_one_of, update_rows
from customers.documents import mark_stale
from customers.models import Customer, ReviewCandidate, ReviewStatus, SourceRecord
from customers.normalization import (
    normalise_address,
    normalise_date,
    normalise_email,
    normalise_gender,
    normalise_kana,
    normalise_name,
    normalise_phone,
    normalise_postal_code,
    normalise_text,
)

SINGLE_VALUED_FIELDS = (
    "customer_number",
    "name",
    "name_kana",
    "birth_date",
    "gender",
    "postal_code",
    "address",
)
MULTI_VALUED_FIELDS = ("phones", "emails")
# How two records' values are found to be one value, for the vote.
SAME_SINGLE_VALUE = {
    "customer_number": normalise_text,
    "name": normalise_name,
    "name_kana": normalise_kana,
    "birth_date": normalise_date,
    "gender": normalise_gender,
    "postal_code": normalise_postal_code,
    "address": normalise_address,
}
# What a steward's review is about: these of a reviewed record never outvote the others unasked.
REVIEWED_FIELDS = ("name", "name_kana")
# Phones and e-mails written differently by two systems are one value, shown as first seen.
SAME_VALUE = {"phones": normalise_phone, "emails": normalise_email}
SURVIVING_FIELDS = (
    *SINGLE_VALUED_FIELDS,
    *MULTI_VALUED_FIELDS,
    "field_sources",
    "search_name",
    "search_kana",
)


class RecordVersion(Protocol):
    """What survivorship reads of a source record: a stored row or one a batch is writing."""

    system: str
    external_id: str
    payload: dict
    record_updated_at: datetime | None
    updated_at: datetime | None


def _newest_first(records: Iterable[RecordVersion]) -> list[RecordVersion]:
    # A record without a time of its own counts from when its current version was stored. Ties
    # fall back to the record's key, so the outcome never depends on query order.
    def order(record: RecordVersion):
        updated = record.record_updated_at or record.updated_at
        return (updated.timestamp() if updated else 0.0, record.system, record.external_id)

    return sorted(records, key=order, reverse=True)


def _reference(record: RecordVersion) -> str:
    return f"{record.system}:{record.external_id}"


def _voted(
    name: str, newest_first: list[RecordVersion], reviewed: set[str]
) -> RecordVersion | None:
    """The newest record holding the value most records agree on (ties: the newest value)."""
    holders = [record for record in newest_first if record.payload.get(name)]
    if name in REVIEWED_FIELDS and any(_reference(r) not in reviewed for r in holders):
        holders = [record for record in holders if _reference(record) not in reviewed]
    votes: dict[str, list[RecordVersion]] = {}
    for record in holders:
        key = SAME_SINGLE_VALUE[name](record.payload[name]) or str(record.payload[name])
        votes.setdefault(key, []).append(record)
    # dicts keep insertion order, and the newest record's value was inserted first.
    return max(votes.values(), key=len)[0] if votes else None


def surviving_values(
    records: Iterable[RecordVersion],
    *,
    reviewed: Iterable[str] = (),
    chosen: dict[str, str] | None = None,
) -> dict:
    """`reviewed`: references ("system:external_id") of records a steward linked; `chosen`: the
    fields a steward took from such a record, by field name."""
    values: dict = {name: "" for name in SINGLE_VALUED_FIELDS}
    values["birth_date"] = None
    sources: dict[str, str] = {}
    collected: dict[str, list[str]] = {name: [] for name in MULTI_VALUED_FIELDS}
    seen: dict[str, set[str]] = {name: set() for name in MULTI_VALUED_FIELDS}
    newest_first = _newest_first(records)
    reviewed, chosen = set(reviewed), chosen or {}
    by_reference = {_reference(record): record for record in newest_first}
    for name in SINGLE_VALUED_FIELDS:
        picked = by_reference.get(chosen.get(name, ""))
        if picked is None or not picked.payload.get(name):
            picked = _voted(name, newest_first, reviewed)
        if picked is not None:
            values[name] = picked.payload[name]
            sources[name] = _reference(picked)
    for record in newest_first:
        payload = record.payload
        for name in MULTI_VALUED_FIELDS:
            for value in payload.get(name) or []:
                key = SAME_VALUE[name](value)
                if key and key not in seen[name]:
                    seen[name].add(key)
                    collected[name].append(value)
    # Shown as written, but in full width: a legacy system's half-width kana reads badly.
    values["name_kana"] = unicodedata.normalize("NFKC", values["name_kana"])
    if values["birth_date"]:
        iso = normalise_date(values["birth_date"])
        values["birth_date"] = date.fromisoformat(iso) if iso else None
    values.update(collected)
    values["field_sources"] = sources
    values["search_name"] = normalise_name(values["name"])
    values["search_kana"] = normalise_kana(values["name_kana"])
    return values


def surviving_row(values: dict) -> tuple:
    """Surviving values in SURVIVING_FIELDS order, as `update_rows` and `insert_rows` take them."""
    return tuple(values[name] for name in SURVIVING_FIELDS)


def refresh_customers(customer_ids: Iterable) -> None:
    """Recompute survivorship for these customers in one query and one bulk update. Every
    write that changes a customer's records or accounts calls this, so their kept 360
    documents are marked stale here."""
    ids = set(customer_ids)
    if not ids:
        return
    mark_stale(customer_ids=ids)
    records_by_customer: dict = {customer_id: [] for customer_id in ids}
    for record in rows_with_one_of(
        SourceRecord,
        field="customer_id",
        values=ids,
        columns=[
            "customer_id",
            "system",
            "external_id",
            "payload",
            "record_updated_at",
            "updated_at",
        ],
        named=True,
    ):
        records_by_customer[record.customer_id].append(record)
    reviewed: dict = {customer_id: set() for customer_id in ids}
    chosen: dict = {customer_id: {} for customer_id in ids}
    for customer_id, system, external_id, fields in ReviewCandidate.objects.filter(
        status=ReviewStatus.LINKED, source_record__customer_id__in=ids
    ).values_list(
        "source_record__customer_id",
        "source_record__system",
        "source_record__external_id",
        "chosen_fields",
    ):
        reference = f"{system}:{external_id}"
        reviewed[customer_id].add(reference)
        chosen[customer_id].update(dict.fromkeys(fields or [], reference))
    now = timezone.now()
    # Ids of customers that no longer exist update nothing, as before.
    update_rows(
        Customer,
        fields=[*SURVIVING_FIELDS, "updated_at"],
        rows=[
            (
                customer_id,
                *surviving_row(
                    surviving_values(
                        records, reviewed=reviewed[customer_id], chosen=chosen[customer_id]
                    )
                ),
                now,
            )
            for customer_id, records in records_by_customer.items()
        ],
    )
