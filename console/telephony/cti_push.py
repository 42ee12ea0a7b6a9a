"""The generic CTI push that Zammad and sipgate define: a form post per call event
(`event=newCall|answer|hangup`, `from`, `to`, `direction`, `callId`, `user[]`, `queue`, `cause`,
`answeringNumber`), taken as the PBX sends it. `newCall` offers the call (to the one user it
rings, whose phone the PBX rang whatever the console thinks of their state; else to the queue,
where the console routes it as for a native event), `answer` answers it, naming the user who
picked up, `hangup` ends it. The push has no transfer: another user's `answer` while the call is
being talked on hands it over to them (a new leg, with the notes). Outbound calls are
acknowledged and ignored: the console's contacts are the callers'.

The format carries no time; a PBX that can add `timestamp` (ISO 8601 or Unix seconds) gets its
times kept when posts arrive late, otherwise the time of arrival counts. Users and queues are our
usernames and queue names unless the admin maps them.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from console.telephony.models import Platform
from console.telephony.recording import (
    Recorded,
    TranslationError,
    mapped_agent,
    mapped_queue,
    record_platform_events,
)
from contacts.call_events import CallEventInput
from contacts.models import CallEventType

EVENT_TYPES = {
    "newCall": CallEventType.OFFERED,
    "answer": CallEventType.ANSWERED,
    "hangup": CallEventType.ENDED,
}


@dataclass(frozen=True)
class PushedCallEvent:
    event: str
    call_id: str
    at: datetime
    direction: str
    caller_number: str
    called_number: str
    users: tuple[str, ...]
    queue: str


def _text(form, name: str, *, required: bool = False, max_length: int = 128) -> str:
    value = form.get(name, "") or ""
    if required and not value:
        raise TranslationError({name: ["This field is required."]})
    if len(value) > max_length:
        raise TranslationError({name: [f"At most {max_length} characters."]})
    return value


def _moment(value: str) -> datetime:
    if not value:
        return timezone.now()
    try:
        if value.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(value), tz=UTC)
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError) as error:
        raise TranslationError({"timestamp": ["Must be ISO 8601 or Unix seconds."]}) from error
    if moment.tzinfo is None:
        raise TranslationError({"timestamp": ["Must carry its time zone."]})
    return moment


def pushed_event(form) -> PushedCallEvent:
    """`form` is the posted QueryDict: `user[]` may repeat."""
    event = _text(form, "event", required=True, max_length=16)
    if event not in EVENT_TYPES:
        raise TranslationError({"event": ["Must be newCall, answer or hangup."]})
    direction = _text(form, "direction", max_length=8) or "in"
    if direction not in ("in", "out"):
        raise TranslationError({"direction": ["Must be 'in' or 'out'."]})
    users = tuple(u for u in [*form.getlist("user[]"), *form.getlist("user")] if u)
    if any(len(user) > 150 for user in users):
        raise TranslationError({"user[]": ["At most 150 characters each."]})
    return PushedCallEvent(
        event=event,
        call_id=_text(form, "callId", required=True),
        at=_moment(_text(form, "timestamp", max_length=40)),
        direction=direction,
        caller_number=_text(form, "from", max_length=32),
        called_number=_text(form, "to", max_length=32),
        users=users,
        queue=_text(form, "queue", max_length=255),
    )


def call_events(pushed: PushedCallEvent, *, queue: str, agent: str) -> list[CallEventInput]:
    fields: dict[str, str] = {"agent": agent}
    if pushed.event == "newCall":
        fields.update(
            caller_number=pushed.caller_number, called_number=pushed.called_number, queue=queue
        )
    # Each user's answer is its own event: another user answering takes the call over.
    answerer = f":{agent}" if pushed.event == "answer" and agent else ""
    return [
        CallEventInput(
            event_id=f"{pushed.call_id}:{pushed.event}{answerer}",
            call_id=pushed.call_id,
            type=EVENT_TYPES[pushed.event],
            at=pushed.at,
            **fields,
        )
    ]


def record_pushed_event(*, source: str, form) -> Recorded:
    """One push. Refused (nothing stored) when malformed or when it names a user or queue that
    is neither mapped nor ours."""
    pushed = pushed_event(form)
    if pushed.direction == "out":
        return Recorded()
    # Several users rung at once: nobody is the agent yet, and the console routes.
    user = pushed.users[0] if len(pushed.users) == 1 else ""
    agent = mapped_agent(platform=Platform.CTI_PUSH, external_id=user, field="user[]", by_name=True)
    queue = mapped_queue(
        platform=Platform.CTI_PUSH, external_id=pushed.queue, field="queue", by_name=True
    )
    if pushed.event == "newCall" and not (queue or agent):
        raise TranslationError({"queue": ["A new call needs a queue or exactly one user."]})
    return record_platform_events(
        source=source,
        events=call_events(pushed, queue=queue, agent=agent),
        # The PBX rang the user's phone itself: the console does not send the call elsewhere.
        platform_routes=bool(agent),
    )
