"""Asterisk: the manager interface's (AMI) queue, hold, transfer and hangup events translated
into call events, and the listener behind `manage.py listen_asterisk`, which stays connected
(panoramisk) and reconnects with a growing pause when Asterisk goes away.

A call is its Linkedid, which Asterisk keeps across the call's channels and transfers. Asterisk's
queues route the call: `AgentCalled` offers it to the member rung (the queue and the caller from
`QueueCallerJoin`), `AgentConnect` answers, `AgentComplete` (unless the reason is a transfer)
and the caller's `Hangup` end it, `QueueCallerAbandon` is a caller who gave up waiting,
`Hold`/`Unhold` hold it. `BlindTransfer` to a queue opens the next leg when that queue rings its
member; to an agent, or `AttendedTransfer`, at once. AMI events of one connection come in order,
so the translator keeps each live call's caller and queue in memory; the events' ids come from
Asterisk's own (Linkedid, Uniqueid, the event's Timestamp), so an event seen twice, or again
after a restart, changes nothing. Timestamps need `timestampevents = yes` in manager.conf;
without it the time of arrival counts.

Queues and members are ours by name (a queue `loans`, a member `agent001`) unless the admin maps
an Asterisk queue name, interface or member name.
"""

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.utils import timezone
from panoramisk import Manager

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

log = logging.getLogger(__name__)

FOLLOWED = {
    "QueueCallerJoin",
    "QueueCallerAbandon",
    "AgentCalled",
    "AgentConnect",
    "AgentComplete",
    "Hold",
    "Unhold",
    "BlindTransfer",
    "AttendedTransfer",
    "Hangup",
}


@dataclass
class _LiveCall:
    caller_number: str = ""
    called_number: str = ""
    queue: str = ""
    joined_at: datetime | None = None
    answered: bool = False
    # A blind transfer to a queue: its time and the queue, until that queue rings a member.
    transfer: tuple[datetime, str] | None = None


@dataclass
class AmiTranslator:
    """AMI events, in the order one connection delivers them, to call events naming Asterisk's
    queues and members (mapped to ours when recorded)."""

    calls: dict[str, _LiveCall] = field(default_factory=dict)

    def call_events(self, message: Mapping[str, str]) -> list[CallEventInput]:
        name = message.get("Event", "")
        if name not in FOLLOWED:
            return []
        at = _moment(message.get("Timestamp", ""))
        linkedid = message.get("Linkedid") or message.get("TransfererLinkedid", "")
        if name == "AttendedTransfer":
            linkedid = message.get("OrigTransfererLinkedid", "")
        if not linkedid:
            return []
        call = self.calls.setdefault(linkedid, _LiveCall())

        def event(kind: str, suffix: str, **fields) -> CallEventInput:
            return CallEventInput(
                event_id=f"{linkedid}:{kind}:{suffix}",
                call_id=linkedid,
                type=kind,
                at=at,
                **fields,
            )

        member = message.get("MemberName") or message.get("Interface", "")
        if name == "QueueCallerJoin":
            if call.transfer:
                call.transfer = (call.transfer[0], message.get("Queue", ""))
            else:
                call.caller_number = message.get("CallerIDNum", "")
                call.called_number = message.get("Exten", "")
                call.queue, call.joined_at = message.get("Queue", ""), at
            return []
        if name == "AgentCalled":
            if call.transfer:
                transfer_at, queue = call.transfer
                call.transfer, call.answered = None, False
                return [
                    replace(
                        event(CallEventType.TRANSFERRED, f"{transfer_at.timestamp()}"),
                        at=transfer_at,
                        target_queue=queue or message.get("Queue", ""),
                        target_agent=member,
                    )
                ]
            if call.answered:
                return []  # a member rung again on a call already answered
            return [
                replace(
                    event(CallEventType.OFFERED, "queue"),
                    at=call.joined_at or at,
                    caller_number=call.caller_number or message.get("CallerIDNum", ""),
                    called_number=call.called_number,
                    queue=call.queue or message.get("Queue", ""),
                    agent=member,
                )
            ]
        if name == "AgentConnect":
            call.answered = True
            return [event(CallEventType.ANSWERED, message.get("DestUniqueid", ""), agent=member)]
        if name == "AgentComplete":
            if message.get("Reason", "") == "transfer":
                return []
            return [event(CallEventType.ENDED, message.get("DestUniqueid", ""), agent=member)]
        if name in ("Hold", "Unhold"):
            kind = CallEventType.HOLD if name == "Hold" else CallEventType.UNHOLD
            return [event(kind, f"{message.get('Uniqueid', '')}:{at.timestamp()}")]
        if name == "QueueCallerAbandon":
            self.calls.pop(linkedid, None)
            return [
                replace(
                    event(CallEventType.OFFERED, "queue"),
                    at=call.joined_at or at,
                    caller_number=call.caller_number or message.get("CallerIDNum", ""),
                    called_number=call.called_number,
                    queue=call.queue or message.get("Queue", ""),
                ),
                event(CallEventType.ENDED, "abandoned"),
            ]
        if name == "BlindTransfer":
            call.transfer = (at, message.get("Extension", ""))
            return []
        if name == "AttendedTransfer":
            target = message.get("TransferTargetCallerIDNum") or message.get(
                "SecondTransfererConnectedLineNum", ""
            )
            return [event(CallEventType.TRANSFERRED, f"{at.timestamp()}", target_agent=target)]
        # Hangup: the caller's own channel (its Uniqueid is the Linkedid) ends the call.
        if message.get("Uniqueid") != linkedid:
            return []
        self.calls.pop(linkedid, None)
        return [event(CallEventType.ENDED, "hangup")]


def _moment(timestamp: str) -> datetime:
    if not timestamp:
        return timezone.now()
    try:
        return datetime.fromtimestamp(float(timestamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return timezone.now()


def _ours(event: CallEventInput) -> CallEventInput:
    """Asterisk's queue and member names as our queues and agents."""

    def queue(name: str, field: str) -> str:
        return mapped_queue(platform=Platform.ASTERISK, external_id=name, field=field, by_name=True)

    def agent(name: str, field: str) -> str:
        return mapped_agent(platform=Platform.ASTERISK, external_id=name, field=field, by_name=True)

    return replace(
        event,
        queue=queue(event.queue, "Queue"),
        agent=agent(event.agent, "MemberName"),
        target_queue=queue(event.target_queue, "Extension"),
        target_agent=agent(event.target_agent, "MemberName"),
    )


def record_ami_events(*, source: str, events: list[CallEventInput]) -> Recorded:
    """One AMI event's call events. One naming a queue or member no one knows is logged and
    dropped (nothing of it stored): the listener must go on for every other call."""
    if not events:
        return Recorded()
    try:
        ours = [_ours(event) for event in events]
    except TranslationError as error:
        log.warning("listen_asterisk: %s dropped: %s", events[0].event_id, error.fields)
        return Recorded()
    return record_platform_events(source=source, events=ours)


class BackoffManager(Manager):
    """panoramisk's manager, whose pause before trying again after a failed connection doubles
    each time up to `max_backoff` seconds; a login puts it back (AsteriskListener.on_login)."""

    max_backoff = 60.0

    def connection_made(self, f):
        if not f.cancelled() and f.exception() is not None:
            self.reconnect_timeout = min(self.reconnect_timeout * 2, self.max_backoff)
            log.warning("listen_asterisk: no connection, next try in %ss", self.reconnect_timeout)
        super().connection_made(f)


class AsteriskListener:
    """Follows one Asterisk's AMI events and records them, one at a time and in order, off the
    event loop (the database is synchronous)."""

    def __init__(self, *, manager: Manager, source: str) -> None:
        self.manager = manager
        self.source = source
        self.translator = AmiTranslator()
        self.pending: asyncio.Queue = asyncio.Queue()
        self.recorded = Recorded()
        self.first_backoff = manager.reconnect_timeout
        manager.register_event("*", self.on_event)
        manager.on_login = self.on_login
        manager.on_disconnect = self.on_disconnect

    def on_event(self, manager: Manager, message) -> None:
        self.pending.put_nowait(self.translator.call_events(message))

    def on_login(self, manager: Manager) -> None:
        manager.reconnect_timeout = self.first_backoff
        log.info("listen_asterisk: logged in")

    def on_disconnect(self, manager: Manager, exc) -> None:
        # panoramisk connects again by itself; what was recorded stays, and the calls live
        # meanwhile carry on from their next event.
        log.warning("listen_asterisk: disconnected (%s)", exc)

    async def record_forever(self, stop: Callable[[], bool] = lambda: False) -> None:
        while not stop():
            await self.record_one()

    async def record_one(self) -> None:
        events = await self.pending.get()
        try:
            self.recorded += await sync_to_async(record_ami_events)(
                source=self.source, events=events
            )
        finally:
            self.pending.task_done()

    async def drain(self) -> None:
        """Record everything received so far."""
        while not self.pending.empty():
            await self.record_one()


# ChanSpy's options: q without the beep, w whisper to the spied channel, B barge on both;
# E ends the spying when the agent's channel hangs up.
CHANSPY_OPTIONS = {"monitor": "qE", "whisper": "qwE", "barge": "qBE"}


def join_request(*, contact, mode: str, supervisor_id: str, agent_id: str) -> dict | None:
    """An AMI Originate that rings the supervisor's phone and, once answered, spies on the
    agent's channel. Both are interfaces (PJSIP/1001) from the admin's mappings, or user names
    taken as PJSIP endpoints."""
    options = CHANSPY_OPTIONS.get(mode)
    if options is None:
        return None

    def interface(name: str) -> str:
        return name if "/" in name else f"PJSIP/{name}"

    return {
        "Action": "Originate",
        "Channel": interface(supervisor_id),
        "Application": "ChanSpy",
        "Data": f"{interface(agent_id)},{options}",
        "Async": "true",
    }
