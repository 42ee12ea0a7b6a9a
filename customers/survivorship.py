"""Survivorship: a customer's identity fields from its source records.

Per field, the most recently updated non-empty value wins, and the record it came from is kept in
`field_sources`; phones and e-mails are the union over all records, newest first, because a caller
may ring from any number any desk knows.
"""

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol

from django.utils import timezone

from customers.bulk_writes import rows_with_one_of, update_rows
from customers.models import Customer, SourceRecord
from customers.normalization import (
    normalise_date,
    normalise_email,
    normalise_kana,
    normalise_name,
    normalise_phone,
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


def surviving_values(records: Iterable[RecordVersion]) -> dict:
    values: dict = {name: "" for name in SINGLE_VALUED_FIELDS}
    values["birth_date"] = None
    sources: dict[str, str] = {}
    collected: dict[str, list[str]] = {name: [] for name in MULTI_VALUED_FIELDS}
    seen: dict[str, set[str]] = {name: set() for name in MULTI_VALUED_FIELDS}
    for record in _newest_first(records):
        payload = record.payload
        for name in SINGLE_VALUED_FIELDS:
            if name not in sources and payload.get(name):
                values[name] = payload[name]
                sources[name] = f"{record.system}:{record.external_id}"
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
    """Recompute survivorship for these customers in one query and one bulk update."""
    ids = set(customer_ids)
    if not ids:
        return
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
    now = timezone.now()
    # Ids of customers that no longer exist update nothing, as before.
    update_rows(
        Customer,
        fields=[*SURVIVING_FIELDS, "updated_at"],
        rows=[
            (customer_id, *surviving_row(surviving_values(records)), now)
            for customer_id, records in records_by_customer.items()
        ],
    )
