"""The seat map: the wallboard's agents as tiles by desk, each with its state, time in state, the
current call's queue and customer, the help sign and any supervisor on the call.

It rides on the supervisors' one wallboard message. That message goes to every supervisor's
socket and carries each call's customer id only; a socket that shows the seat map to a person
allowed to see customers names them, and writes down each call's customer the first time that
page shows it (listed, with the call: a seat map is a list of calls, not an opening). Every
other socket strips the id. So the names cost a query only when a new call appears on a page,
not once a second per page.
"""

from dataclasses import dataclass, field

from console.audit.records import record_customer_views
from customers.models import Customer

SEAT_MAP_PERMISSION = "customers.view_customer"
AUDIT_REASON = "seat map"


def without_customers(message: dict) -> dict:
    """The wallboard as every socket may send it: no customer of any call."""
    if "roster" not in message:
        return message
    return {**message, "roster": [_agent_without_customer(agent) for agent in message["roster"]]}


def _agent_without_customer(agent: dict) -> dict:
    call = agent.get("call")
    if not call or "customer_id" not in call:
        return agent
    return {**agent, "call": {key: value for key, value in call.items() if key != "customer_id"}}


@dataclass
class SeatMapViewer:
    """One seat-map page: who watches, and the customers of the calls it shows now
    (contact id → (customer id, the customer as shown))."""

    viewer_id: int
    shown: dict[str, tuple[str | None, dict | None]] = field(default_factory=dict)

    def new_customers(self, message: dict) -> dict[str, str]:
        """The calls whose customer this page has not shown yet (a new call, or its caller
        found meanwhile): contact id → customer id. No query."""
        return {
            contact_id: customer_id
            for contact_id, customer_id in _calls(message).items()
            if customer_id and self.shown.get(contact_id, (None, None))[0] != customer_id
        }

    def show(self, customer_of_contact: dict[str, str]) -> None:
        """Read the new customers, each written down as shown on its call (one query, and an
        INSERT a call)."""
        customers = {
            str(row["pk"]): {
                "id": str(row["pk"]),
                "name": row["name"],
                "name_kana": row["name_kana"],
                "customer_number": row["customer_number"],
            }
            for row in Customer.objects.filter(pk__in=set(customer_of_contact.values())).values(
                "pk", "name", "name_kana", "customer_number"
            )
        }
        for contact_id, customer_id in customer_of_contact.items():
            customer = customers.get(customer_id)
            if customer is not None:
                record_customer_views(
                    customer_ids=[customer_id],
                    viewer_id=self.viewer_id,
                    contact_id=contact_id,
                    listed=True,
                    reason=AUDIT_REASON,
                )
            self.shown[contact_id] = (customer_id, customer)

    def named(self, message: dict) -> dict:
        """The wallboard with each call's customer as shown (`show` first for the new ones).
        Only the calls on the page now are kept: a finished call does not come back."""
        if "roster" not in message:
            return message
        calls = _calls(message)
        self.shown = {
            contact_id: self.shown.get(contact_id) or (customer_id, None)
            for contact_id, customer_id in calls.items()
        }
        roster = []
        for agent in message["roster"]:
            entry = _agent_without_customer(agent)
            if entry.get("call"):
                customer = self.shown[entry["call"]["contact_id"]][1]
                entry = {**entry, "call": {**entry["call"], "customer": customer}}
            roster.append(entry)
        return {**message, "roster": roster}


def _calls(message: dict) -> dict[str, str | None]:
    return {
        agent["call"]["contact_id"]: agent["call"].get("customer_id")
        for agent in message.get("roster", [])
        if agent.get("call")
    }
