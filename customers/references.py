"""How an outside system names a customer (an ATM incident, a ticket, a touchpoint), and finding
the one customer each name means, alone or a thousand at a time."""

from dataclasses import asdict, dataclass
from uuid import UUID

from customers.bulk_writes import one_of
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
        # Not asdict(): it deep-copies, and a batch asks this of a thousand references.
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    def customer(self) -> Customer | None:
        if self.customer_id:
            return current_customer(self.customer_id)
        named = {key: value for key, value in asdict(self).items() if key != "customer_id"}
        return customer_by_reference(**named) if self else None

    def as_json(self) -> dict:
        """What was given, for a steward to read."""
        return {key: value for key, value in asdict(self).items() if value}


def customer_ids_by_references(references: list[CustomerReference]) -> list[UUID | None]:
    """The id of `CustomerReference.customer()` for each, in a fixed number of queries for
    customer numbers and record ids (a batch of touchpoints names them by the thousand); the rare
    card-and-name reference is looked up on its own. None where nobody or several people fit."""
    numbers = {r.customer_number for r in references if r.customer_number}
    record_keys = {
        (r.system, r.external_id)
        for r in references
        if not r.customer_number and r.system and r.external_id
    }
    by_number: dict[str, UUID | None] = {}
    for customer_id, number in (
        live_customers()
        .filter(one_of("customer_number", numbers))
        .values_list("pk", "customer_number")
    ):
        # Two live customers with one number identify nobody.
        by_number[number] = None if number in by_number else customer_id
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
            customer = reference.customer()
            found.append(customer.pk if customer else None)
    return found


def _survivors(customer_ids: set) -> dict:
    """Each known customer id's customer now: itself, or the survivor it was merged into (merges
    re-point chains, so that is one step)."""
    return {
        pk: merged_into or pk
        for pk, merged_into in Customer.objects.filter(pk__in=customer_ids).values_list(
            "pk", "merged_into_id"
        )
    }


def _current_customers(customer_ids: set[str]) -> dict[str, UUID]:
    """Each id's customer now, following a merge to the survivor."""
    if not customer_ids:
        return {}
    return {str(pk): survivor for pk, survivor in _survivors(customer_ids).items()}


def _customers_of_records(keys: set[tuple[str, str]]) -> dict[tuple[str, str], UUID]:
    if not keys:
        return {}
    systems = {system for system, _ in keys}
    external_ids = {external_id for _, external_id in keys}
    linked = {
        (system, external_id): customer_id
        for system, external_id, customer_id in SourceRecord.objects.filter(
            one_of("external_id", external_ids), system__in=systems
        ).values_list("system", "external_id", "customer_id")
        if (system, external_id) in keys
    }
    # A record's customer may since have been merged into another: follow it to the survivor.
    survivors = _survivors(set(linked.values()))
    return {
        key: survivors[customer_id]
        for key, customer_id in linked.items()
        if customer_id in survivors
    }
