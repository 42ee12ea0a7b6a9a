"""Report rollups: a Tokyo day of phone contacts summed by hour × desk × queue × agent (and by
day, without the hour), so that a report over a year adds up a few thousand rows instead of
reading millions of contacts.

Only closed days are rolled up: a day is closed once the calls that crossed its midnight have
ended; until then the reports sum it live with `sum_day`, the same sums a rollup writes. A day is
always recomputed whole from its contacts and written in one transaction (delete, then insert),
under a lock on the day's `RolledUpDay` row: running it twice, late, or at the same time as
another worker gives the same rows. Beat rolls up each recent day once it has closed.
"""

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractHour
from django.utils import timezone

from console.supervision.models import DailyContactRollup, HourlyContactRollup, RolledUpDay
from contacts.handle_time import TOKYO, day_bounds, figures_from_durations, tokyo_today
from contacts.models import Channel, Contact, ContactState, Queue

# "The same customer again within 7 days" (a repeat contact: the first one did not resolve it).
REPEAT_WINDOW = timedelta(days=7)
# Calls offered before midnight may end after it: a day is final once they are over.
SETTLE_AFTER_MIDNIGHT = timedelta(minutes=30)
# How far back the periodic run looks for days that were never rolled up after they settled.
RECENT_DAYS = 2
DEFAULT_SERVICE_LEVEL_SECONDS = 20


@dataclass
class Sums:
    contacts: int = 0
    calls: int = 0
    answered: int = 0
    answered_within_service_level: int = 0
    abandoned: int = 0
    handled: int = 0
    talk_seconds: float = 0.0
    hold_seconds: float = 0.0
    after_call_work_seconds: float = 0.0
    transfers: int = 0
    transfers_to_other_desk: int = 0
    identified_at_offer: int = 0
    calls_with_customer: int = 0
    repeat_calls: int = 0

    def add(self, other: "Sums") -> None:
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in SUMMED}


SUMMED = [field.name for field in fields(Sums)]


@dataclass(frozen=True)
class RollupOutcome:
    day: date
    contacts: int
    hourly_rows: int
    daily_rows: int


class SecondsBetween(Func):
    """Seconds from one time to another, as a float (NULL if either is): the rollups read
    durations, because parsing 10^5 timestamps a day in Python costs more than the query."""

    output_field = FloatField()

    def __init__(self, earlier: str, later: str):
        super().__init__(F(later), F(earlier))

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # julianday() is a double: rounded to the millisecond, a whole second stays whole.
        later, earlier = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return (
            f"ROUND((julianday({later[0]}) - julianday({earlier[0]})) * 86400.0, 3)",
            [*later[1], *earlier[1]],
        )


def _day_contacts(day: date):
    start, end = day_bounds(day)
    earlier_call_of_customer = (
        Contact.objects.filter(
            channel=Channel.PHONE,
            customer_id=OuterRef("customer_id"),
            offered_at__gte=OuterRef("offered_at") - REPEAT_WINDOW,
            offered_at__lt=OuterRef("offered_at"),
        )
        .exclude(source=OuterRef("source"), call_id=OuterRef("call_id"))
        .values("pk")
    )
    first_leg = Q(parent__isnull=True)
    # Numbers and flags rather than times and ids, and each probe only where it can answer.
    return (
        Contact.objects.filter(channel=Channel.PHONE, offered_at__gte=start, offered_at__lt=end)
        .annotate(
            hour=ExtractHour("offered_at", tzinfo=TOKYO),
            wait_seconds=SecondsBetween("offered_at", "answered_at"),
            connected_seconds=SecondsBetween("answered_at", "ended_at"),
            after_call_work_seconds=SecondsBetween("ended_at", "wrapped_up_at"),
            is_first_leg=ExpressionWrapper(first_leg, output_field=BooleanField()),
            has_customer=ExpressionWrapper(Q(customer__isnull=False), output_field=BooleanField()),
            is_repeat=Case(
                When(first_leg & Q(customer__isnull=False), then=Exists(earlier_call_of_customer)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            next_desk=Case(
                When(
                    state=ContactState.TRANSFERRED,
                    then=Subquery(
                        Contact.objects.filter(parent_id=OuterRef("pk"))
                        .order_by("leg")
                        .values("desk")[:1]
                    ),
                ),
                default=Value(""),
            ),
        )
        .values_list(
            "state",
            "hour",
            "wait_seconds",
            "connected_seconds",
            "after_call_work_seconds",
            "hold_seconds",
            "desk",
            "queue_id",
            "agent_id",
            "is_first_leg",
            "has_customer",
            "identified_at_offer",
            "is_repeat",
            "next_desk",
        )
        .order_by()
    )


def sum_day(day: date) -> dict[tuple, Sums]:
    """The day's sums keyed by (hour, desk, queue_id, agent_id)."""
    thresholds = dict(Queue.objects.values_list("pk", "service_level_seconds"))
    sums: dict[tuple, Sums] = defaultdict(Sums)
    for (
        state,
        hour,
        wait_seconds,
        connected_seconds,
        after_call_work_seconds,
        hold_seconds,
        desk,
        queue_id,
        agent_id,
        first_leg,
        has_customer,
        identified,
        is_repeat,
        next_desk,
    ) in _day_contacts(day).iterator(chunk_size=20_000):
        figures = figures_from_durations(
            state=state,
            wait_seconds=wait_seconds,
            connected_seconds=connected_seconds,
            after_call_work_seconds=after_call_work_seconds,
            hold_seconds=hold_seconds,
            service_level_seconds=thresholds.get(queue_id, DEFAULT_SERVICE_LEVEL_SECONDS),
        )
        total = sums[(hour, desk or "", queue_id, agent_id)]
        total.contacts += 1
        total.calls += int(first_leg)
        total.answered += figures.answered
        total.answered_within_service_level += figures.answered_within_service_level
        total.abandoned += figures.abandoned
        total.handled += figures.handled
        total.talk_seconds += figures.talk_seconds
        total.hold_seconds += figures.hold_seconds
        total.after_call_work_seconds += figures.after_call_work_seconds
        total.transfers += figures.transferred
        total.transfers_to_other_desk += int(
            bool(figures.transferred and next_desk and next_desk != desk)
        )
        total.identified_at_offer += int(identified)
        total.calls_with_customer += int(first_leg and has_customer)
        total.repeat_calls += int(first_leg and bool(is_repeat))
    return sums


def roll_up_day(*, day: date, now: datetime | None = None) -> RollupOutcome:
    """Write the day's rollups again from its contacts. Idempotent."""
    RolledUpDay.objects.get_or_create(day=day)
    with transaction.atomic():
        # Two runs for one day take turns here, so neither sees the other's half-written rows.
        marker = RolledUpDay.objects.select_for_update().get(day=day)
        if connection.vendor == "postgresql":
            # A big day's query is costed high enough for JIT, which then takes a second to
            # compile what runs in three.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        sums = sum_day(day)
        daily: dict[tuple, Sums] = defaultdict(Sums)
        for (_hour, desk, queue_id, agent_id), total in sums.items():
            daily[(desk, queue_id, agent_id)].add(total)
        HourlyContactRollup.objects.filter(day=day).delete()
        DailyContactRollup.objects.filter(day=day).delete()
        HourlyContactRollup.objects.bulk_create(
            [
                HourlyContactRollup(
                    day=day,
                    hour=hour,
                    desk=desk,
                    queue_id=queue_id,
                    agent_id=agent_id,
                    **total.as_dict(),
                )
                for (hour, desk, queue_id, agent_id), total in sums.items()
            ],
            batch_size=1000,
        )
        DailyContactRollup.objects.bulk_create(
            [
                DailyContactRollup(
                    day=day, desk=desk, queue_id=queue_id, agent_id=agent_id, **total.as_dict()
                )
                for (desk, queue_id, agent_id), total in daily.items()
            ],
            batch_size=1000,
        )
        marker.rolled_up_at = now or timezone.now()
        marker.contacts = sum(total.contacts for total in daily.values())
        marker.save(update_fields=["rolled_up_at", "contacts"])
    return RollupOutcome(
        day=day, contacts=marker.contacts, hourly_rows=len(sums), daily_rows=len(daily)
    )


def day_is_closed(day: date, *, now: datetime) -> bool:
    return now >= day_bounds(day)[1] + SETTLE_AFTER_MIDNIGHT


def roll_up_days(*, days: list[date], now: datetime | None = None) -> list[RollupOutcome]:
    """Roll up each closed day of `days`; an open one (today) is left to the live sums."""
    now = now or timezone.now()
    closed = [day for day in sorted(set(days)) if day_is_closed(day, now=now)]
    return [roll_up_day(day=day, now=now) for day in closed]


def days_to_roll_up(*, now: datetime) -> list[date]:
    """Each recent closed day not rolled up since it closed."""
    today = tokyo_today(now)
    recent = [today - timedelta(days=back) for back in range(RECENT_DAYS, 0, -1)]
    rolled = dict(
        RolledUpDay.objects.filter(day__in=recent, rolled_up_at__isnull=False).values_list(
            "day", "rolled_up_at"
        )
    )
    return [
        day
        for day in recent
        if day_is_closed(day, now=now)
        and (day not in rolled or not day_is_closed(day, now=rolled[day]))
    ]


def roll_up_recent_days(*, now: datetime | None = None) -> list[RollupOutcome]:
    now = now or timezone.now()
    return roll_up_days(days=days_to_roll_up(now=now), now=now)
