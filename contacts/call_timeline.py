"""A call's legs from its telephony events, whatever order they arrived in.

Every event of a call is kept, and the legs are computed again from all of them, sorted by their
own time (`at`): a late or repeated event then lands where it belongs instead of corrupting the
times. A transfer ends one leg and opens the next; so does an answer by another agent while the
call is being talked on (a PBX that reports only who picked up, as the CTI push does, hands a
call over that way). Pure: no ORM.
"""

from dataclasses import dataclass, field
from datetime import datetime

from contacts.models import LIVE_CONTACT_STATES, CallEventType, ContactState

# Events at the same instant apply in the order a call lives through them.
LIFECYCLE_ORDER = {
    CallEventType.OFFERED: 0,
    CallEventType.ANSWERED: 1,
    CallEventType.HOLD: 2,
    CallEventType.UNHOLD: 3,
    CallEventType.TRANSFERRED: 4,
    CallEventType.ENDED: 5,
    CallEventType.WRAPUP_DONE: 6,
}


@dataclass(frozen=True)
class TimelineEvent:
    event_id: str
    type: str
    at: datetime
    queue: str = ""
    agent: str = ""
    target_queue: str = ""
    target_agent: str = ""
    caller_number: str = ""
    dialled_number: str = ""


@dataclass
class Leg:
    leg: int
    queue: str
    agent: str
    state: str
    caller_number: str = ""
    dialled_number: str = ""
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wrapped_up_at: datetime | None = None
    hold_seconds: float = 0.0
    hold_started_at: datetime | None = field(default=None, repr=False)

    def close_hold(self, at: datetime) -> None:
        if self.hold_started_at is not None:
            self.hold_seconds += max((at - self.hold_started_at).total_seconds(), 0.0)
            self.hold_started_at = None

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_CONTACT_STATES


def _offered_state(agent: str) -> str:
    return ContactState.OFFERED if agent else ContactState.WAITING


def call_legs(events: list[TimelineEvent]) -> list[Leg]:
    legs: list[Leg] = []
    ordered = sorted(events, key=lambda e: (e.at, LIFECYCLE_ORDER[e.type], e.event_id))
    for event in ordered:
        current = legs[-1] if legs else None
        if event.type == CallEventType.OFFERED:
            if current is None:
                legs.append(
                    Leg(
                        leg=0,
                        queue=event.queue,
                        agent=event.agent,
                        state=_offered_state(event.agent),
                        caller_number=event.caller_number,
                        dialled_number=event.dialled_number,
                        offered_at=event.at,
                    )
                )
            elif not current.agent and event.agent:
                current.agent, current.state = event.agent, ContactState.OFFERED
            continue
        if current is None:
            continue  # nothing was offered yet: the offer will come, and the replay with it
        if event.type == CallEventType.WRAPUP_DONE:
            _wrap_up(legs, event)
        elif not current.is_live:
            continue  # the leg is over; a late event for it changes nothing
        elif event.type == CallEventType.ANSWERED and _hands_over(current, event):
            legs.append(_next_leg(current, event.at, queue=current.queue, agent=event.agent))
            legs[-1].answered_at, legs[-1].state = event.at, ContactState.ANSWERED
        elif event.type == CallEventType.ANSWERED:
            current.answered_at = current.answered_at or event.at
            current.state = ContactState.ANSWERED
        elif event.type == CallEventType.HOLD and current.state == ContactState.ANSWERED:
            current.hold_started_at, current.state = event.at, ContactState.HOLD
        elif event.type == CallEventType.UNHOLD and current.state == ContactState.HOLD:
            current.close_hold(event.at)
            current.state = ContactState.ANSWERED
        elif event.type == CallEventType.TRANSFERRED:
            queue = event.target_queue or current.queue
            legs.append(_next_leg(current, event.at, queue=queue, agent=event.target_agent))
        elif event.type == CallEventType.ENDED:
            if _ends_an_earlier_leg(legs, event):
                continue
            current.close_hold(event.at)
            current.ended_at = event.at
            answered = current.answered_at is not None
            current.state = ContactState.ENDED if answered else ContactState.ABANDONED
    return legs


def _hands_over(current: Leg, event: TimelineEvent) -> bool:
    """Another agent answering a call an agent is talking on: the call is now theirs."""
    return (
        bool(event.agent and current.agent)
        and event.agent != current.agent
        and current.state in (ContactState.ANSWERED, ContactState.HOLD)
    )


def _next_leg(current: Leg, at: datetime, *, queue: str, agent: str) -> Leg:
    """End `current` as transferred at `at` and open the call's next leg there."""
    current.close_hold(at)
    current.ended_at, current.state = at, ContactState.TRANSFERRED
    return Leg(
        leg=current.leg + 1,
        queue=queue,
        agent=agent,
        state=_offered_state(agent),
        caller_number=current.caller_number,
        dialled_number=current.dialled_number,
        offered_at=at,
    )


def _ends_an_earlier_leg(legs: list[Leg], event: TimelineEvent) -> bool:
    """An end named by the agent of an earlier leg is that agent leaving after a transfer (a
    platform that reports each leg's end, such as Amazon Connect): the call goes on."""
    return (
        bool(event.agent)
        and event.agent != legs[-1].agent
        and any(leg.agent == event.agent for leg in legs[:-1])
    )


def _wrap_up(legs: list[Leg], event: TimelineEvent) -> None:
    """After-call work ends for the named agent's leg (a transferring agent wraps up too), or
    for the last leg that ended."""
    for leg in reversed(legs):
        if leg.state not in (ContactState.ENDED, ContactState.TRANSFERRED):
            continue
        if event.agent and leg.agent != event.agent:
            continue
        if leg.wrapped_up_at is None:
            leg.wrapped_up_at = event.at
            if leg.state == ContactState.ENDED:
                leg.state = ContactState.WRAPPED_UP
        return
