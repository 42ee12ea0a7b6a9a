"""Every showing of a customer's personal data is written down: who (a person or an integration
client), when, and from which contact or for what reason. A person who opens more customers in
an hour than settings.AUDIT_ALERT_CUSTOMERS_PER_HOUR, outside their own calls, raises an alert
(logged, and shown to supervisors)."""

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from console.audit.models import SignInLockout, ViewAlert, ViewAudit
from contacts.handle_time import day_bounds
from contacts.models import Contact
from customers.queries import search_customers

MAX_REASON = 200
ALERT_WINDOW = timedelta(hours=1)

logger = logging.getLogger(__name__)


def record_customer_view(
    *, customer_id, viewer=None, client=None, contact_id=None, reason: str = ""
) -> ViewAudit:
    """One customer opened (its page, the 360, a source record), `contact_id` as the person
    said; a contact that does not explain the opening is kept only as text."""
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
    on_own_call = bool(contact and viewer and contact.agent_id == viewer.pk)
    entry = ViewAudit.objects.create(
        customer_id=customer_id,
        viewer=viewer,
        client=client,
        contact=contact,
        reason=reason[:MAX_REASON],
        on_own_call=on_own_call,
    )
    if viewer is not None and not on_own_call:
        raise_alert_if_over(viewer=viewer)
    return entry


def record_customer_views(
    *,
    customer_ids: Iterable,
    reason: str,
    viewer_id=None,
    client=None,
    contact_id=None,
    on_own_call: bool = False,
    listed: bool = False,
) -> None:
    """Customers one answer shows (a screen pop, search results, a listing), in one INSERT:
    the screen pop's path takes one database round trip more, not one per customer.
    `contact_id` must be trusted (stored by us, or checked with `own_contact_id`)."""
    rows = [
        ViewAudit(
            customer_id=customer_id,
            viewer_id=viewer_id,
            client=client,
            contact_id=contact_id,
            reason=reason[:MAX_REASON],
            on_own_call=on_own_call,
            listed=listed,
        )
        for customer_id in dict.fromkeys(customer_ids)
    ]
    if not rows:
        return
    ViewAudit.objects.bulk_create(rows)
    if viewer_id is not None and not (on_own_call or listed):
        raise_alert_if_over(viewer=viewer_id)


def own_contact_id(*, viewer, contact_id):
    """The contact a person says they are working on, if it is theirs."""
    if not contact_id or not viewer.is_authenticated:
        return None
    return Contact.objects.filter(pk=contact_id, agent=viewer).values_list("pk", flat=True).first()


def _viewer_pk(viewer) -> int:
    return viewer if isinstance(viewer, int) else viewer.pk


def customers_opened_off_call(*, viewer, since) -> int:
    return (
        ViewAudit.objects.filter(
            viewer_id=_viewer_pk(viewer), at__gte=since, on_own_call=False, listed=False
        )
        .values("customer_id")
        .distinct()
        .count()
    )


def raise_alert_if_over(*, viewer, now=None) -> ViewAlert | None:
    """At most one alert an hour for one person: the first opening past the limit raises it."""
    now = now or timezone.now()
    since = now - ALERT_WINDOW
    limit = settings.AUDIT_ALERT_CUSTOMERS_PER_HOUR
    opened = customers_opened_off_call(viewer=viewer, since=since)
    if opened <= limit:
        return None
    viewer_id = _viewer_pk(viewer)
    if ViewAlert.objects.filter(viewer_id=viewer_id, raised_at__gt=since).exists():
        return None
    alert = ViewAlert.objects.create(viewer_id=viewer_id, customers=opened, limit=limit)
    logger.warning(
        "Customer viewing alert: user %s opened %d customers outside their calls within an "
        "hour (limit %d).",
        viewer_id,
        opened,
        limit,
    )
    return alert


def recent_alerts(*, now=None):
    """The alerts a supervisor should see now: those of the last hour."""
    since = (now or timezone.now()) - ALERT_WINDOW
    return ViewAlert.objects.filter(raised_at__gt=since).select_related("viewer")


def alerts_between(*, first_day: date, last_day: date):
    return ViewAlert.objects.filter(
        raised_at__date__gte=first_day, raised_at__date__lte=last_day
    ).select_related("viewer")


def customers_viewed_per_agent_and_day(*, first_day: date, last_day: date) -> list[dict]:
    """Per person and day (the console's time zone): how many customers they opened, how many
    of those outside their own calls, how many more they saw in lists, and all showings."""
    return list(
        ViewAudit.objects.filter(
            viewer__isnull=False, at__date__gte=first_day, at__date__lte=last_day
        )
        .annotate(day=TruncDate("at"))
        .values("day", "viewer__username")
        .annotate(
            opened=Count("customer", distinct=True, filter=Q(listed=False)),
            opened_off_call=Count(
                "customer", distinct=True, filter=Q(listed=False, on_own_call=False)
            ),
            listed=Count("customer", distinct=True, filter=Q(listed=True)),
            showings=Count("id"),
        )
        .order_by("-day", "viewer__username")
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


def record_sign_in_lockout(*, username: str, address: str) -> SignInLockout | None:
    """One entry a lockout: django-axes says so again on every refused try while it lasts
    (each of which extends it), which is written only once."""
    username, address = (username or "")[:255], (address or "")[:64]
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    if SignInLockout.objects.filter(username=username, address=address, at__gt=since).exists():
        return None
    logger.warning("Sign-in locked out: user name %r at address %s.", username, address)
    return SignInLockout.objects.create(username=username, address=address)


def sign_in_locked_out(*, username, ip_address, **kwargs) -> None:
    """axes.signals.user_locked_out."""
    record_sign_in_lockout(username=username, address=ip_address)
