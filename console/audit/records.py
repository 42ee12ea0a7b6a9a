"""Every opening of a customer's record is written down: who (a person or an integration
client), when, and from which contact or for what reason."""

from datetime import date

from django.db.models import Q

from console.audit.models import ViewAudit
from contacts.handle_time import day_bounds
from contacts.models import Contact
from customers.queries import search_customers

MAX_REASON = 200


def record_customer_view(
    *, customer_id, viewer=None, client=None, contact_id=None, reason: str = ""
) -> ViewAudit:
    contact = None
    if contact_id:
        # A contact of this customer explains the opening, and so does the viewer's own call
        # from a caller not yet known (the agent is finding out who calls); any other id is
        # kept as text.
        contact = Contact.objects.filter(
            Q(customer_id=customer_id)
            | Q(customer__merged_into_id=customer_id)
            | Q(customer__isnull=True, agent=viewer, agent__isnull=False),
            pk=contact_id,
        ).first()
        if contact is None:
            reason = reason or f"contact {contact_id} (not this customer's)"
    return ViewAudit.objects.create(
        customer_id=customer_id,
        viewer=viewer,
        client=client,
        contact=contact,
        reason=reason[:MAX_REASON],
    )


def view_audit_log(
    *,
    customer_query: str = "",
    viewer_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
):
    """The openings, newest first: of the customers a search by name, kana, number or phone
    finds (and of those merged into them), by one person, between two Tokyo days."""
    entries = ViewAudit.objects.select_related(
        "customer", "viewer", "client", "contact", "contact__queue"
    )
    if customer_query:
        found = list(search_customers(customer_query).values_list("pk", flat=True))
        entries = entries.filter(Q(customer_id__in=found) | Q(customer__merged_into_id__in=found))
    if viewer_id:
        entries = entries.filter(viewer_id=viewer_id)
    if start:
        entries = entries.filter(at__gte=day_bounds(start)[0])
    if end:
        entries = entries.filter(at__lt=day_bounds(end)[1])
    return entries
