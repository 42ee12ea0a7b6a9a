"""Satisfaction beside handle time: of the surveys sent in a period (Asia/Tokyo days, by when
each was offered), how many were answered and how satisfied those customers were, grouped by the
desk, queue, agent or wrap-up code of the contact each survey followed, with the AHT of those same
contacts — so a supervisor sees whether shorter calls cost satisfaction.

- offered: surveys sent; answered: those answered (once each, however often the link was used);
- response rate: answered / offered; satisfaction: the mean score (1–5) of the answered ones;
- AHT: (talk + hold + after-call work) / surveyed contacts answered and ended
  (contacts.handle_time).
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from console.follow_ups.models import Survey
from contacts.handle_time import day_bounds

GROUPS = {
    "desk": _("Desk"),
    "queue": _("Queue"),
    "agent": _("Agent"),
    "wrap_up": _("Wrap-up code"),
}


@dataclass
class SatisfactionFigures:
    label: str
    offered: int = 0
    answered: int = 0
    score_total: int = 0
    handled: int = 0
    handle_seconds: float = 0.0

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.offered if self.offered else None

    @property
    def satisfaction(self) -> float | None:
        return self.score_total / self.answered if self.answered else None

    @property
    def aht_seconds(self) -> float | None:
        return self.handle_seconds / self.handled if self.handled else None

    def add(self, survey: Survey) -> None:
        self.offered += 1
        if survey.answered_at is not None:
            self.answered += 1
            self.score_total += survey.score or 0
        contact = survey.follow_up.contact
        handle = contact.handle_seconds if contact else None
        if handle is not None:
            self.handled += 1
            self.handle_seconds += handle


@dataclass(frozen=True)
class SatisfactionReport:
    start: date
    end: date
    group: str
    rows: list[SatisfactionFigures]
    total: SatisfactionFigures


def _group_label(survey: Survey, group: str) -> str:
    contact = survey.follow_up.contact
    if contact is None:
        return "—"
    if group == "desk":
        return contact.get_desk_display() or "—"
    if group == "queue":
        return str(contact.queue) if contact.queue else "—"
    if group == "agent":
        return contact.agent.get_username() if contact.agent else "—"
    return contact.wrap_up_code.label if contact.wrap_up_code else "—"


def satisfaction_report(*, start: date, end: date, group: str) -> SatisfactionReport:
    since = day_bounds(start)[0]
    until = day_bounds(end)[1]
    surveys = Survey.objects.filter(offered_at__gte=since, offered_at__lt=until).select_related(
        "follow_up__contact__queue", "follow_up__contact__agent", "follow_up__contact__wrap_up_code"
    )
    rows: dict[str, SatisfactionFigures] = {}
    total = SatisfactionFigures(label=str(_("Total")))
    for survey in surveys:
        label = _group_label(survey, group)
        rows.setdefault(label, SatisfactionFigures(label=label)).add(survey)
        total.add(survey)
    return SatisfactionReport(
        start=start,
        end=end,
        group=group,
        rows=[rows[label] for label in sorted(rows)],
        total=total,
    )
