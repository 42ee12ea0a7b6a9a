"""One customer's journey: every contact on every channel and desk, newest first, including the
contacts of customers merged into this one."""

from django.db.models import Prefetch, Q, QuerySet

from contacts.models import OPEN_CASE_STATUSES, Case, Contact, ContactNote
from customers.models import Customer


def _of_customer(customer) -> Q:
    # A subquery of ids, not an OR across a join to customers: that makes PostgreSQL scan both
    # tables (seconds at a million customers); the ids come from the customer indexes.
    ids = Customer.objects.filter(Q(pk=customer.pk) | Q(merged_into=customer.pk)).values("pk")
    return Q(customer_id__in=ids)


def customer_contacts(*, customer) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(_of_customer(customer))
        .select_related("queue", "agent", "wrap_up_code")
        .order_by("-offered_at", "-created_at")
    )


def customer_timeline(*, customer, channel: str = "", desk: str = "") -> QuerySet[Contact]:
    """The contacts with their notes, filtered by channel and desk."""
    contacts = customer_contacts(customer=customer).prefetch_related(
        Prefetch("notes", queryset=ContactNote.objects.select_related("author"))
    )
    if channel:
        contacts = contacts.filter(channel=channel)
    if desk:
        contacts = contacts.filter(desk=desk)
    return contacts


def open_cases(*, customer) -> QuerySet[Case]:
    return Case.objects.filter(_of_customer(customer), status__in=OPEN_CASE_STATUSES).order_by(
        "-opened_at"
    )
