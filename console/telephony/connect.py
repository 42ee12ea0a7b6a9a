"""Amazon Connect: contact events (EventBridge, `detail-type: Amazon Connect Contact Event`) and
contact records (CTRs) translated into call events.

Connect delivers both at least once and in any order, and routes calls itself. Every event is a
snapshot of its contact, so each one is translated whole: whatever it already knows (the agent,
the answer, the end, the end of after-contact work) becomes the events with ids fixed by the
contact (`<contactId>:answered`), and a repeat or a later snapshot adds only what is new. A leg is
opened only once Connect names its agent (or the contact ended in a queue without one: abandoned),
because the console must not route a call Connect routes. A transfer is a new contact whose
initialContactId names the call (our call_id) and whose previousContactId the leg before: its
opening is a `transferred` event, so the next agent's pop carries the earlier legs' notes. The
transferring agent's own disconnect names that agent, so it ends their leg, not the call.

Hold and after-contact work appear only in contact records: the newest record of a contact
(LastUpdateTimestamp) is kept, and its NumberOfHolds and CustomerHoldDuration become that many
hold/unhold pairs spread over the connected time (Connect gives totals, not times), its
AfterContactWorkEndTimestamp the wrap-up. A record repeats what the events said under the same
ids, so one fills in for an event Connect never delivered.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from console.telephony.models import ConnectContactRecord, Platform
from console.telephony.recording import (
    Recorded,
    TranslationError,
    mapped_agent,
    mapped_queue,
    record_platform_events,
)
from contacts.call_events import CallEventInput
from contacts.models import CallEvent, CallEventType

CONTACT_EVENT = "Amazon Connect Contact Event"
# Queues of this type are an agent's personal queue (a transfer straight to an agent): the call
# stays in the queue it was in.
AGENT_QUEUE = "AGENT"


@dataclass(frozen=True)
class ConnectContact:
    """What one Connect contact (one leg of a call) says about itself, from an event or a record."""

    contact_id: str
    call_id: str
    instance_id: str
    transferred: bool
    caller_number: str = ""
    called_number: str = ""
    queue_arn: str = ""
    agent_arn: str = ""
    initiated_at: datetime | None = None
    enqueued_at: datetime | None = None
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    after_work_ended_at: datetime | None = None
    number_of_holds: int = 0
    hold_seconds: float = 0.0

    @property
    def source(self) -> str:
        # The instance, not the API client, names the source: events and records of one call
        # may come through different clients (EventBridge, Kinesis Data Firehose).
        return f"amazon-connect:{self.instance_id}"


def _field(data: dict, name: str):
    """Connect spells some keys with a capital in places (`AgentInfo` in its own samples)."""
    if not isinstance(data, dict):
        return None
    value = data.get(name)
    return data.get(name[:1].upper() + name[1:]) if value is None else value


def _object(data: dict, name: str, path: str) -> dict:
    value = _field(data, name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TranslationError({path: ["Must be an object."]})
    return value


def _text(data: dict, name: str, path: str, *, required: bool = False, max_length=256) -> str:
    value = _field(data, name)
    if value in (None, ""):
        if required:
            raise TranslationError({path: ["This field is required."]})
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise TranslationError({path: [f"Must be a string of at most {max_length} characters."]})
    return value


def _moment(data: dict, name: str, path: str) -> datetime | None:
    value = _text(data, name, path, max_length=40)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise TranslationError({path: ["Must be an ISO 8601 timestamp."]}) from error
    if moment.tzinfo is None:
        raise TranslationError({path: ["Must carry its time zone (Connect sends UTC, 'Z')."]})
    return moment


def _number(data: dict, name: str, path: str) -> float:
    value = _field(data, name)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise TranslationError({path: ["Must be a number of at least 0."]})
    return float(value)


def _instance_id(arn: str, path: str) -> str:
    # arn:aws:connect:<region>:<account>:instance/<id>
    instance = arn.rsplit("instance/", 1)[-1].split("/", 1)[0] if "instance/" in arn else ""
    if not instance:
        raise TranslationError({path: ["Must be a Connect instance ARN."]})
    return instance


def contact_from_event(body: dict) -> ConnectContact:
    """The contact an EventBridge contact event describes."""
    if not isinstance(body, dict):
        raise TranslationError({"non_field_errors": ["The body must be a JSON object."]})
    if body.get("detail-type") != CONTACT_EVENT:
        raise TranslationError({"detail-type": [f"Must be '{CONTACT_EVENT}'."]})
    detail = _object(body, "detail", "detail")
    contact_id = _text(detail, "contactId", "detail.contactId", required=True)
    _text(detail, "eventType", "detail.eventType", required=True, max_length=40)
    queue = _object(detail, "queueInfo", "detail.queueInfo")
    agent = _object(detail, "agentInfo", "detail.agentInfo")
    customer = _object(detail, "customerEndpoint", "detail.customerEndpoint")
    system = _object(detail, "systemEndpoint", "detail.systemEndpoint")
    queue_type = _text(queue, "queueType", "detail.queueInfo.queueType", max_length=40)
    return ConnectContact(
        contact_id=contact_id,
        call_id=_text(detail, "initialContactId", "detail.initialContactId") or contact_id,
        instance_id=_instance_id(
            _text(detail, "instanceArn", "detail.instanceArn", required=True),
            "detail.instanceArn",
        ),
        transferred=bool(_text(detail, "previousContactId", "detail.previousContactId")),
        caller_number=_text(customer, "address", "detail.customerEndpoint.address", max_length=32),
        called_number=_text(system, "address", "detail.systemEndpoint.address", max_length=32),
        queue_arn=""
        if queue_type == AGENT_QUEUE
        else _text(queue, "queueArn", "detail.queueInfo.queueArn"),
        agent_arn=_text(agent, "agentArn", "detail.agentInfo.agentArn"),
        initiated_at=_moment(detail, "initiationTimestamp", "detail.initiationTimestamp"),
        enqueued_at=_moment(queue, "enqueueTimestamp", "detail.queueInfo.enqueueTimestamp"),
        connected_at=_moment(
            agent, "connectedToAgentTimestamp", "detail.agentInfo.connectedToAgentTimestamp"
        ),
        disconnected_at=_moment(detail, "disconnectTimestamp", "detail.disconnectTimestamp"),
        after_work_ended_at=_moment(
            agent,
            "afterContactWorkEndTimestamp",
            "detail.agentInfo.afterContactWorkEndTimestamp",
        ),
    )


def contact_from_record(record: dict, *, path: str) -> tuple[ConnectContact, datetime]:
    """The contact a contact record describes, and the record's LastUpdateTimestamp."""
    if not isinstance(record, dict):
        raise TranslationError({path: ["Must be a contact record (a JSON object)."]})
    contact_id = _text(record, "ContactId", f"{path}.ContactId", required=True)
    agent = _object(record, "Agent", f"{path}.Agent")
    queue = _object(record, "Queue", f"{path}.Queue")
    customer = _object(record, "CustomerEndpoint", f"{path}.CustomerEndpoint")
    system = _object(record, "SystemEndpoint", f"{path}.SystemEndpoint")
    updated = _moment(record, "LastUpdateTimestamp", f"{path}.LastUpdateTimestamp")
    if updated is None:
        raise TranslationError({f"{path}.LastUpdateTimestamp": ["This field is required."]})
    holds = _number(agent, "NumberOfHolds", f"{path}.Agent.NumberOfHolds")
    contact = ConnectContact(
        contact_id=contact_id,
        call_id=_text(record, "InitialContactId", f"{path}.InitialContactId") or contact_id,
        instance_id=_instance_id(
            _text(record, "InstanceARN", f"{path}.InstanceARN", required=True),
            f"{path}.InstanceARN",
        ),
        transferred=bool(_text(record, "PreviousContactId", f"{path}.PreviousContactId")),
        caller_number=_text(customer, "Address", f"{path}.CustomerEndpoint.Address", max_length=32),
        called_number=_text(system, "Address", f"{path}.SystemEndpoint.Address", max_length=32),
        queue_arn=_text(queue, "ARN", f"{path}.Queue.ARN"),
        agent_arn=_text(agent, "ARN", f"{path}.Agent.ARN"),
        initiated_at=_moment(record, "InitiationTimestamp", f"{path}.InitiationTimestamp"),
        enqueued_at=_moment(queue, "EnqueueTimestamp", f"{path}.Queue.EnqueueTimestamp"),
        connected_at=_moment(
            agent, "ConnectedToAgentTimestamp", f"{path}.Agent.ConnectedToAgentTimestamp"
        ),
        disconnected_at=_moment(record, "DisconnectTimestamp", f"{path}.DisconnectTimestamp"),
        after_work_ended_at=_moment(
            agent, "AfterContactWorkEndTimestamp", f"{path}.Agent.AfterContactWorkEndTimestamp"
        ),
        number_of_holds=int(holds),
        hold_seconds=_number(agent, "CustomerHoldDuration", f"{path}.Agent.CustomerHoldDuration"),
    )
    return contact, updated


def spread_holds(
    *, connected_at: datetime, ended_at: datetime, count: int, seconds: float
) -> list[tuple[datetime, datetime]]:
    """`count` holds of `seconds` in all, one at the start of each equal slice of the connected
    time: the total and the count are what Connect reports, so every figure built on them comes
    out the same. Each hold fits its slice, as the total cannot exceed the connected time."""
    if count <= 0 or seconds <= 0 or ended_at <= connected_at:
        return []
    slice_ = (ended_at - connected_at) / count
    each = min(timedelta(seconds=seconds / count), slice_)
    return [(connected_at + slice_ * n, connected_at + slice_ * n + each) for n in range(count)]


def call_events(contact: ConnectContact, *, queue: str, agent: str) -> list[CallEventInput]:
    """The call events a contact's snapshot implies, opening first; `queue` and `agent` are ours."""
    events = []

    def add(kind: str, at: datetime | None, suffix: str = "", **fields) -> None:
        if at is not None:
            event_id = f"{contact.contact_id}:{kind}{suffix}"
            events.append(
                CallEventInput(
                    event_id=event_id, call_id=contact.call_id, type=kind, at=at, **fields
                )
            )

    # A leg opens once Connect names its agent, or once it ended waiting in a queue (abandoned);
    # a caller who never left the flow for a queue was never a contact of the desks.
    if not (agent or (contact.disconnected_at is not None and queue)):
        return []
    if contact.transferred:
        add(
            CallEventType.TRANSFERRED,
            contact.initiated_at,
            target_queue=queue,
            target_agent=agent,
        )
    else:
        add(
            CallEventType.OFFERED,
            contact.enqueued_at or contact.initiated_at,
            caller_number=contact.caller_number,
            called_number=contact.called_number,
            queue=queue,
            agent=agent,
        )
    add(CallEventType.ANSWERED, contact.connected_at, agent=agent)
    if contact.connected_at and contact.disconnected_at:
        holds = spread_holds(
            connected_at=contact.connected_at,
            ended_at=contact.disconnected_at,
            count=contact.number_of_holds,
            seconds=contact.hold_seconds,
        )
        for number, (start, end) in enumerate(holds, start=1):
            add(CallEventType.HOLD, start, f":{number}", agent=agent)
            add(CallEventType.UNHOLD, end, f":{number}", agent=agent)
    add(CallEventType.ENDED, contact.disconnected_at, agent=agent)
    if agent:
        add(CallEventType.WRAPUP_DONE, contact.after_work_ended_at, agent=agent)
    return events


def _ours(contact: ConnectContact, *, path: str) -> tuple[str, str]:
    queue = mapped_queue(
        platform=Platform.AMAZON_CONNECT, external_id=contact.queue_arn, field=f"{path}queueArn"
    )
    agent = mapped_agent(
        platform=Platform.AMAZON_CONNECT, external_id=contact.agent_arn, field=f"{path}agentArn"
    )
    return queue, agent


def record_contact_event(*, body: dict) -> Recorded:
    """One EventBridge contact event. Refused whole (nothing stored) when it is malformed or
    names a queue or agent ARN no one mapped."""
    contact = contact_from_event(body)
    queue, agent = _ours(contact, path="detail.")
    return record_platform_events(
        source=contact.source, events=call_events(contact, queue=queue, agent=agent)
    )


@transaction.atomic
def record_contact_records(*, records: list) -> Recorded:
    """Contact records, each kept if newer than the one stored for its contact and translated;
    an older or repeated one changes nothing. One bad record refuses the whole request."""
    parsed = [
        contact_from_record(record, path=f"records[{index}]")
        for index, record in enumerate(records)
    ]
    mapped = [
        _ours(contact, path=f"records[{index}].") for index, (contact, _) in enumerate(parsed)
    ]
    outcome = Recorded()
    for record, (contact, updated), (queue, agent) in zip(records, parsed, mapped, strict=True):
        kept, created = ConnectContactRecord.objects.select_for_update().get_or_create(
            contact_id=contact.contact_id,
            defaults={
                "initial_contact_id": contact.call_id,
                "last_updated_at": updated,
                "number_of_holds": contact.number_of_holds,
                "hold_seconds": contact.hold_seconds,
                "record": record,
            },
        )
        if not created and kept.last_updated_at >= updated:
            outcome += Recorded(duplicates=1)
            continue
        if not created:
            kept.last_updated_at, kept.record = updated, record
            kept.number_of_holds, kept.hold_seconds = contact.number_of_holds, contact.hold_seconds
            kept.save()
        outcome += record_platform_events(
            source=contact.source, events=call_events(contact, queue=queue, agent=agent)
        )
    return outcome


# Connect's MonitorContact lets a supervisor listen silently and, if allowed, barge in; it has
# no whisper to the agent alone.
MONITOR_CAPABILITIES = {"monitor": ["SILENT_MONITOR"], "barge": ["SILENT_MONITOR", "BARGE"]}


def join_request(*, contact, mode: str, supervisor_id: str, agent_id: str) -> dict | None:
    """The MonitorContact request for a supervisor joining this contact's call, None for a
    whisper. The leg on now is the Connect contact whose events came last (event ids start
    with its contactId); the call's first leg is its initialContactId, our call_id."""
    capabilities = MONITOR_CAPABILITIES.get(mode)
    if capabilities is None:
        return None
    latest = (
        CallEvent.objects.filter(source=contact.source, call_id=contact.call_id)
        .order_by("-at", "-id")
        .values_list("event_id", flat=True)
        .first()
    )
    return {
        "action": "MonitorContact",
        "InstanceId": contact.source.removeprefix("amazon-connect:"),
        "ContactId": latest.split(":")[0] if latest else contact.call_id,
        "UserId": supervisor_id,
        "AllowedMonitorCapabilities": capabilities,
    }
