"""Reading customers: search in any width or script, resolving absorbed ids, and one customer
with its source records and accounts in a fixed number of queries."""

import re
import sys
import unicodedata
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet

from customers.models import Account, BlockingKey, Customer, SourceRecord
from customers.normalization import (
    normalise_kana,
    normalise_name,
    normalise_phone,
    normalise_text,
)


def _customer_and_merged(customer_id) -> tuple[Customer, list] | None:
    """The current customer for an id (following a merge) and the ids of everyone merged into
    it: one query, two when the id itself was merged away (merges re-point chains, so it is
    then one step from its survivor)."""
    asked_id = Customer._meta.pk.to_python(customer_id)
    family = list(Customer.objects.filter(Q(pk=asked_id) | Q(merged_into=asked_id)))
    asked = next((c for c in family if c.pk == asked_id), None)
    if asked is None:
        return None
    if asked.merged_into_id is not None:
        survivor_id = asked.merged_into_id
        family = list(Customer.objects.filter(Q(pk=survivor_id) | Q(merged_into=survivor_id)))
        asked = next(c for c in family if c.pk == survivor_id)
    return asked, [c.pk for c in family]


def current_customer(customer_id) -> Customer | None:
    """The customer for an id, following a merge to the survivor."""
    found = _customer_and_merged(customer_id)
    return found[0] if found else None


def live_customers() -> QuerySet[Customer]:
    return Customer.objects.filter(merged_into__isnull=True)


def customers_with_phone(phone: str) -> QuerySet[Customer]:
    normalised = normalise_phone(phone)
    if not normalised:
        return Customer.objects.none()
    record_customers = SourceRecord.objects.filter(blocking_keys__key=f"tel:{normalised}").values(
        "customer_id"
    )
    return live_customers().filter(pk__in=record_customers)


MAX_CALLER_CANDIDATES = 5
LOOSE_PHONE_DIGITS = 8


def identified_caller(phone: str):
    """The one customer with this number, or None when none or several have it: a shared
    number (a household, a switchboard) is never taken as proof of who is calling."""
    matches = list(customers_with_phone(phone).values_list("pk", flat=True)[:2])
    return matches[0] if len(matches) == 1 else None


def caller_candidates(phone: str) -> list[dict]:
    """Customers the caller may be: those with the number, else those whose number ends the
    same (a number typed with another prefix or area code)."""
    found = list(customers_with_phone(phone)[:MAX_CALLER_CANDIDATES])
    normalised = normalise_phone(phone)
    if not found and len(normalised) >= LOOSE_PHONE_DIGITS:
        tail = SourceRecord.objects.filter(
            blocking_keys__key=f"tel8:{normalised[-LOOSE_PHONE_DIGITS:]}"
        ).values("customer_id")
        found = list(live_customers().filter(pk__in=tail)[:MAX_CALLER_CANDIDATES])
    return [
        {
            "id": str(customer.pk),
            "customer_number": customer.customer_number,
            "name": customer.name,
            "name_kana": customer.name_kana,
            "birth_date": customer.birth_date.isoformat() if customer.birth_date else None,
            "phones": customer.phones,
        }
        for customer in found
    ]


# Past this many matches a search stops counting: an agent types more rather than pages through
# them, and counting 50,000 namesakes on each keystroke was most of a search's time.
MAX_COUNTED_MATCHES = 1000

# A phone number as it is typed, after NFKC: digits, separators and a leading +.
_PHONE_TYPING = re.compile(r"\+?[0-9][0-9\s\-()]*")


@dataclass(frozen=True)
class CustomerSearchPage:
    page: Page
    # More customers match than the page's paginator counts (MAX_COUNTED_MATCHES).
    more_matches: bool


def search_customer_page(query: str, *, page_number, per_page: int) -> CustomerSearchPage:
    """One page of search_customers' matches, with the count capped: a fixed number of short
    queries, each an index walk that stops after at most MAX_COUNTED_MATCHES + 1 rows."""
    matches = _matching_customer_ids(query, limit=MAX_COUNTED_MATCHES + 1)
    page = Paginator(matches[:MAX_COUNTED_MATCHES], per_page).get_page(page_number)
    customers = Customer.objects.in_bulk(page.object_list)
    page.object_list = [customers[pk] for pk in page.object_list]
    return CustomerSearchPage(page=page, more_matches=len(matches) > MAX_COUNTED_MATCHES)


def search_customers(query: str) -> QuerySet[Customer]:
    """Customers by phone, customer number, name or kana, typed in any width or script, as far as
    typed (prefixes); at most the first MAX_COUNTED_MATCHES. No query: every live customer."""
    query = (query or "").strip()
    if not query:
        return live_customers()
    return live_customers().filter(pk__in=_matching_customer_ids(query, limit=MAX_COUNTED_MATCHES))


def _matching_customer_ids(query: str, *, limit: int) -> list:
    """Ids of the first `limit` matches: customer numbers, then phone numbers (whole or the
    last eight digits), then readings in kana order, then names. Each part is its own query
    that walks an index in order and stops at the limit; one OR of them made PostgreSQL fetch
    and sort every match."""
    query = (query or "").strip()
    if not query:
        return []
    # A merge moves every source record to the survivor, so a record's customer is live: not
    # joining customers spares a random read of each (40 ms for a 1-digit prefix here).
    keys = BlockingKey.objects.all()
    parts = [
        (live_customers(), "customer_number", "pk", number)
        for number in dict.fromkeys((normalise_text(query), query))
    ]
    if phone := _phone_digits_typed(query):
        parts.append((keys, "key", "source_record__customer_id", f"tel:{phone}"))
        if len(phone) == LOOSE_PHONE_DIGITS:
            # A number typed without its area code (or with another prefix): the `tel8:`
            # blocking key holds every number's last eight digits.
            parts.append((keys, "key", "source_record__customer_id", f"tel8:{phone}"))
    parts.append((live_customers(), "search_kana", "pk", normalise_kana(query)))
    parts.append((live_customers(), "search_name", "pk", normalise_name(query)))
    found: dict = {}  # an ordered set: a customer keeps the place of its first match
    for rows, field, id_field, prefix in parts:
        if prefix and len(found) < limit:
            found.update(dict.fromkeys(_first_ids(rows, field, id_field, prefix, limit)))
    return list(found)[:limit]


def _first_ids(rows: QuerySet, field: str, id_field: str, prefix: str, limit: int) -> list:
    """Ids of the first `limit` rows whose `field` starts with `prefix`, in the field's order.

    Asked as a range, not LIKE: PostgreSQL turns LIKE 'x%' into an index range only under the
    "C" collation (not C.UTF-8), and with both it misjudges how many rows match and sorts them
    all. In code point order (C, C.UTF-8, SQLite) the range is exactly the prefix; the check in
    Python keeps another collation from adding a wrong match."""
    within = rows.filter(**{f"{field}__gte": prefix, f"{field}__lt": _after_prefix(prefix)})
    found = within.order_by(field, "pk").values_list(id_field, field)[:limit]
    return [pk for pk, value in found if value.startswith(prefix)]


def _after_prefix(prefix: str) -> str:
    """Above every text that starts with `prefix` in code point order: the prefix with its last
    character moved on by one."""
    following = ord(prefix[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored: skip them
        following = 0xE000
    # Nothing comes after U+10FFFF (a noncharacter nobody types): such a prefix finds nothing.
    return prefix[:-1] + chr(min(following, sys.maxunicode))


def _phone_digits_typed(query: str) -> str:
    """The digits of a phone number as far as it is typed ("090-12" → "09012", "+81 90" →
    "090"); "" when the query is not a phone number."""
    text = unicodedata.normalize("NFKC", query)
    if not _PHONE_TYPING.fullmatch(text):
        return ""
    if complete := normalise_phone(text):
        return complete
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+81"):
        national = digits[2:]
        return national if national.startswith("0") else "0" + national
    return digits


@dataclass(frozen=True)
class CustomerRecords:
    customer: Customer
    merged_from: str | None
    source_records: list[SourceRecord]
    accounts: list[Account]
    # The customer's id and the ids of the customers merged into it, whose contacts and cases
    # are the customer's too.
    customer_ids: list


def customer_with_records(customer_id) -> CustomerRecords | None:
    """Three queries whatever the customer's size: the customer (following a merge) with the
    ids merged into it, its source records with their accounts."""
    found = _customer_and_merged(customer_id)
    if found is None:
        return None
    customer, customer_ids = found
    merged_from = str(customer_id) if str(customer.pk) != str(customer_id) else None
    return _with_records({customer.pk: (customer, customer_ids)}, merged_from=merged_from)[
        customer.pk
    ]


def current_customers_with_records(customer_ids) -> dict:
    """`customer_with_records` for many current customers at once, by id, in three queries
    (ids merged away or unknown are left out)."""
    ids = list(customer_ids)
    family = list(Customer.objects.filter(Q(pk__in=ids, merged_into=None) | Q(merged_into__in=ids)))
    found = {c.pk: (c, [c.pk]) for c in family if c.merged_into_id is None}
    for absorbed in family:
        if absorbed.merged_into_id in found:
            found[absorbed.merged_into_id][1].append(absorbed.pk)
    return _with_records(found, merged_from=None)


def _with_records(found: dict, *, merged_from: str | None) -> dict:
    """`found`: customer id → (customer, ids of the customer and those merged into it)."""
    records_of: dict = {customer_id: [] for customer_id in found}
    for record in (
        SourceRecord.objects.filter(customer__in=list(found))
        .order_by("customer_id", "system", "external_id")
        .prefetch_related(Prefetch("accounts", queryset=Account.objects.order_by("kind", "id")))
    ):
        records_of[record.customer_id].append(record)
    return {
        customer_id: CustomerRecords(
            customer=customer,
            merged_from=merged_from,
            source_records=records_of[customer_id],
            accounts=[account for r in records_of[customer_id] for account in r.accounts.all()],
            customer_ids=customer_ids,
        )
        for customer_id, (customer, customer_ids) in found.items()
    }


def customer_by_reference(
    *,
    customer_number: str = "",
    system: str = "",
    external_id: str = "",
    card_last4: str = "",
    name: str = "",
) -> Customer | None:
    """The one current customer an outside system means, by customer number, by its own record
    id, or by a card's last four digits together with the holder's name (name or kana, any width
    or script). None when nobody or several people fit: a guess is worse than a steward's look."""
    if customer_number:
        found = live_customers().filter(customer_number=customer_number)
    elif system and external_id:
        record = SourceRecord.objects.filter(system=system, external_id=external_id).first()
        return current_customer(record.customer_id) if record else None
    elif card_last4 and name:
        holders = Account.objects.filter(kind="card", last4=card_last4).values(
            "source_record__customer_id"
        )
        found = (
            live_customers()
            .filter(pk__in=holders)
            .filter(Q(search_name=normalise_name(name)) | Q(search_kana=normalise_kana(name)))
        )
    else:
        return None
    matches = list(found[:2])
    return matches[0] if len(matches) == 1 else None
