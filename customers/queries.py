"""Reading customers: search in any width or script, resolving absorbed ids, and one customer
with its source records and accounts in a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from customers.models import Account, Customer, SourceRecord
from customers.normalization import normalise_kana, normalise_name, normalise_phone

MIN_PHONE_DIGITS = 9


def current_customer(customer_id) -> Customer | None:
    """The customer for an id, following a merge to the survivor (merges re-point chains, so
    an absorbed id is at most one step from its survivor)."""
    customer = Customer.objects.select_related("merged_into").filter(pk=customer_id).first()
    if customer is not None and customer.merged_into_id is not None:
        return customer.merged_into
    return customer


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


def search_customers(query: str) -> QuerySet[Customer]:
    """Phone, customer number, name or kana, typed in any width or script; prefix matches."""
    query = (query or "").strip()
    if not query:
        return live_customers()
    phone = normalise_phone(query)
    if phone and len(phone) >= MIN_PHONE_DIGITS:
        return customers_with_phone(phone)
    name = normalise_name(query)
    kana = normalise_kana(query)
    by_name = live_customers().filter(search_name__startswith=name) if name else None
    by_kana = live_customers().filter(search_kana__startswith=kana) if kana else None
    # Equality on the number as typed and as normalised (full-width, lower case): a
    # case-insensitive match would compare UPPER(customer_number), which no index covers, and
    # turn the whole OR into a scan of every customer.
    by_number = live_customers().filter(customer_number__in={query, name})
    combined = by_number
    for part in (by_name, by_kana):
        if part is not None:
            combined = combined | part
    return combined


@dataclass(frozen=True)
class CustomerRecords:
    customer: Customer
    merged_from: str | None
    source_records: list[SourceRecord]
    accounts: list[Account]


def customer_with_records(customer_id) -> CustomerRecords | None:
    """Three queries whatever the customer's size: the customer (following a merge), its source
    records with their accounts."""
    customer = current_customer(customer_id)
    if customer is None:
        return None
    records = list(
        SourceRecord.objects.filter(customer=customer)
        .order_by("system", "external_id")
        .prefetch_related(Prefetch("accounts", queryset=Account.objects.order_by("kind", "id")))
    )
    accounts = [account for record in records for account in record.accounts.all()]
    merged_from = str(customer_id) if str(customer.pk) != str(customer_id) else None
    return CustomerRecords(
        customer=customer, merged_from=merged_from, source_records=records, accounts=accounts
    )


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
