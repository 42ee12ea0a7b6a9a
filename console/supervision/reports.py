"""Handle-time reports: closed days read from the rollups (console/rollups.py), today (and a
recent day not rolled up yet) summed live from its contacts by the very function a rollup uses,
so today's figures move with the wallboard and a day reads the same before and after its rollup.
Any date range, grouped by desk, queue or agent and by day, hour or the whole range, and a
side-by-side comparison of two periods or two desks. The page and the CSV are built from the
same rows and the same cells.

Definitions (each over the phone contacts offered in the period, Asia/Tokyo):
- contacts: legs offered to a queue (a transfer starts a new leg on the target queue);
- service level: answered within the queue's threshold / (answered + abandoned);
- abandonment: abandoned / contacts;
- AHT: (talk + hold + after-call work) / contacts answered and ended, and each part on its own;
- transfers: legs transferred, and those that went to the other desk;
- repeat contacts: calls from a customer who had called within the 7 days before; first-contact
  resolution is its complement. Counted on calls (first legs) whose customer is known;
- identified at the screen pop: legs whose caller was known when the call was offered.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import F, Min, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.roles import display_name
from console.supervision.models import DailyContactRollup, HourlyContactRollup, RolledUpDay
from console.supervision.rollups import SUMMED, Sums, day_is_closed, sum_day
from contacts.handle_time import tokyo_today
from contacts.models import Channel, Contact, Desk, Queue

# Days this recent without a rollup are summed live; older ones wait for `roll_up_contacts`.
LIVE_DAYS_BACK = 2
# Below this many calls answered or abandoned, a rate says little: the page notes the sample.
SMALL_SAMPLE_CALLS = 30

GROUPS = {
    "desk": ("desk",),
    "queue": ("desk", "queue_id"),
    "agent": ("agent_id",),
    "all": (),
}
PERIODS = {"day": ("day",), "hour": ("day", "hour"), "range": ()}


@dataclass
class Figures(Sums):
    """Summed counts with the rates and averages a supervisor reads."""

    def _per(self, part: float, whole: float) -> float | None:
        return part / whole if whole else None

    @property
    def aht_seconds(self) -> float | None:
        handle = self.talk_seconds + self.hold_seconds + self.after_call_work_seconds
        return self._per(handle, self.handled)

    @property
    def average_talk_seconds(self) -> float | None:
        return self._per(self.talk_seconds, self.handled)

    @property
    def average_hold_seconds(self) -> float | None:
        return self._per(self.hold_seconds, self.handled)

    @property
    def average_after_call_work_seconds(self) -> float | None:
        return self._per(self.after_call_work_seconds, self.handled)

    @property
    def service_level(self) -> float | None:
        return self._per(self.answered_within_service_level, self.answered + self.abandoned)

    @property
    def abandonment_rate(self) -> float | None:
        return self._per(self.abandoned, self.contacts)

    @property
    def repeat_rate(self) -> float | None:
        return self._per(self.repeat_calls, self.calls_with_customer)

    @property
    def first_contact_resolution(self) -> float | None:
        rate = self.repeat_rate
        return None if rate is None else 1 - rate

    @property
    def identified_share(self) -> float | None:
        return self._per(self.identified_at_offer, self.contacts)


def _count(value) -> str:
    return str(value)


def _seconds(value) -> str:
    """A duration as m:ss (h:mm:ss from an hour), as a supervisor reads a clock."""
    if value is None:
        return ""
    sign, total = ("-" if value < 0 else ""), round(abs(value))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes}:{seconds:02d}"


def _percent(value) -> str:
    return "" if value is None else f"{value * 100:.1f}"


# (figure, column heading, how it is written): the same cells on the page and in the CSV.
COLUMNS = [
    ("contacts", _("Contacts"), _count),
    ("answered", _("Answered"), _count),
    ("abandoned", _("Abandoned"), _count),
    ("abandonment_rate", _("Abandoned %"), _percent),
    ("service_level", _("Service level %"), _percent),
    ("aht_seconds", _("AHT"), _seconds),
    ("average_talk_seconds", _("Talk"), _seconds),
    ("average_hold_seconds", _("Hold"), _seconds),
    ("average_after_call_work_seconds", _("After-call work"), _seconds),
    ("transfers", _("Transfers"), _count),
    ("transfers_to_other_desk", _("To the other desk"), _count),
    ("repeat_calls", _("Repeat calls"), _count),
    ("repeat_rate", _("Repeat contacts %"), _percent),
    ("first_contact_resolution", _("First-contact resolution %"), _percent),
    ("identified_share", _("Identified at screen pop %"), _percent),
]


def figure_cells(figures: Figures) -> list[str]:
    return [write(getattr(figures, name)) for name, _heading, write in COLUMNS]


@dataclass(frozen=True)
class Targets:
    """What a group of queues aims for, as rates from 0 to 1."""

    service_level: float
    abandonment: float


def target_marks(figures: Figures, targets: "Targets | None") -> dict[str, str]:
    """ "met" or "missed" for the service level and the abandonment against their targets."""
    if targets is None:
        return {}
    marks = {}
    if figures.service_level is not None:
        marks["service_level"] = (
            "met" if figures.service_level >= targets.service_level else "missed"
        )
    if figures.abandonment_rate is not None:
        marks["abandonment_rate"] = (
            "met" if figures.abandonment_rate <= targets.abandonment else "missed"
        )
    return marks


def is_small_sample(figures: Figures) -> bool:
    """Too few calls for a rate to mean much (but some: no calls is no rate at all)."""
    return 0 < figures.answered + figures.abandoned < SMALL_SAMPLE_CALLS


def targets_of(queues: Iterable[Queue]) -> Targets | None:
    """The targets of one queue, or the mean of several (a desk, all queues)."""
    queues = list(queues)
    if not queues:
        return None
    return Targets(
        service_level=sum(q.service_level_target for q in queues) / len(queues) / 100,
        abandonment=sum(q.abandonment_target for q in queues) / len(queues) / 100,
    )


@dataclass
class ReportRow:
    period: str
    group: str
    figures: Figures
    targets: Targets | None = None

    @property
    def cells(self) -> list[str]:
        return [self.period, self.group, *figure_cells(self.figures)]

    @property
    def marked_cells(self) -> list[tuple[str, str]]:
        """Each cell with "met", "missed" or "" for the page's colours."""
        marks = target_marks(self.figures, self.targets)
        names = ["period", "group", *(name for name, _heading, _write in COLUMNS)]
        return [(cell, marks.get(name, "")) for name, cell in zip(names, self.cells, strict=True)]

    @property
    def small_sample(self) -> bool:
        return is_small_sample(self.figures)


# What names a group on the page, read with the sums (no query per row).
GROUP_LABELS = {
    "desk": ["desk"],
    "queue": ["queue__name"],
    "agent": ["agent__username", "agent__last_name", "agent__first_name"],
    "all": [],
}


@dataclass
class Report:
    """A report's rows come from `grouped`, one row per period × group in the page's order; a
    page or the CSV reads only what it shows. Without a live day it is the database's query and
    total and trend are summed by the database too, so a year grouped by agent and day costs
    what one page of it costs; with one (today), the rollups' rows and the live ones are added
    up in memory."""

    start: date
    end: date
    group: str
    period: str
    desk: str
    grouped: Sequence
    total: Figures
    trend: list[tuple[str, Figures]]
    days_not_rolled_up: list[date] = field(default_factory=list)
    live_days: list[date] = field(default_factory=list)
    rolled_up_at: datetime | None = None
    targets: dict = field(default_factory=dict)

    @property
    def headings(self) -> list[str]:
        return [str(_("Period")), str(_("Group")), *(str(heading) for _n, heading, _w in COLUMNS)]

    def row(self, values: dict) -> ReportRow:
        return ReportRow(
            period=_period_label(values, self.period, self.start, self.end),
            group=_group_label(values, self.group),
            figures=_figures(values),
            targets=self.targets.get(_group_key(values, self.group)),
        )

    @property
    def total_targets(self) -> Targets | None:
        return self.targets.get("all")

    @property
    def rows(self) -> list[ReportRow]:
        return [self.row(values) for values in self.grouped]

    def iter_rows(self):
        values = (
            self.grouped.iterator(chunk_size=2000)
            if isinstance(self.grouped, QuerySet)
            else self.grouped
        )
        for row in values:
            yield self.row(row)


def _figures(row: dict) -> Figures:
    return Figures(**{name: row[name] or 0 for name in SUMMED})


def _period_label(row: dict, period: str, start: date, end: date) -> str:
    if period == "day":
        return row["day"].isoformat()
    if period == "hour":
        return f"{row['day'].isoformat()} {row['hour']:02d}:00"
    return f"{start.isoformat()} – {end.isoformat()}"


def _group_label(row: dict, group: str) -> str:
    if group == "all":
        return str(_("All"))
    if group == "desk":
        return str(dict(Desk.choices).get(row["desk"]) or "—")
    if group == "agent":
        if row["agent__username"] is None:
            return "—"
        return display_name(
            username=row["agent__username"],
            last_name=row["agent__last_name"],
            first_name=row["agent__first_name"],
        )
    return row["queue__name"] or "—"


def _group_key(row: dict, group: str):
    return {"desk": row.get("desk"), "queue": row.get("queue_id"), "all": "all"}.get(group)


def _group_targets(desk: str) -> dict:
    """Targets by queue id, by desk and for all of them ("all"), for the colours."""
    queues = list(Queue.objects.all())
    if desk:
        queues = [queue for queue in queues if queue.desk == desk]
    by_desk = defaultdict(list)
    for queue in queues:
        by_desk[queue.desk].append(queue)
    return {
        **{queue.pk: targets_of([queue]) for queue in queues},
        **{name: targets_of(members) for name, members in by_desk.items()},
        "all": targets_of(queues),
    }


def live_report_days(*, start: date, end: date, now: datetime | None = None) -> list[date]:
    """The days of the range summed from their contacts: those still open (today, and yesterday
    until its late calls are over) and recent ones never rolled up."""
    now = now or timezone.now()
    today = tokyo_today(now)
    first = max(start, today - timedelta(days=LIVE_DAYS_BACK))
    recent = [first + timedelta(days=n) for n in range((min(end, today) - first).days + 1)]
    rolled = set(
        RolledUpDay.objects.filter(day__in=recent, rolled_up_at__isnull=False).values_list(
            "day", flat=True
        )
    )
    return [day for day in recent if not day_is_closed(day, now=now) or day not in rolled]


def _live_rows(days: list[date], desk: str) -> list[dict]:
    """The live days' sums as rollup rows would read: (day, hour, desk, queue, agent) each."""
    rows = [
        {
            "day": day,
            "hour": hour,
            "desk": row_desk,
            "queue_id": queue_id,
            "agent_id": agent_id,
            **sums.as_dict(),
        }
        for day in days
        for (hour, row_desk, queue_id, agent_id), sums in sum_day(day).items()
        if not desk or row_desk == desk
    ]
    queue_names = dict(Queue.objects.values_list("pk", "name"))
    agent_ids = {row["agent_id"] for row in rows} - {None}
    people = {
        person["pk"]: person
        for person in get_user_model()
        .objects.filter(pk__in=agent_ids)
        .values("pk", "username", "last_name", "first_name")
    }
    for row in rows:
        row["queue__name"] = queue_names.get(row["queue_id"])
        person = people.get(row["agent_id"], {})
        for name in ("username", "last_name", "first_name"):
            row[f"agent__{name}"] = person.get(name)
    return rows


def _added_up(rows: Iterable[dict], keys: list[str]) -> list[dict]:
    """Rows with the same keys summed into one."""
    totals: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        total = totals.get(key)
        if total is None:
            totals[key] = {name: row[name] for name in keys} | {n: row[n] or 0 for n in SUMMED}
        else:
            for name in SUMMED:
                total[name] += row[name] or 0
    return list(totals.values())


def _in_page_order(rows: list[dict], periods: tuple, group: str) -> list[dict]:
    def order(row: dict) -> tuple:
        label = _group_label(row, group) if group != "all" else ""
        return (*(row[name] for name in periods), label == "—", label)

    return sorted(rows, key=order)


def contact_report(
    *, start: date, end: date, group: str, period: str, desk: str = "", now: datetime | None = None
) -> Report:
    """Every (period, group) with contacts, their total, and the trend per period."""
    if group not in GROUPS or period not in PERIODS:
        raise ValueError(f"unknown grouping {group!r} × {period!r}")
    live_days = live_report_days(start=start, end=end, now=now)
    model = HourlyContactRollup if period == "hour" else DailyContactRollup
    rollups = model.objects.filter(day__gte=start, day__lte=end).exclude(day__in=live_days)
    if desk:
        rollups = rollups.filter(desk=desk)
    summed = {name: Sum(name) for name in SUMMED}
    periods = PERIODS[period]
    keys = [*periods, *GROUPS[group], *GROUP_LABELS[group]]
    keys = list(dict.fromkeys(keys))
    grouped = rollups.values(*keys).annotate(**summed).order_by(*keys)
    if live_days:
        live = _live_rows(live_days, desk)
        grouped = _in_page_order(_added_up([*grouped, *live], keys), periods, group)
        trend_rows = _added_up(grouped, list(periods)) if periods else []
        total = _figures(_added_up(grouped, [])[0]) if grouped else Figures()
    else:
        grouped = grouped.order_by(*periods, *_label_order(group))
        trend_rows = list(rollups.values(*periods).annotate(**summed).order_by(*periods))
        total = _figures(rollups.aggregate(**summed))
    trend = [(_period_label(row, period, start, end), _figures(row)) for row in trend_rows]
    if not periods and total.contacts:
        trend = [(_period_label({}, period, start, end), total)]
    not_rolled, rolled_up_at = rollup_coverage(start=start, end=end)
    return Report(
        start=start,
        end=end,
        group=group,
        period=period,
        desk=desk,
        grouped=grouped,
        total=total,
        trend=trend,
        days_not_rolled_up=[day for day in not_rolled if day not in live_days],
        live_days=live_days,
        rolled_up_at=rolled_up_at,
        targets=_group_targets(desk),
    )


def _label_order(group: str) -> list:
    return [F(label).asc(nulls_last=True) for label in GROUP_LABELS[group][:1]]


def rollup_coverage(*, start: date, end: date) -> tuple[list[date], datetime | None]:
    """Days of the range that have calls but were never rolled up, and when the oldest rolled-up
    day of the range was written (the figures are at least that fresh)."""
    first_call = Contact.objects.filter(channel=Channel.PHONE).aggregate(first=Min("offered_at"))[
        "first"
    ]
    rolled = dict(
        RolledUpDay.objects.filter(
            day__gte=start, day__lte=end, rolled_up_at__isnull=False
        ).values_list("day", "rolled_up_at")
    )
    missing = []
    if first_call is not None:
        day = max(start, tokyo_today(first_call))
        last = min(end, tokyo_today(timezone.now()))
        while day <= last:
            if day not in rolled:
                missing.append(day)
            day += timedelta(days=1)
    return missing, min(rolled.values(), default=None)


# --- before / after ---


@dataclass(frozen=True)
class Side:
    start: date
    end: date
    desk: str = ""

    @property
    def label(self) -> str:
        desk = dict(Desk.choices).get(self.desk) or _("Both desks")
        return f"{self.start.isoformat()} – {self.end.isoformat()} · {desk}"


def side_figures(side: Side) -> Figures:
    return contact_report(
        start=side.start, end=side.end, group="all", period="range", desk=side.desk
    ).total


# (figure, label, how it is written, how a difference is written)
COMPARED = [
    ("aht_seconds", _("AHT"), _seconds),
    ("average_talk_seconds", _("Talk"), _seconds),
    ("average_hold_seconds", _("Hold"), _seconds),
    ("average_after_call_work_seconds", _("After-call work"), _seconds),
    ("repeat_rate", _("Repeat contacts %"), _percent),
    ("first_contact_resolution", _("First-contact resolution %"), _percent),
    ("identified_share", _("Identified at screen pop %"), _percent),
    ("service_level", _("Service level %"), _percent),
    ("abandonment_rate", _("Abandoned %"), _percent),
    ("transfers_to_other_desk", _("Transfers to the other desk"), _count),
    ("contacts", _("Contacts"), _count),
]


@dataclass
class Comparison:
    before: Side
    after: Side
    before_figures: Figures
    after_figures: Figures
    before_targets: Targets | None = None
    after_targets: Targets | None = None

    @property
    def marked_rows(self) -> list[list[tuple[str, str]]]:
        """The rows with "met" / "missed" on the before and after cells, for the colours."""
        marks = [
            target_marks(self.before_figures, self.before_targets),
            target_marks(self.after_figures, self.after_targets),
        ]
        return [
            [
                (row[0], ""),
                (row[1], marks[0].get(name, "")),
                (row[2], marks[1].get(name, "")),
                (row[3], ""),
            ]
            for (name, _label, _write), row in zip(COMPARED, self.rows, strict=True)
        ]

    @property
    def small_samples(self) -> list[str]:
        """The labels of the sides with few calls."""
        return [
            side.label
            for side, figures in (
                (self.before, self.before_figures),
                (self.after, self.after_figures),
            )
            if is_small_sample(figures)
        ]

    @property
    def rows(self) -> list[list[str]]:
        """[figure, before, after, change] as written on the page and in the CSV."""
        rows = []
        for name, label, write in COMPARED:
            before, after = getattr(self.before_figures, name), getattr(self.after_figures, name)
            change = "" if before is None or after is None else write(after - before)
            if change and after - before > 0:
                change = f"+{change}"
            rows.append([str(label), write(before), write(after), change])
        return rows

    @property
    def headings(self) -> list[str]:
        return [str(_("Figure")), self.before.label, self.after.label, str(_("Change"))]


def compare(*, before: Side, after: Side) -> Comparison:
    return Comparison(
        before=before,
        after=after,
        before_figures=side_figures(before),
        after_figures=side_figures(after),
        before_targets=_group_targets(before.desk)["all"],
        after_targets=_group_targets(after.desk)["all"],
    )


def figures_json(figures: Figures) -> dict:
    """The figures a chart draws, as plain numbers (seconds, and rates from 0 to 1)."""
    names = [
        "aht_seconds",
        "average_talk_seconds",
        "average_hold_seconds",
        "average_after_call_work_seconds",
        "service_level",
        "abandonment_rate",
        "repeat_rate",
        "identified_share",
    ]
    data = {name: getattr(figures, name) for name in names}
    data.update({field.name: getattr(figures, field.name) for field in fields(Sums)})
    return data
