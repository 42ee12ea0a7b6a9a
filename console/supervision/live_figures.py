"""Today's figures for the wallboard, kept incrementally. Each phone contact stores what it adds
to its queue's hourly totals (`LiveContactFigures`); when the contact changes, only the
difference is added to `LiveQueueFigures`, so reading the wallboard (supervision.wallboard) costs
a few small queries whatever the day's volume.

The totals are moved after the contact's transaction commits, each by one single-row UPDATE, in
order: a transfer touches two queues, and two transactions locking two queues' rows in opposite
orders could deadlock. The contact's own row moves inside the transaction, so a change is
counted once; the totals' own commit does not wait for the disk (see `_move_totals`).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from console.realtime import announce_stats
from console.supervision.models import LiveContactFigures, LiveQueueFigures
from contacts.handle_time import contact_figures, local_day_and_hour, tokyo_today
from contacts.models import Channel, Contact, ContactState

COUNTED = (
    "offered",
    "answered",
    "answered_within_service_level",
    "abandoned",
    "handled",
    "handle_seconds",
)
WAITING_STATES = [ContactState.WAITING, ContactState.OFFERED]
TALKING_STATES = [ContactState.OFFERED, ContactState.ANSWERED, ContactState.HOLD]
# A call still "live" after this long lost its last event: it is not shown as waiting or talking.
LIVE_CALL_HORIZON = timedelta(hours=12)
# Live figures of the days before yesterday are no longer shown anywhere (reports use rollups).
LIVE_DAYS_KEPT = 2


@dataclass(frozen=True)
class Share:
    day: date
    hour: int
    queue_id: int
    values: tuple

    @property
    def key(self) -> tuple:
        return (self.day, self.hour, self.queue_id)


def note_call_change(contacts: list[Contact], *, created: list[Contact] = ()) -> None:
    """Called with every leg of a call after one of its events: keeps today's totals in step
    and marks the wallboard changed. Every leg, not only those whose state changed: a
    transferred leg's after-call work ends without a change of state. One read for the call
    (none when its legs were all `created` just now), and a write only for a leg whose figures
    moved."""
    announce_stats()
    counted = [
        contact
        for contact in contacts
        if contact.channel == Channel.PHONE
        and contact.offered_at is not None
        and contact.queue is not None
    ]
    if not counted:
        return
    new_ids = {contact.pk for contact in created}
    stored = {
        row.contact_id: row
        for row in LiveContactFigures.objects.filter(
            contact_id__in=[c.pk for c in counted if c.pk not in new_ids]
        )
    }
    changes: dict[tuple, list] = defaultdict(lambda: [0] * len(COUNTED))
    for contact in counted:
        row = stored.get(contact.pk)
        old = _share_of_row(row) if row else None
        new = share_of_contact(contact)
        if old == new:
            continue
        row = row or LiveContactFigures(contact_id=contact.pk)
        row.day, row.hour, row.queue_id = new.day, new.hour, new.queue_id
        for name, value in zip(COUNTED, new.values, strict=True):
            setattr(row, name, value)
        row.save(force_insert=contact.pk not in stored)
        _add_difference(changes, old, new)
    moves = {key: values for key, values in changes.items() if any(values)}
    if moves:
        transaction.on_commit(lambda: _move_totals(moves))


def share_of_contact(contact: Contact) -> Share:
    """What one contact adds to its queue's figures for the hour it was offered in."""
    figures = contact_figures(
        state=contact.state,
        offered_at=contact.offered_at,
        answered_at=contact.answered_at,
        ended_at=contact.ended_at,
        wrapped_up_at=contact.wrapped_up_at,
        hold_seconds=contact.hold_seconds,
        service_level_seconds=contact.queue.service_level_seconds,
    )
    day, hour = local_day_and_hour(contact.offered_at)
    return Share(
        day=day,
        hour=hour,
        queue_id=contact.queue_id,
        values=(
            figures.offered,
            figures.answered,
            figures.answered_within_service_level,
            figures.abandoned,
            figures.handled,
            round(figures.handle_seconds, 3),
        ),
    )


def _share_of_row(row: LiveContactFigures) -> Share:
    return Share(
        day=row.day,
        hour=row.hour,
        queue_id=row.queue_id,
        values=tuple(getattr(row, name) for name in COUNTED),
    )


def _add_difference(changes: dict[tuple, list], old: Share | None, new: Share) -> None:
    for share, sign in ((old, -1), (new, 1)):
        if share is None:
            continue
        for index, value in enumerate(share.values):
            changes[share.key][index] += sign * value


@transaction.atomic
def _move_totals(changes: dict[tuple, list]) -> None:
    # Without waiting for the disk: the totals are derived from the contacts' own rows, which
    # committed durably just before. A crash may lose the last fraction of a second of moves
    # (the wallboard's today, not a record); waiting would cost each event a second flush of
    # the write-ahead log, some 4 ms here (docs/BENCHMARKS.md), on the request's thread.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    for (day, hour, queue_id), values in sorted(changes.items()):
        totals = LiveQueueFigures.objects.filter(day=day, hour=hour, queue_id=queue_id)
        moved = {name: F(name) + value for name, value in zip(COUNTED, values, strict=True)}
        if totals.update(**moved):
            continue
        try:
            with transaction.atomic():
                LiveQueueFigures.objects.create(
                    day=day, hour=hour, queue_id=queue_id, **dict(zip(COUNTED, values, strict=True))
                )
        except IntegrityError:  # another process made the row first: add to it
            totals.update(**moved)


def forget_old_live_figures(*, now: datetime | None = None) -> int:
    """Live rows of the days before yesterday: reports read rollups, nobody reads these."""
    oldest_kept = tokyo_today(now or timezone.now()) - timedelta(days=LIVE_DAYS_KEPT - 1)
    contacts, _ = LiveContactFigures.objects.filter(day__lt=oldest_kept).delete()
    totals, _ = LiveQueueFigures.objects.filter(day__lt=oldest_kept).delete()
    return contacts + totals
