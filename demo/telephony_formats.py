"""What a telephony platform would send for a call, in its own format: the simulator plays
Amazon Connect, Twilio TaskRouter or a PBX with the Zammad / sipgate CTI push by writing each of
a call's moments (the native event's fields: `call_id`, `type`, `at`, `from`, `to`, `queue`,
`agent`, `target_queue`, `target_agent`) as that platform's posts. These platforms route calls
themselves, so a moment that reaches an agent names the agent.

The platforms' ids for our queues and agents follow one pattern (`connect_queue_arn("loans")`),
and `platform_mappings` lists them, so the demo can map them in the admin's tables.
"""

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

CONNECT_INSTANCE_ARN = "arn:aws:connect:ap-northeast-1:123456789012:instance/demo-instance"
TASKROUTER_WORKSPACE = "WS" + "d" * 32
TWILIO_ACCOUNT = "AC" + "a" * 32
CONNECT_EVENTS_PATH = "/api/v1/telephony/amazon-connect/events"
CONNECT_RECORDS_PATH = "/api/v1/telephony/amazon-connect/contact-records"
TASKROUTER_PATH = "/api/v1/telephony/twilio/taskrouter"
CTI_PUSH_PATH = "/api/v1/telephony/cti-push"


def connect_queue_arn(queue: str) -> str:
    return f"{CONNECT_INSTANCE_ARN}/queue/{queue}"


def connect_agent_arn(username: str) -> str:
    return f"{CONNECT_INSTANCE_ARN}/agent/{username}"


def _sid(prefix: str, *parts: str) -> str:
    return prefix + hashlib.sha256(":".join(parts).encode()).hexdigest()[:32]


def taskqueue_sid(queue: str) -> str:
    return _sid("WQ", queue)


def worker_sid(username: str) -> str:
    return _sid("WK", username)


def platform_mappings(*, queues: list[str], agents: list[str]) -> list[tuple[str, str, str, str]]:
    """(platform, kind, id on the platform, our name) for every queue and agent given."""
    rows = []
    for queue in queues:
        rows += [
            ("amazon_connect", "queue", connect_queue_arn(queue), queue),
            ("taskrouter", "queue", taskqueue_sid(queue), queue),
        ]
    for agent in agents:
        rows += [
            ("amazon_connect", "agent", connect_agent_arn(agent), agent),
            ("taskrouter", "agent", worker_sid(agent), agent),
        ]
    return rows


@dataclass(frozen=True)
class Post:
    """One HTTP request: JSON (`body` a dict or list) or a form (`body` a dict of text)."""

    path: str
    body: object
    form: bool = False
    headers: dict = field(default_factory=dict)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class _ConnectLeg:
    contact_id: str
    previous_contact_id: str
    queue: str
    agent: str
    initiated_at: datetime
    caller: str
    called: str
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    hold_started_at: datetime | None = None
    holds: int = 0
    hold_seconds: float = 0.0
    updates: int = 0


class ConnectWriter:
    """Connect's contact events (EventBridge) and contact records for a call's moments. Hold
    leaves no event, only counts in the record; a transfer is a new contact."""

    def __init__(self) -> None:
        self.calls: dict[str, list[_ConnectLeg]] = {}

    def call_id(self, native_call_id: str) -> str:
        """Our call id for the call: its initial contact's id."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{native_call_id}:0"))

    def posts(self, moment: dict) -> list[Post]:
        legs = self.calls.setdefault(moment["call_id"], [])
        kind, at = moment["type"], moment["at"]
        if kind == "offered":
            leg = self._open(
                moment, legs, queue=moment.get("queue", ""), agent=moment.get("agent", "")
            )
            return [self._event(leg, legs, "INITIATED"), self._event(leg, legs, "QUEUED")]
        if not legs:
            return []
        leg = legs[-1]
        if kind == "answered":
            leg.connected_at = leg.connected_at or at
            return [self._event(leg, legs, "CONNECTED_TO_AGENT")]
        if kind == "hold":
            leg.hold_started_at = at
        elif kind == "unhold" and leg.hold_started_at:
            leg.holds += 1
            leg.hold_seconds += (at - leg.hold_started_at).total_seconds()
            leg.hold_started_at = None
        elif kind == "transferred":
            leg.disconnected_at = at
            posts = [self._event(leg, legs, "DISCONNECTED")]
            new = self._open(
                moment,
                legs,
                queue=moment.get("target_queue") or leg.queue,
                agent=moment.get("target_agent", ""),
            )
            return [*posts, self._event(new, legs, "INITIATED"), self._event(new, legs, "QUEUED")]
        elif kind == "ended":
            leg.disconnected_at = at
            posts = [self._event(leg, legs, "DISCONNECTED")]
            if leg.connected_at is None:  # nobody answered: no after-contact work
                posts += [self._event(leg, legs, "COMPLETED"), self._record(leg, legs, None)]
            return posts
        elif kind == "wrapup_done":
            done = next(
                (
                    one
                    for one in reversed(legs)
                    if one.disconnected_at and one.agent == (moment.get("agent") or one.agent)
                ),
                None,
            )
            if done is None:
                return []
            return [
                self._event(done, legs, "COMPLETED", after_work_ended_at=at),
                self._record(done, legs, at),
            ]
        return []

    def _open(self, moment: dict, legs: list, *, queue: str, agent: str) -> _ConnectLeg:
        leg = _ConnectLeg(
            contact_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{moment['call_id']}:{len(legs)}")),
            previous_contact_id=legs[-1].contact_id if legs else "",
            queue=queue,
            agent=agent,
            initiated_at=moment["at"],
            caller=legs[0].caller if legs else moment.get("from", ""),
            called=legs[0].called if legs else moment.get("to", ""),
        )
        legs.append(leg)
        return leg

    def _event(self, leg: _ConnectLeg, legs: list, event_type: str, after_work_ended_at=None):
        detail = {
            "eventType": event_type,
            "contactId": leg.contact_id,
            "initialContactId": legs[0].contact_id,
            "channel": "VOICE",
            "instanceArn": CONNECT_INSTANCE_ARN,
            "initiationMethod": "TRANSFER" if leg.previous_contact_id else "INBOUND",
            "initiationTimestamp": _utc(leg.initiated_at),
            "customerEndpoint": {"type": "TELEPHONE_NUMBER", "address": leg.caller},
            "queueInfo": {
                "queueType": "STANDARD",
                "queueArn": connect_queue_arn(leg.queue),
                "enqueueTimestamp": _utc(leg.initiated_at),
            },
        }
        if leg.called:
            detail["systemEndpoint"] = {"type": "TELEPHONE_NUMBER", "address": leg.called}
        if leg.previous_contact_id:
            detail["previousContactId"] = leg.previous_contact_id
        if leg.connected_at:
            agent = {
                "agentArn": connect_agent_arn(leg.agent),
                "connectedToAgentTimestamp": _utc(leg.connected_at),
            }
            if after_work_ended_at:
                agent["afterContactWorkStartTimestamp"] = _utc(leg.disconnected_at)
                agent["afterContactWorkEndTimestamp"] = _utc(after_work_ended_at)
            detail["agentInfo"] = agent
        if leg.disconnected_at:
            detail["disconnectTimestamp"] = _utc(leg.disconnected_at)
        body = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Amazon Connect Contact Event",
            "source": "aws.connect",
            "account": "123456789012",
            "time": _utc(after_work_ended_at or leg.disconnected_at or leg.initiated_at),
            "region": "ap-northeast-1",
            "resources": [f"{CONNECT_INSTANCE_ARN}/contact/{leg.contact_id}"],
            "detail": detail,
        }
        return Post(CONNECT_EVENTS_PATH, body)

    def _record(self, leg: _ConnectLeg, legs: list, after_work_ended_at) -> Post:
        leg.updates += 1
        updated = after_work_ended_at or leg.disconnected_at
        record = {
            "AWSContactTraceRecordFormatVersion": "2017-03-10",
            "ContactId": leg.contact_id,
            "InitialContactId": legs[0].contact_id,
            "PreviousContactId": leg.previous_contact_id or None,
            "InstanceARN": CONNECT_INSTANCE_ARN,
            "Channel": "VOICE",
            "InitiationMethod": "TRANSFER" if leg.previous_contact_id else "INBOUND",
            "InitiationTimestamp": _utc(leg.initiated_at),
            "DisconnectTimestamp": _utc(leg.disconnected_at),
            "LastUpdateTimestamp": _utc(updated),
            "CustomerEndpoint": {"Address": leg.caller, "Type": "TELEPHONE_NUMBER"},
            "Queue": {
                "ARN": connect_queue_arn(leg.queue),
                "EnqueueTimestamp": _utc(leg.initiated_at),
            },
            "Agent": None,
        }
        if leg.connected_at:
            record["Agent"] = {
                "ARN": connect_agent_arn(leg.agent),
                "ConnectedToAgentTimestamp": _utc(leg.connected_at),
                "NumberOfHolds": leg.holds,
                "CustomerHoldDuration": round(leg.hold_seconds),
                "AfterContactWorkStartTimestamp": _utc(leg.disconnected_at),
                "AfterContactWorkEndTimestamp": _utc(after_work_ended_at)
                if after_work_ended_at
                else None,
            }
        return Post(CONNECT_RECORDS_PATH, record)


class TaskRouterWriter:
    """TaskRouter's workspace event callbacks, signed as Twilio signs them (`base_url` is the
    public address Twilio posts to). A call is one task until a transfer, which Flex makes a new
    task naming the first in its attributes; hold leaves no callback here."""

    def __init__(self, *, auth_token: str, base_url: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.base_url = base_url.rstrip("/")
        self.tasks: dict[str, list[dict]] = {}

    def call_id(self, native_call_id: str) -> str:
        return _sid("WT", native_call_id)

    def posts(self, moment: dict) -> list[Post]:
        call_id, kind, at = moment["call_id"], moment["type"], moment["at"]
        tasks = self.tasks.setdefault(call_id, [])
        if kind == "offered":
            task = self._open(call_id, at, queue=moment.get("queue", ""))
            task.update(caller=moment.get("from", ""), called=moment.get("to", ""))
            task["agent"] = moment.get("agent", "")
            if task["agent"]:
                return [self._callback(task, "reservation.created", at, worker=True)]
            return []
        if not tasks:
            return []
        task = tasks[-1]
        if kind == "answered" and task["agent"]:
            task["answered"] = True
            return [self._callback(task, "reservation.accepted", at, worker=True)]
        if kind == "transferred":
            return self._transfer(call_id, task, moment)
        if kind == "ended":
            if task["answered"]:
                return [self._callback(task, "task.wrapup", at, worker=True)]
            return [self._callback(task, "task.canceled", at)]
        if kind == "wrapup_done":
            agent = moment.get("agent") or task["agent"]
            done = next((t for t in reversed(tasks) if t["agent"] == agent and t["answered"]), None)
            if done is not None:
                return [self._callback(done, "task.completed", at, worker=True)]
        return []

    def reserve(self, native_call_id: str, *, agent: str, at: datetime) -> Post:
        """TaskRouter reserving `agent` for the call's latest task (after a transfer to a
        queue, the reservation comes when a worker there is free)."""
        task = self.tasks[native_call_id][-1]
        task["agent"] = agent
        return self._callback(task, "reservation.created", at, worker=True)

    def _open(self, call_id: str, at: datetime, *, queue: str) -> dict:
        tasks = self.tasks[call_id]
        task = {
            "sid": self.call_id(call_id) if not tasks else _sid("WT", call_id, str(len(tasks))),
            "call_sid": self.call_id(call_id),
            "created": at,
            "answered": False,
            "agent": "",
            "queue": queue,
            "caller": tasks[0]["caller"] if tasks else "",
            "called": tasks[0]["called"] if tasks else "",
        }
        tasks.append(task)
        return task

    def _transfer(self, call_id: str, task: dict, moment: dict) -> list[Post]:
        """The first worker's transfer (to the queue named, else to the worker), their task
        wrapping up, and the reservation of the transfer's new task: at once for a worker, a
        second later for the worker a queue gives it."""
        at, agent, queue = moment["at"], moment.get("target_agent", ""), moment.get("target_queue")
        to_worker = bool(agent and not queue)
        transfer = {
            "TransferSid": _sid("TT", call_id, str(len(self.tasks[call_id]))),
            "TransferType": "WORKER" if to_worker else "QUEUE",
            "TransferTo": worker_sid(agent) if to_worker else taskqueue_sid(queue or task["queue"]),
            "TransferMode": "COLD",
        }
        posts = [
            self._callback(task, "task.transfer-initiated", at, worker=True, extra=transfer),
            self._callback(task, "task.wrapup", at, worker=True),
        ]
        self._open(call_id, at, queue=queue or task["queue"])
        if agent:
            reserved_at = at if to_worker else at + timedelta(seconds=1)
            posts.append(self.reserve(call_id, agent=agent, at=reserved_at))
        return posts

    def _callback(
        self, task: dict, event_type: str, at: datetime, worker=False, extra=None
    ) -> Post:
        attributes = {"from": task["caller"], "to": task["called"], "direction": "inbound"}
        attributes["conversations"] = {"conversation_id": task["call_sid"]}
        form = {
            "AccountSid": TWILIO_ACCOUNT,
            "WorkspaceSid": TASKROUTER_WORKSPACE,
            "WorkspaceName": "Contact center",
            "EventType": event_type,
            "Sid": _sid("EV", task["sid"], event_type),
            "ResourceType": event_type.split(".")[0].capitalize(),
            "Timestamp": str(int(at.timestamp())),
            "EventDateMs": str(int(at.timestamp() * 1000)),
            "TaskSid": task["sid"],
            "TaskAge": str(int((at - task["created"]).total_seconds())),
            "TaskQueueSid": taskqueue_sid(task["queue"]),
            "TaskAttributes": json.dumps(attributes),
            "TaskChannelUniqueName": "voice",
            **(extra or {}),
        }
        if worker:
            form["WorkerSid"] = worker_sid(task["agent"])
            form["ReservationSid"] = _sid("WR", task["sid"], task["agent"])
        url = f"{self.base_url}{TASKROUTER_PATH}"
        signature = self.validator.compute_signature(url, form)
        return Post(TASKROUTER_PATH, form, form=True, headers={"X-Twilio-Signature": signature})


CTI_PUSH_EVENTS = {"offered": "newCall", "answered": "answer", "ended": "hangup"}


class CtiPushWriter:
    """The CTI push of Zammad / sipgate: newCall, answer, hangup (with `timestamp`). A transfer
    shows only as the next user's `answer`."""

    def __init__(self) -> None:
        self.agents: dict[str, str] = {}

    def call_id(self, native_call_id: str) -> str:
        return native_call_id

    def posts(self, moment: dict) -> list[Post]:
        call_id = moment["call_id"]
        if moment["type"] == "transferred":
            # The push has no transfer: the next user's answer hands the call over.
            self.agents[call_id] = moment.get("target_agent", "")
        event = CTI_PUSH_EVENTS.get(moment["type"])
        if event is None:
            return []
        form = {"event": event, "callId": call_id, "direction": "in"}
        form["timestamp"] = moment["at"].isoformat()
        if event == "newCall":
            self.agents[call_id] = moment.get("agent", "")
            form.update({"from": moment.get("from", ""), "to": moment.get("to", "")})
            form["queue"] = moment.get("queue", "")
        if event == "hangup":
            form["cause"] = "normalClearing"
        elif self.agents.get(call_id):
            form["user[]"] = self.agents[call_id]
        return [Post(CTI_PUSH_PATH, form, form=True)]


def form_body(form: dict) -> bytes:
    return urlencode(form).encode()


def firehose_delivery(records: list[dict]) -> dict:
    """Contact records as Kinesis Data Firehose's HTTP endpoint delivery wraps them."""
    return {
        "requestId": str(uuid.uuid4()),
        "timestamp": int(datetime.now(UTC).timestamp() * 1000),
        "records": [{"data": base64.b64encode(json.dumps(r).encode()).decode()} for r in records],
    }
