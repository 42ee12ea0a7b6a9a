"""What one contact counts for in the handle-time figures: answered or abandoned, within the
queue's service level or not, and its talk, hold and after-call work. The live wallboard and the
report rollups both count with this one function, so the two can never disagree on a definition.

A contact belongs to the day and hour (Asia/Tokyo) in which it was offered: a call offered at
23:58 and ended after midnight is counted, whole, on the day it started. Pure: no ORM.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contacts.choices import ContactState

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class ContactFigures:
    offered: int = 0
    answered: int = 0
    answered_within_service_level: int = 0
    abandoned: int = 0
    transferred: int = 0
    # Answered and over (ended or transferred): it has a handle time.
    handled: int = 0
    talk_seconds: float = 0.0
    hold_seconds: float = 0.0
    after_call_work_seconds: float = 0.0

    @property
    def handle_seconds(self) -> float:
        return handle_seconds(self.talk_seconds, self.hold_seconds, self.after_call_work_seconds)


def handle_seconds(
    talk_seconds: float, hold_seconds: float, after_call_work_seconds: float
) -> float:
    """The industry's handle time: talk + hold + after-call work."""
    return talk_seconds + hold_seconds + after_call_work_seconds


def talk_hold_and_after_call_work(
    *, connected_seconds: float, hold_seconds: float, after_call_work_seconds: float | None
) -> tuple[float, float, float]:
    """A handled call's talk (connected less hold), hold, and after-call work (0 until done)."""
    hold = max(hold_seconds or 0.0, 0.0)
    talk = max(connected_seconds - hold, 0.0)
    after = max(after_call_work_seconds, 0.0) if after_call_work_seconds is not None else 0.0
    return talk, hold, after


def contact_figures(
    *,
    state: str,
    offered_at: datetime | None,
    answered_at: datetime | None,
    ended_at: datetime | None,
    wrapped_up_at: datetime | None,
    hold_seconds: float,
    service_level_seconds: int,
) -> ContactFigures:
    """The contact's figures as they stand now; after-call work counts once it is done."""
    if offered_at is None:
        return ContactFigures()
    return figures_from_durations(
        state=state,
        wait_seconds=_seconds(offered_at, answered_at),
        connected_seconds=_seconds(answered_at, ended_at),
        after_call_work_seconds=_seconds(ended_at, wrapped_up_at),
        hold_seconds=hold_seconds,
        service_level_seconds=service_level_seconds,
    )


def _seconds(earlier: datetime | None, later: datetime | None) -> float | None:
    if earlier is None or later is None:
        return None
    return (later - earlier).total_seconds()


def figures_from_durations(
    *,
    state: str,
    wait_seconds: float | None,
    connected_seconds: float | None,
    after_call_work_seconds: float | None,
    hold_seconds: float,
    service_level_seconds: int,
) -> ContactFigures:
    """The same figures from the contact's durations: from its offer to its answer (None when
    never answered), from answer to end (None until it ends) and from end to wrap-up (None until
    after-call work is done). The rollups read durations the database computed."""
    answered = wait_seconds is not None
    handled = answered and connected_seconds is not None
    talk = hold = after = 0.0
    if handled:
        talk, hold, after = talk_hold_and_after_call_work(
            connected_seconds=connected_seconds,
            hold_seconds=hold_seconds,
            after_call_work_seconds=after_call_work_seconds,
        )
    return ContactFigures(
        offered=1,
        answered=int(answered),
        answered_within_service_level=int(answered and wait_seconds <= service_level_seconds),
        abandoned=int(state == ContactState.ABANDONED),
        transferred=int(state == ContactState.TRANSFERRED),
        handled=int(handled),
        talk_seconds=talk,
        hold_seconds=hold,
        after_call_work_seconds=after,
    )


def local_day_and_hour(moment: datetime) -> tuple[date, int]:
    local = moment.astimezone(TOKYO)
    return local.date(), local.hour


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first instant of a Tokyo day and the first instant of the next one."""
    start = datetime.combine(day, time.min, tzinfo=TOKYO)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=TOKYO)


def tokyo_today(now: datetime) -> date:
    return now.astimezone(TOKYO).date()
