"""Handle-time reports read from the rollups (console/rollups.py): any date range, grouped by
desk, queue or agent and by day, hour or the whole range, and a side-by-side comparison of two
periods or two desks. The page and the CSV are built from the same rows and the same cells.

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

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from django.db.models import F, Min, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.supervision.models import DailyContactRollup, HourlyContactRollup, RolledUpDay
from console.supervision.rollups import SUMMED, Sums
from contacts.handle_time import tokyo_today
from contacts.models import Channel, Contact, Desk

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
    return "" if value is None else str(round(value))


def _percent(value) -> str:
    return "" if value is None else f"{value * 100:.1f}"


# (figure, column heading, how it is written): the same cells on the page and in the CSV.
COLUMNS = [
    ("contacts", _("Contacts"), _count),
    ("answered", _("Answered"), _count),
    ("abandoned", _("Abandoned"), _count),
    ("abandonment_rate", _("Abandoned %"), _percent),
    ("service_level", _("Service level %"), _percent),
    ("aht_seconds", _("AHT (s)"), _seconds),
    ("average_talk_seconds", _("Talk (s)"), _seconds),
    ("average_hold_seconds", _("Hold (s)"), _seconds),
    ("average_after_call_work_seconds", _("After-call work (s)"), _seconds),
    ("transfers", _("Transfers"), _count),
    ("transfers_to_other_desk", _("To the other desk"), _count),
    ("repeat_calls", _("Repeat calls"), _count),
    ("repeat_rate", _("Repeat contacts %"), _percent),
    ("first_contact_resolution", _("First-contact resolution %"), _percent),
    ("identified_share", _("Identified at screen pop %"), _percent),
]


def figure_cells(figures: Figures) -> list[str]:
    return [write(getattr(figures, name)) for name, _heading, write in COLUMNS]


@dataclass
class ReportRow:
    period: str
    group: str
    figures: Figures

    @property
    def cells(self) -> list[str]:
        return [self.period, self.group, *figure_cells(self.figures)]


# What names a group on the page, read with the sums (no query per row).
GROUP_LABELS = {"desk": "desk", "queue": "queue__name", "agent": "agent__username", "all": None}


@dataclass
class Report:
    """A report's rows come from `grouped`, one database row per period × group, in the page's
    order; a page or the CSV reads only what it shows. Total and trend are summed by the
    database too, so a year grouped by agent and day costs what one page of it costs."""

    start: date
    end: date
    group: str
    period: str
    desk: str
    grouped: QuerySet
    total: Figures
    trend: list[tuple[str, Figures]]
    days_not_rolled_up: list[date] = field(default_factory=list)
    rolled_up_at: datetime | None = None

    @property
    def headings(self) -> list[str]:
        return [str(_("Period")), str(_("Group")), *(str(heading) for _n, heading, _w in COLUMNS)]

    def row(self, values: dict) -> ReportRow:
        return ReportRow(
            period=_period_label(values, self.period, self.start, self.end),
            group=_group_label(values, self.group),
            figures=_figures(values),
        )

    @property
    def rows(self) -> list[ReportRow]:
        return [self.row(values) for values in self.grouped]

    def iter_rows(self):
        for values in self.grouped.iterator(chunk_size=2000):
            yield self.row(values)


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
    return row[GROUP_LABELS[group]] or "—"


def contact_report(*, start: date, end: date, group: str, period: str, desk: str = "") -> Report:
    """Every (period, group) with contacts, their total, and the trend per period."""
    if group not in GROUPS or period not in PERIODS:
        raise ValueError(f"unknown grouping {group!r} × {period!r}")
    model = HourlyContactRollup if period == "hour" else DailyContactRollup
    rollups = model.objects.filter(day__gte=start, day__lte=end)
    if desk:
        rollups = rollups.filter(desk=desk)
    summed = {name: Sum(name) for name in SUMMED}
    periods = PERIODS[period]
    label = GROUP_LABELS[group]
    labels = [label] if label and label not in GROUPS[group] else []
    order = [*periods, *([F(label).asc(nulls_last=True)] if label else [])]
    grouped = rollups.values(*periods, *GROUPS[group], *labels).annotate(**summed).order_by(*order)
    trend = (
        [
            (_period_label(row, period, start, end), _figures(row))
            for row in rollups.values(*periods).annotate(**summed).order_by(*periods)
        ]
        if periods
        else []
    )
    total = _figures(rollups.aggregate(**summed))
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
        days_not_rolled_up=not_rolled,
        rolled_up_at=rolled_up_at,
    )


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
    rollups = DailyContactRollup.objects.filter(day__gte=side.start, day__lte=side.end)
    if side.desk:
        rollups = rollups.filter(desk=side.desk)
    return _figures(rollups.aggregate(**{name: Sum(name) for name in SUMMED}))


# (figure, label, how it is written, how a difference is written)
COMPARED = [
    ("aht_seconds", _("AHT (s)"), _seconds),
    ("average_talk_seconds", _("Talk (s)"), _seconds),
    ("average_hold_seconds", _("Hold (s)"), _seconds),
    ("average_after_call_work_seconds", _("After-call work (s)"), _seconds),
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

    @property
    def rows(self) -> list[list[str]]:
        """[figure, before, after, change] as written on the page and in the CSV."""
        rows = []
        for name, label, write in COMPARED:
            before, after = getattr(self.before_figures, name), getattr(self.after_figures, name)
            change = "" if before is None or after is None else write(after - before)
            if change and not change.startswith("-") and change.strip("0.") != "":
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
