"""How an outside system names a customer (an ATM incident, a ticket, a touchpoint), and finding
the one customer each name means, alone or a thousand at a time."""

from dataclasses import asdict, dataclass

from customers.models import Customer, SourceRecord
from customers.queries import current_customer, customer_by_reference, live_customers


@dataclass(frozen=True)
class CustomerReference:
    """The customer number, the system's own record id, or a card's last four digits with the
    holder's name; or, for what the console itself relates (a reply to its own message), our own
    `customer_id`. Empty when it named nobody."""

    customer_number: str = ""
    system: str = ""
    external_id: str = ""
    card_last4: str = ""
    name: str = ""
    customer_id: str = ""

    def __bool__(self) -> bool:
        return any(asdict(self).values())

    def customer(self) -> Customer | None:
        if self.customer_id:
            return current_customer(self.customer_id)
        named = {key: value for key, value in asdict(self).items() if key != "customer_id"}
        return customer_by_reference(**named) if self else None

    def as_json(self) -> dict:
        """What was given, for a steward to read."""
        return {key: value for key, value in asdict(self).items() if value}


def customers_by_references(references: list[CustomerReference]) -> list[Customer | None]:
    """`CustomerReference.customer()` for each, in a fixed number of queries for customer numbers
    and record ids (a batch of touchpoints names them by the thousand); the rare card-and-name
    reference is looked up on its own. None where nobody or several people fit."""
    numbers = {r.customer_number for r in references if r.customer_number}
    record_keys = {
        (r.system, r.external_id)
        for r in references
        if not r.customer_number and r.system and r.external_id
    }
    by_number: dict[str, Customer | None] = {}
    for customer in live_customers().filter(customer_number__in=numbers):
        # Two live customers with one number identify nobody.
        by_number[customer.customer_number] = (
            None if customer.customer_number in by_number else customer
        )
    by_record = _customers_of_records(record_keys)
    survivors_by_id = _current_customers(
        {r.customer_id for r in references if r.customer_id and not r.customer_number}
    )
    found = []
    for reference in references:
        if reference.customer_number:
            found.append(by_number.get(reference.customer_number))
        elif reference.system and reference.external_id:
            found.append(by_record.get((reference.system, reference.external_id)))
        elif reference.customer_id:
            found.append(survivors_by_id.get(reference.customer_id))
        else:
            found.append(reference.customer())
    return found


def _current_customers(customer_ids: set[str]) -> dict[str, Customer]:
    """Each id's customer now, following a merge to the survivor."""
    if not customer_ids:
        return {}
    customers = Customer.objects.in_bulk(customer_ids)
    survivors = Customer.objects.in_bulk(
        {c.merged_into_id for c in customers.values() if c.merged_into_id}
    )
    return {
        str(pk): survivors.get(customer.merged_into_id, customer)
        for pk, customer in customers.items()
    }


def _customers_of_records(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Customer]:
    if not keys:
        return {}
    systems = {system for system, _ in keys}
    external_ids = {external_id for _, external_id in keys}
    linked = {
        (system, external_id): customer_id
        for system, external_id, customer_id in SourceRecord.objects.filter(
            system__in=systems, external_id__in=external_ids
        ).values_list("system", "external_id", "customer_id")
        if (system, external_id) in keys
    }
    customers = Customer.objects.in_bulk(set(linked.values()))
    # A record's customer may since have been merged into another: follow it to the survivor.
    survivors = Customer.objects.in_bulk(
        {c.merged_into_id for c in customers.values() if c.merged_into_id}
    )
    found = {}
    for key, customer_id in linked.items():
        customer = customers.get(customer_id)
        if customer is not None:
            found[key] = survivors.get(customer.merged_into_id, customer)
    return found
