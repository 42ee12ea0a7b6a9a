"""Every opening of a customer's record is written down: who (a person or an integration
client), when, and from which contact or for what reason."""

from django.db.models import Q

from console.audit.models import ViewAudit
from contacts.models import Contact

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


def view_audit_log(*, customer_id=None, viewer_name: str = ""):
    entries = ViewAudit.objects.select_related(
        "customer", "viewer", "client", "contact", "contact__queue"
    )
    if customer_id:
        entries = entries.filter(customer_id=customer_id)
    if viewer_name:
        entries = entries.filter(viewer__username=viewer_name)
    return entries
