"""Twilio TaskRouter: the workspace's event callback (a form post per event) translated into call
events. TaskRouter routes the call itself: `reservation.created` offers the task to the worker it
reserved, `reservation.accepted` answers, `task.wrapup` ends the call (the worker wraps up),
`task.completed` ends the wrap-up and `task.canceled` is a caller who hung up before anyone
answered. Every other event type is acknowledged and ignored.

A transfer (`task.transfer-initiated`, to a worker or a TaskQueue) opens the call's next leg; the
transfer's own task names the first task in its attributes as Flex writes them
(`conversations.conversation_id`), and its reservation offers that leg to the worker TaskRouter
picked. The call is the first task (TaskSid); the first worker's `task.wrapup` ends only their
leg.

Twilio signs each callback with the account's auth token over the public URL it posted to
(X-Twilio-Signature): the view checks it with Twilio's own `RequestValidator` before this module
sees the form.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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

TRANSLATED = {
    "reservation.created",
    "reservation.accepted",
    "task.wrapup",
    "task.completed",
    "task.canceled",
    "task.transfer-initiated",
}
TRANSFER_TYPES = ("WORKER", "QUEUE")


@dataclass(frozen=True)
class TaskEvent:
    """The fields of one TaskRouter callback the console uses."""

    event_type: str
    event_sid: str
    workspace_sid: str
    task_sid: str
    reservation_sid: str
    task_queue_sid: str
    worker_sid: str
    at: datetime
    task_age_seconds: float
    caller_number: str
    called_number: str
    call_sid: str
    transfer_sid: str = ""
    transfer_type: str = ""
    transfer_to: str = ""

    @property
    def is_later_leg(self) -> bool:
        """The task of a transfer: the call began as another task."""
        return self.call_sid != self.task_sid

    @property
    def source(self) -> str:
        return f"taskrouter:{self.workspace_sid}"


def _form_text(form: dict, name: str, *, required: bool = False, max_length: int = 64) -> str:
    value = form.get(name, "")
    if required and not value:
        raise TranslationError({name: ["This field is required."]})
    if len(value) > max_length:
        raise TranslationError({name: [f"At most {max_length} characters."]})
    return value


def _when(form: dict) -> datetime:
    """EventDateMs (milliseconds) when Twilio sends it, else Timestamp (seconds)."""
    for name, scale in (("EventDateMs", 1000), ("Timestamp", 1)):
        value = form.get(name, "")
        if value:
            try:
                return datetime.fromtimestamp(int(value) / scale, tz=UTC)
            except (ValueError, OverflowError, OSError) as error:
                raise TranslationError({name: ["Must be a Unix time."]}) from error
    raise TranslationError({"Timestamp": ["This field is required."]})


def _attributes(form: dict) -> dict:
    raw = form.get("TaskAttributes", "")
    if not raw:
        return {}
    try:
        attributes = json.loads(raw)
    except ValueError as error:
        raise TranslationError({"TaskAttributes": ["Must be a JSON object."]}) from error
    if not isinstance(attributes, dict):
        raise TranslationError({"TaskAttributes": ["Must be a JSON object."]})
    return attributes


def _call_sid(attributes: dict, task_sid: str) -> str:
    """The first task of the call: Flex's conversation id, which a transfer's task carries."""
    conversations = attributes.get("conversations")
    conversation = conversations.get("conversation_id") if isinstance(conversations, dict) else ""
    if not conversation:
        return task_sid
    if not isinstance(conversation, str) or len(conversation) > 64:
        raise TranslationError(
            {"TaskAttributes": ["'conversations.conversation_id' must be a task's SID."]}
        )
    return conversation


def _caller(attributes: dict) -> tuple[str, str]:
    """The voice task's attributes name the caller (`from`, or `caller` as Flex writes it)."""
    numbers = []
    for names in (("from", "caller"), ("to", "called")):
        value = next((attributes[n] for n in names if attributes.get(n)), "")
        if not isinstance(value, str) or len(value) > 32:
            raise TranslationError({"TaskAttributes": [f"'{names[0]}' must be a phone number."]})
        numbers.append(value)
    return numbers[0], numbers[1]


def task_event(form: dict) -> TaskEvent | None:
    """The callback's fields, or None for an event type the console does not follow."""
    event_type = _form_text(form, "EventType", required=True)
    if event_type not in TRANSLATED:
        return None
    attributes = _attributes(form)
    caller, called = _caller(attributes)
    task_sid = _form_text(form, "TaskSid", required=True)
    transfer = event_type == "task.transfer-initiated"
    transfer_type = _form_text(form, "TransferType", required=transfer).upper()
    if transfer and transfer_type not in TRANSFER_TYPES:
        raise TranslationError({"TransferType": ["Must be WORKER or QUEUE."]})
    age = form.get("TaskAge", "") or "0"
    try:
        task_age = float(age)
    except ValueError as error:
        raise TranslationError({"TaskAge": ["Must be a number of seconds."]}) from error
    return TaskEvent(
        event_type=event_type,
        event_sid=_form_text(form, "Sid"),
        workspace_sid=_form_text(form, "WorkspaceSid", required=True),
        task_sid=task_sid,
        reservation_sid=_form_text(
            form, "ReservationSid", required=event_type.startswith("reservation.")
        ),
        task_queue_sid=_form_text(form, "TaskQueueSid"),
        worker_sid=_form_text(form, "WorkerSid", required=event_type.startswith("reservation.")),
        at=_when(form),
        task_age_seconds=task_age,
        caller_number=caller,
        called_number=called,
        call_sid=_call_sid(attributes, task_sid),
        transfer_sid=_form_text(form, "TransferSid", required=transfer),
        transfer_type=transfer_type,
        transfer_to=_form_text(form, "TransferTo", required=transfer),
    )


def call_events(
    task: TaskEvent, *, queue: str, agent: str, target_queue: str = "", target_agent: str = ""
) -> list[CallEventInput]:
    """Ids are fixed by the task, reservation and transfer, so a callback Twilio sends again is
    a duplicate. `target_queue`/`target_agent`: ours for a transfer's TransferTo."""

    def event(kind: str, key: str, at: datetime = task.at, **fields) -> CallEventInput:
        return CallEventInput(
            event_id=f"{key}:{task.event_type}:{kind}",
            call_id=task.call_sid,
            type=kind,
            at=at,
            **fields,
        )

    numbers = {"caller_number": task.caller_number, "called_number": task.called_number}
    if task.event_type == "task.transfer-initiated":
        return [
            event(
                CallEventType.TRANSFERRED,
                task.transfer_sid,
                target_queue=target_queue,
                target_agent=target_agent,
            )
        ]
    if task.event_type == "reservation.created":
        return [
            event(CallEventType.OFFERED, task.reservation_sid, queue=queue, agent=agent, **numbers)
        ]
    if task.event_type == "reservation.accepted":
        return [event(CallEventType.ANSWERED, task.reservation_sid, agent=agent)]
    if task.event_type == "task.wrapup":
        return [event(CallEventType.ENDED, task.task_sid, agent=agent)]
    if task.event_type == "task.completed":
        return [event(CallEventType.WRAPUP_DONE, task.task_sid, agent=agent)]
    # task.canceled: the task's creation (its age ago) opens the leg, in case no worker was
    # ever reserved; if one was, the leg is open already and this offer changes nothing.
    # A task canceled before it reached a queue never waited for the desks: no contact.
    # A transfer's task was opened by the transfer itself.
    created = task.at - timedelta(seconds=task.task_age_seconds)
    opening = [event(CallEventType.OFFERED, task.task_sid, at=created, queue=queue, **numbers)]
    opens = queue and not task.is_later_leg
    return [*(opening if opens else []), event(CallEventType.ENDED, task.task_sid)]


def record_task_event(*, form: dict) -> Recorded:
    """One TaskRouter callback (already verified as Twilio's). Refused whole (nothing stored)
    when malformed or when it names a TaskQueue or Worker no one mapped."""
    task = task_event(form)
    if task is None:
        return Recorded()
    queue = mapped_queue(
        platform=Platform.TASKROUTER, external_id=task.task_queue_sid, field="TaskQueueSid"
    )
    agent = mapped_agent(
        platform=Platform.TASKROUTER, external_id=task.worker_sid, field="WorkerSid"
    )
    targets = {}
    if task.transfer_type == "QUEUE":
        targets["target_queue"] = mapped_queue(
            platform=Platform.TASKROUTER, external_id=task.transfer_to, field="TransferTo"
        )
    elif task.transfer_type == "WORKER":
        targets["target_agent"] = mapped_agent(
            platform=Platform.TASKROUTER, external_id=task.transfer_to, field="TransferTo"
        )
    return record_platform_events(
        source=task.source, events=call_events(task, queue=queue, agent=agent, **targets)
    )


def join_request(*, contact, mode: str, supervisor_id: str, agent_id: str) -> dict | None:
    """A participant added to the task's conference (TaskRouter's conference instruction names
    it after the task; our call_id is the first task): muted to monitor, coaching the worker to
    whisper, neither to barge. Twilio dials the supervisor's client."""
    if mode not in ("monitor", "whisper", "barge"):
        return None
    return {
        "action": "CreateConferenceParticipant",
        "Workspace": contact.source.removeprefix("taskrouter:"),
        "Conference": contact.call_id,
        "To": supervisor_id if ":" in supervisor_id else f"client:{supervisor_id}",
        "Muted": mode == "monitor",
        "Coaching": mode == "whisper",
        # The worker's leg of the conference, which a coach speaks to.
        "CoachWorker": agent_id if mode == "whisper" else "",
        "Beep": False,
    }
