"""A simulated telephony system: calls to the console's public API as a PBX would make them.

Each call is offered to a queue (the console routes it), answered a few seconds later, now and
then held, ended, and wrapped up: the demo's agents see a steady, believable stream. Callers
are mostly known customers, some strangers.

The simulator plays the phone system and the simulated agents, not the people: a call the console
routes to a simulated agent is answered, held, ended and wrapped up here; a call routed to a
person (someone at an open console) only rings, and the caller hangs up when their talk would
have ended: answering, holding and wrapping up are that person's.

In a platform's own format (`PlatformTelephonyClient`: Amazon Connect, Twilio TaskRouter, the
CTI push) the simulator plays that platform, which routes calls itself: it picks a free agent of
the queue's desk (`AgentRoster`) and writes each moment of the call as the platform's posts
(demo/telephony_formats.py).
"""

import json
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from http.client import HTTPException
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

from demo.telephony_formats import Post, form_body

TOKYO = ZoneInfo("Asia/Tokyo")
QUEUES = ["loans", "repayment", "limit", "atm", "cards"]
UNKNOWN_CALLER_SHARE = 0.15


@dataclass(frozen=True)
class CallScript:
    """Seconds after the offer at which each later event happens."""

    answer_after: float
    hold: tuple[float, float] | None
    end_after: float
    wrap_up_after: float


def random_script(rng: random.Random, *, speed: float) -> CallScript:
    answer = rng.uniform(3, 12)
    talk = rng.uniform(40, 240)
    hold = None
    if rng.random() < 0.3:
        start = answer + rng.uniform(10, talk / 2)
        hold = (start / speed, (start + rng.uniform(10, 45)) / speed)
    end = answer + talk + (hold[1] - hold[0] if hold else 0)
    return CallScript(
        answer_after=answer / speed,
        hold=hold,
        end_after=end / speed,
        wrap_up_after=(end + rng.uniform(10, 40)) / speed,
    )


class TelephonyClient:
    def __init__(self, *, base_url: str, key: str, source_prefix: str = "sim") -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.source_prefix = source_prefix

    def post_event(self, *, call_id: str, type_: str, **fields: str) -> dict | None:
        body = {
            "event_id": f"{call_id}-{type_}-{uuid.uuid4().hex[:6]}",
            "call_id": call_id,
            "type": type_,
            "at": datetime.now(TOKYO).isoformat(),
            **fields,
        }
        request = Request(
            f"{self.base_url}/api/v1/cti/events",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except (OSError, HTTPException) as error:  # refused, reset, timed out or an HTTP error
            print(f"simulate: {type_} for {call_id} failed: {error}")
            return None


class AgentRoster:
    """The agents a routing platform may give calls to, by desk, and who is busy: the longest
    free of the queue's desk takes the next call."""

    def __init__(self, *, agents_by_desk: dict[str, list[str]], queue_desks: dict[str, str]):
        self.free = {desk: list(agents) for desk, agents in agents_by_desk.items()}
        self.queue_desks = queue_desks
        self.lock = threading.Lock()

    def take(self, queue: str) -> str:
        with self.lock:
            free = self.free.get(self.queue_desks.get(queue, ""), [])
            return free.pop(0) if free else ""

    def release(self, agent: str, queue: str) -> None:
        with self.lock:
            self.free.setdefault(self.queue_desks.get(queue, ""), []).append(agent)


class PlatformTelephonyClient:
    """Posts a call's moments in a platform's format through its writer (ConnectWriter,
    TaskRouterWriter, CtiPushWriter); answers like TelephonyClient, with the agent it routed."""

    def __init__(self, *, base_url: str, key: str, writer, roster: AgentRoster) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.writer = writer
        self.roster = roster
        self.lock = threading.Lock()  # the writers keep each call's state
        self.calls: dict[str, tuple[str, str]] = {}

    def post_event(self, *, call_id: str, type_: str, **fields: str) -> dict | None:
        moment = {"call_id": call_id, "type": type_, "at": datetime.now(TOKYO), **fields}
        if type_ == "offered":
            agent = self.roster.take(fields.get("queue", ""))
            self.calls[call_id] = (agent, fields.get("queue", ""))
            moment["agent"] = agent
        agent, queue = self.calls.get(call_id, ("", ""))
        if type_ == "wrapup_done" or (type_ == "ended" and not agent):
            self.calls.pop(call_id, None)
            if agent:
                self.roster.release(agent, queue)
        with self.lock:
            posts = self.writer.posts(moment)
        for post in posts:
            if not self._send(post):
                return None
        return {"agent": agent or None}

    def _send(self, post: Post) -> bool:
        headers = {"Authorization": f"Bearer {self.key}", **post.headers}
        if post.form:
            data = form_body(post.body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(post.body).encode()
            headers["Content-Type"] = "application/json"
        request = Request(f"{self.base_url}{post.path}", data=data, headers=headers, method="POST")
        try:
            with urlopen(request, timeout=10):
                return True
        except (OSError, HTTPException) as error:
            print(f"simulate: {post.path} failed: {error}")
            return False


def play_call(
    client: "TelephonyClient | PlatformTelephonyClient",
    *,
    caller: str,
    queue: str,
    script: CallScript,
    stop: threading.Event,
    people: frozenset[str] = frozenset(),
) -> None:
    """`people`: agents a person plays, whose calls the simulator only rings and hangs up."""
    call_id = f"sim-{uuid.uuid4().hex[:12]}"
    started = time.monotonic()
    offered = client.post_event(call_id=call_id, type_="offered", **{"from": caller}, queue=queue)
    if offered is None:
        return
    if offered["agent"] is None:
        # Nobody free: the caller waits a while, then hangs up (abandoned unless an agent who
        # became available meanwhile has picked the call up; a simulated one then wraps up).
        if stop.wait(script.end_after / 2):
            return
        ended = client.post_event(call_id=call_id, type_="ended")
        if ended and ended.get("agent") and ended["agent"] not in people:
            client.post_event(call_id=call_id, type_="wrapup_done", agent=ended["agent"])
        return
    if offered["agent"] in people:
        if not stop.wait(max(started + script.end_after - time.monotonic(), 0)):
            client.post_event(call_id=call_id, type_="ended")
        return
    steps = [(script.answer_after, "answered")]
    if script.hold:
        steps += [(script.hold[0], "hold"), (script.hold[1], "unhold")]
    steps += [(script.end_after, "ended"), (script.wrap_up_after, "wrapup_done")]
    for after, type_ in steps:
        if stop.wait(max(started + after - time.monotonic(), 0)):
            return
        extra = {"agent": offered["agent"]} if type_ == "wrapup_done" and offered["agent"] else {}
        client.post_event(call_id=call_id, type_=type_, **extra)


# What the member app and the web member page record while calls go on (touchpoints API).
APP_AND_WEB_SUBJECTS = {
    "app": [
        "アプリで増枠を申込 / Applied for a limit increase in the app",
        "アプリで返済日を変更 / Changed the repayment date in the app",
        "アプリでカード利用を一時停止 / Paused the card in the app",
    ],
    "web": [
        "会員ページで返済予定を確認 / Checked repayments on the member page",
        "会員ページで住所を変更 / Changed address on the member page",
        "会員ページから書類をアップロード / Uploaded documents on the member page",
    ],
}


class InteractionsClient:
    """The member app and the web member page, posting what customers do there."""

    def __init__(self, *, base_url: str, key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key

    def post(self, *, channel: str, customer_number: str, subject: str) -> dict | None:
        body = {
            "source": "member_app" if channel == "app" else "web_member",
            "external_id": f"sim-{uuid.uuid4().hex}",
            "channel": channel,
            "direction": "inbound",
            "occurred_at": datetime.now(TOKYO).isoformat(),
            "customer": {"customer_number": customer_number},
            "subject": subject,
        }
        request = Request(
            f"{self.base_url}/api/v1/interactions",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except (OSError, HTTPException) as error:
            print(f"simulate: {channel} interaction failed: {error}")
            return None


def simulate_interactions(
    *,
    client: InteractionsClient,
    customer_numbers: list[str],
    per_minute: float,
    minutes: float,
    seed: int | None = None,
) -> int:
    """App and web touchpoints for known customers at the given rate; returns how many."""
    if not customer_numbers or per_minute <= 0:
        return 0
    rng = random.Random(seed)
    deadline = time.monotonic() + minutes * 60
    sent = 0
    while time.monotonic() < deadline:
        channel = rng.choice(list(APP_AND_WEB_SUBJECTS))
        if client.post(
            channel=channel,
            customer_number=rng.choice(customer_numbers),
            subject=rng.choice(APP_AND_WEB_SUBJECTS[channel]),
        ):
            sent += 1
        time.sleep(60.0 / per_minute)
    return sent


def wait_until_serving(base_url: str, *, timeout_s: float = 60) -> bool:
    """The simulator may start beside the server: give it time to come up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urlopen(f"{base_url.rstrip('/')}/healthz", timeout=2):
                return True
        except OSError:  # refused, reset or an HTTP error: not serving yet
            time.sleep(0.5)
    return False


def simulate_calls(
    *,
    client: "TelephonyClient | PlatformTelephonyClient",
    callers: list[str],
    calls_per_minute: float,
    minutes: float,
    speed: float = 1.0,
    seed: int | None = None,
    people: frozenset[str] = frozenset(),
) -> int:
    """Offer calls at the given rate for the given time; returns how many were started."""
    rng = random.Random(seed)
    stop = threading.Event()
    interval = 60.0 / calls_per_minute
    deadline = time.monotonic() + minutes * 60
    calls: list[tuple[threading.Thread, CallScript]] = []
    try:
        while time.monotonic() < deadline:
            if rng.random() < UNKNOWN_CALLER_SHARE or not callers:
                caller = f"080{rng.randrange(10**8):08d}"
            else:
                caller = rng.choice(callers)
            script = random_script(rng, speed=speed)
            call = threading.Thread(
                target=play_call,
                kwargs={
                    "client": client,
                    "caller": caller,
                    "queue": rng.choice(QUEUES),
                    "script": script,
                    "stop": stop,
                    "people": people,
                },
                daemon=True,
            )
            call.start()
            calls.append((call, script))
            time.sleep(interval)
        # The calls still going on are played to their end, so no simulated agent is left on a
        # call when the run is over (Ctrl-C stops them at once instead).
        for call, script in calls:
            call.join(timeout=script.wrap_up_after + 10)
    finally:
        stop.set()
    return len(calls)
