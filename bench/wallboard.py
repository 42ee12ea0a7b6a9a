"""Wallboard and report speed on PostgreSQL.

    .venv/bin/python bench/wallboard.py [--today 10000,200000] [--history-days 365]
        [--calls-per-day 3000] [--agents 100] [--customers 150000] [--events 100]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_wallboard]
        [--redis-url redis://127.0.0.1:6379/3] [--json results.json]

Setup: makes the database again (its name must start with "bench"), migrates it, then loads
--agents agents (60% contact center), --customers customers and a year of finished calls before
today (--calls-per-day a day, 5% transferred to the other desk, 6% abandoned), rolling up each
day with the real rollup (console.supervision.rollups.roll_up_day) as beat would.

1. The wallboard as the day grows. Today's contacts are loaded in steps up to each --today size,
   with the live figures the wallboard keeps for them (what console.supervision.live_figures
   would have written as they happened); at each size it measures:
   - reading the wallboard (`wallboard_snapshot`, what each one-second `stats` message costs) and
     the queries it runs;
   - handling telephony events end to end in process (`handle_call_event`: store, replay, route,
     agent pushes and the live-figures hook, then the totals moved on commit), over --events
     whole calls (offered, answered, ended, wrapped up);
   - for contrast, today's figures computed by scanning today's contacts (what the wallboard
     does not do), and the periodic rollup of today.
2. Reports over the year: `contact_report` for every grouping, the comparison of two halves of
   the year, and the report page and its CSV through Django's test client (signed in as a
   supervisor, template rendering included).

3. With --live (only this part): --live-supervisors wallboards (100) connected to
   --live-servers Daphne processes on PostgreSQL and Redis while --live-agents agents (200), their
   consoles' sockets open too, work calls posted through the CTI API (offered, answered, ended,
   wrapped up; --live-cycle-s a call, idle to idle). It counts the stats frames each wallboard
   got (frames per second delivered; a frame one socket missed that another socket of the same
   Daphne process got is dropped: each process sends its own frames)
   and, for every call's offer and answer, the delay from posting it to the first frame on each
   wallboard that shows it (p50/p95/p99).

Prints a summary; --json writes the figures. --reports-only measures the reports again on the
database an earlier run left (on the same day: the history ends yesterday). Run with nothing
else heavy on the machine if you can: the figures are medians of repeated runs, but a busy
machine still shows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from harness import (
    load_average,
    machine_description,
    percentile,
    recreate_database,
    say,
    server_environment,
    set_up_django,
    start_daphne,
    wait_until_answering,
)


def start_django(options: argparse.Namespace) -> None:
    # DEBUG at start: the report pages' static files are served from the finders, as production
    # serves them only after collectstatic.
    set_up_django(
        server_environment(
            database_url=options.database_url, redis_url=options.redis_url, debug=True
        )
    )
    from django.conf import settings

    # DEBUG keeps every query's SQL in memory: a year of bulk inserts would fill it.
    settings.DEBUG = False


def timed(function, *, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(percentile(ordered, 0.95, method="higher"), 2),
        "n": len(ordered),
    }


# --- data ------------------------------------------------------------------------------------


class Floor:
    """Agents, customers and queues, and a generator of finished calls like a real day's."""

    def __init__(self, *, agents: int, customers: int, rng: random.Random):
        from django.contrib.auth import get_user_model

        from console.agents.models import Agent
        from console.roles import assign_role
        from contacts.models import Desk, Queue
        from customers.models import Customer

        self.rng = rng
        users = get_user_model()
        contact_center = int(agents * 0.6)
        users.objects.bulk_create(
            [users(username=f"agent{n:03d}") for n in range(1, agents + 1)], batch_size=1000
        )
        people = list(users.objects.filter(username__startswith="agent").order_by("username"))
        Agent.objects.bulk_create(
            [
                Agent(
                    user=user,
                    desk=Desk.CONTACT_CENTER if n < contact_center else Desk.SERVICE_CENTER,
                    state="available",
                )
                for n, user in enumerate(people)
            ]
        )
        for user in people:
            assign_role(user=user, role="agent")
        self.supervisor = users.objects.create_user(username="super001", password="bench-pass-1")
        assign_role(user=self.supervisor, role="supervisor")
        Customer.objects.bulk_create(
            [Customer(customer_number=f"B{n:08d}", name=f"顧客 {n}") for n in range(customers)],
            batch_size=5000,
        )
        self.customer_ids = list(Customer.objects.values_list("pk", flat=True))
        self.queues = list(Queue.objects.all())
        self.queues_of = {desk: [q for q in self.queues if q.desk == desk] for desk in Desk.values}
        self.agents_of = {
            desk: [user.pk for n, user in enumerate(people) if (n < contact_center) == cc]
            for desk, cc in ((Desk.CONTACT_CENTER, True), (Desk.SERVICE_CENTER, False))
        }
        self.other_desk = {
            Desk.CONTACT_CENTER: Desk.SERVICE_CENTER,
            Desk.SERVICE_CENTER: Desk.CONTACT_CENTER,
        }
        self.serial = 0

    def calls(self, *, start: datetime, end: datetime, count: int) -> list:
        """`count` finished calls offered between start and end (each one or two legs)."""
        from contacts.models import Channel, Contact, ContactState

        rng, legs = self.rng, []
        span = max((end - start).total_seconds(), 1)
        for _ in range(count):
            self.serial += 1
            queue = rng.choice(self.queues)
            customer = rng.choice(self.customer_ids) if rng.random() < 0.75 else None
            offered = start + timedelta(seconds=rng.uniform(0, span))
            first = Contact(
                id=uuid.uuid4(),
                channel=Channel.PHONE,
                source="bench",
                call_id=f"b{self.serial}",
                leg=0,
                queue=queue,
                desk=queue.desk,
                caller_number="0312345678",
                customer_id=customer,
                identified_at_offer=bool(customer) and rng.random() < 0.9,
                offered_at=offered,
            )
            legs.append(first)
            if rng.random() < 0.06:
                first.state = ContactState.ABANDONED
                first.ended_at = offered + timedelta(seconds=rng.uniform(5, 90))
                continue
            self._talk(first, queue.desk)
            if rng.random() < 0.05:
                desk = self.other_desk[queue.desk]
                target = rng.choice(self.queues_of[desk])
                second = Contact(
                    id=uuid.uuid4(),
                    channel=Channel.PHONE,
                    source="bench",
                    call_id=first.call_id,
                    leg=1,
                    parent_id=first.id,
                    queue=target,
                    desk=desk,
                    caller_number=first.caller_number,
                    customer_id=customer,
                    identified_at_offer=bool(customer),
                    offered_at=first.ended_at,
                )
                first.state = ContactState.TRANSFERRED
                self._talk(second, desk)
                legs.append(second)
        return legs

    def _talk(self, contact, desk: str) -> None:
        from contacts.models import ContactState

        rng = self.rng
        contact.agent_id = rng.choice(self.agents_of[desk])
        contact.answered_at = contact.offered_at + timedelta(seconds=rng.expovariate(1 / 15))
        contact.hold_seconds = rng.uniform(10, 120) if rng.random() < 0.3 else 0.0
        talk = rng.uniform(60, 600)
        contact.ended_at = contact.answered_at + timedelta(seconds=talk + contact.hold_seconds)
        contact.wrapped_up_at = contact.ended_at + timedelta(seconds=rng.uniform(10, 90))
        contact.state = ContactState.WRAPPED_UP


def save_contacts(legs: list) -> None:
    from contacts.models import Contact

    # Parents first: a transfer's second leg points at its first.
    Contact.objects.bulk_create([leg for leg in legs if leg.parent_id is None], batch_size=5000)
    Contact.objects.bulk_create([leg for leg in legs if leg.parent_id], batch_size=5000)


def save_live_figures(legs: list) -> None:
    """What console.supervision.live_figures keeps for these contacts had they come through the
    telephony API one event at a time: each contact's share, and the queues' hourly totals."""
    from collections import defaultdict

    from django.db.models import F

    from console.supervision.live_figures import COUNTED, share_of_contact
    from console.supervision.models import LiveContactFigures, LiveQueueFigures

    totals = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    rows = []
    for leg in legs:
        share = share_of_contact(leg)
        values = dict(zip(COUNTED, share.values, strict=True))
        rows.append(
            LiveContactFigures(
                contact_id=leg.id, day=share.day, hour=share.hour, queue=leg.queue, **values
            )
        )
        for name, value in values.items():
            totals[share.key][name] += value
    LiveContactFigures.objects.bulk_create(rows, batch_size=5000)
    for (day, hour, queue_id), values in totals.items():
        moved = LiveQueueFigures.objects.filter(day=day, hour=hour, queue_id=queue_id).update(
            **{name: F(name) + value for name, value in values.items()}
        )
        if not moved:
            LiveQueueFigures.objects.create(day=day, hour=hour, queue_id=queue_id, **values)


# --- measurements -------------------------------------------------------------------------------


def scan_of_today(today) -> dict:
    """Today's queue figures the slow way: what the wallboard avoids."""
    from django.db.models import Count, Q

    from contacts.handle_time import day_bounds
    from contacts.models import Contact, ContactState

    start, end = day_bounds(today)
    return dict(
        Contact.objects.filter(offered_at__gte=start, offered_at__lt=end, channel="phone")
        .values("queue_id")
        .annotate(
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            abandoned=Count("pk", filter=Q(state=ContactState.ABANDONED)),
        )
        .values_list("queue_id", "answered")
    )


def drive_calls(*, count: int, agents: list[int], round_number: int) -> list[float]:
    """Whole calls through handle_call_event, one event at a time; each event's time in ms."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from console.calls.events import handle_call_event

    names = dict(get_user_model().objects.filter(pk__in=agents).values_list("pk", "username"))
    times = []
    for n in range(count):
        call_id = f"live-{round_number}-{n}"
        agent = names[agents[n % len(agents)]]
        moment = timezone.now() - timedelta(minutes=5)
        steps = [
            ("offered", 0, {"queue": "loans", "agent": agent, "from": "0312345678"}),
            ("answered", 8, {}),
            ("ended", 200, {}),
            ("wrapup_done", 230, {}),
        ]
        for kind, seconds, extra in steps:
            data = {
                "event_id": f"{call_id}-{kind}",
                "call_id": call_id,
                "type": kind,
                "at": moment + timedelta(seconds=seconds),
                **extra,
            }
            started = time.perf_counter()
            handle_call_event(source="bench-live", data=data)
            times.append((time.perf_counter() - started) * 1000)
    return times


def hook_cost(today, *, count: int) -> list[float]:
    """The live-figures hook alone, on contacts of today whose figures change: one transaction
    each (the leg's own row) and its commit (the queue totals moved), as after a real event."""
    from django.db import transaction

    from console.supervision.live_figures import note_call_change
    from contacts.handle_time import day_bounds
    from contacts.models import Contact

    start, end = day_bounds(today)
    sample = list(
        Contact.objects.select_related("queue")
        .filter(offered_at__gte=start, offered_at__lt=end, wrapped_up_at__isnull=False)
        .order_by("?")[:count]
    )
    times = []
    for contact in sample:
        contact.wrapped_up_at += timedelta(seconds=1)  # a later wrap-up: more after-call work
        started = time.perf_counter()
        with transaction.atomic():
            note_call_change([contact])
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure_wallboard(floor: Floor, sizes: list[int], events: int) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from console.agents.models import Agent
    from console.supervision.rollups import roll_up_day
    from console.supervision.wallboard import wallboard_snapshot
    from contacts.handle_time import TOKYO, day_bounds, tokyo_today

    now = timezone.now()
    today = tokyo_today(now)
    start, _ = day_bounds(today)
    # Leave the last minutes of today for the calls driven live.
    end = max(now - timedelta(minutes=10), start + timedelta(minutes=1))
    loaded, results = 0, []
    for size in sizes:
        say(f"  today: loading contacts up to {size:,}")
        while loaded < size:
            batch = floor.calls(start=start, end=end, count=min(20_000, size - loaded))
            save_contacts(batch)
            save_live_figures(batch)
            loaded += sum(1 for leg in batch if leg.parent_id is None)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        legs_today = _legs_today(today)
        Agent.objects.update(state="available")
        snapshot_times, board = timed(wallboard_snapshot, repeat=40)
        with CaptureQueriesContext(connection) as queries:
            wallboard_snapshot()
        cc_agents = floor.agents_of["contact_center"]
        event_times = drive_calls(count=events, agents=cc_agents, round_number=size)
        hook_times = hook_cost(today, count=200)
        scan_times, _ = timed(lambda: scan_of_today(today), repeat=5)
        rollup_times, _ = timed(lambda: roll_up_day(day=today), repeat=3)
        answered = sum(entry["answered_today"] for entry in board["queues"])
        results.append(
            {
                "calls_today": loaded,
                "contacts_today": legs_today,
                "snapshot": summary(snapshot_times),
                "snapshot_queries": len(queries),
                "event": summary(event_times),
                "hook": summary(hook_times),
                "scan_of_today": summary(scan_times),
                "rollup_of_today": summary(rollup_times),
                "answered_today_on_the_board": answered,
                "measured_at": datetime.now(TOKYO).isoformat(timespec="seconds"),
            }
        )
        say(f"    {json.dumps(results[-1])}")
    return results


def _legs_today(today) -> int:
    from contacts.handle_time import day_bounds
    from contacts.models import Contact

    start, end = day_bounds(today)
    return Contact.objects.filter(offered_at__gte=start, offered_at__lt=end).count()


def load_history(floor: Floor, *, days: int, per_day: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from console.supervision.rollups import roll_up_day
    from contacts.handle_time import day_bounds, tokyo_today

    today = tokyo_today(timezone.now())
    first = today - timedelta(days=days)
    loaded = 0
    say(f"  history: {days} days × {per_day:,} calls from {first}")
    for n in range(days):
        day = first + timedelta(days=n)
        start, _ = day_bounds(day)
        legs = floor.calls(
            start=start + timedelta(hours=8), end=start + timedelta(hours=21), count=per_day
        )
        save_contacts(legs)
        loaded += len(legs)
        if n % 30 == 29:
            say(f"    {n + 1} days, {loaded:,} contacts")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say("  history: rolling up each day")
    rollup_times = []
    for n in range(days):
        times, _ = timed(lambda day=first + timedelta(days=n): roll_up_day(day=day), repeat=1)
        rollup_times.extend(times)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "days": days,
        "first_day": first.isoformat(),
        "contacts": loaded,
        "rollup_per_day": summary(rollup_times),
        "rollup_total_s": round(sum(rollup_times) / 1000, 1),
    }


def measure_reports(floor: Floor, *, days: int) -> dict:
    from django.test import Client
    from django.utils import timezone

    from console.supervision.models import DailyContactRollup, HourlyContactRollup
    from console.supervision.reports import Side, compare, contact_report
    from contacts.handle_time import tokyo_today

    today = tokyo_today(timezone.now())
    start, end = today - timedelta(days=days), today - timedelta(days=1)
    results = {
        "range": f"{start} – {end}",
        "daily_rollup_rows": DailyContactRollup.objects.count(),
        "hourly_rollup_rows": HourlyContactRollup.objects.count(),
        "reports": [],
    }
    for group, period in [
        ("desk", "day"),
        ("queue", "day"),
        ("agent", "day"),
        ("agent", "range"),
        ("all", "day"),
        ("desk", "range"),
    ]:
        # Every row read and made (what the CSV needs; a page reads 250 of them).
        times, rows = timed(
            lambda group=group, period=period: (
                contact_report(start=start, end=end, group=group, period=period).rows
            ),
            repeat=5,
        )
        results["reports"].append(
            {"group": group, "period": period, "rows": len(rows), **summary(times)}
        )
    middle = start + (end - start) / 2
    times, _ = timed(
        lambda: compare(before=Side(start=start, end=middle), after=Side(start=middle, end=end)),
        repeat=5,
    )
    results["comparison"] = summary(times)

    web = Client(HTTP_HOST="127.0.0.1")
    web.force_login(floor.supervisor)
    pages = {
        "page by desk × day": f"/reports/?start={start}&end={end}&group=desk&period=day",
        "page by queue × day": f"/reports/?start={start}&end={end}&group=queue&period=day",
        "page by agent × range": f"/reports/?start={start}&end={end}&group=agent&period=range",
        "page by agent × day (1 of 148)": (
            f"/reports/?start={start}&end={end}&group=agent&period=day"
        ),
        "CSV by agent × day": (
            f"/reports/contacts.csv?start={start}&end={end}&group=agent&period=day"
        ),
        "comparison page": (
            f"/reports/compare/?before_start={start}&before_end={middle}"
            f"&after_start={middle}&after_end={end}"
        ),
    }
    results["http"] = []
    for name, path in pages.items():
        times, response = timed(lambda path=path: web.get(path), repeat=5)
        assert response.status_code == 200, (path, response.status_code)
        results["http"].append({"what": name, "bytes": len(response.content), **summary(times)})
    return results


# --- live: supervisors' wallboards over real sockets while agents work -------------------------

LIVE_SECRET = "bench-wallboard-live-not-a-secret-" + "x" * 40


def prepare_live_floor(*, agents: int, supervisors: int) -> dict:
    """Agents (60% contact center) available with their sessions, supervisors with theirs, and
    a CTI key; in this process, on the database Daphne serves."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from console.agents.models import Agent
    from console.integrations.clients import create_api_client
    from console.roles import assign_role
    from contacts.models import Desk

    users = get_user_model()
    now = timezone.now()

    def signed_in(user) -> str:
        browser = Client()
        browser.force_login(user)
        return browser.cookies["sessionid"].value

    floor = {"agents": [], "agent_sessions": [], "supervisors": []}
    for n in range(1, agents + 1):
        user = users.objects.create(username=f"agent{n:03d}")
        assign_role(user=user, role="agent")
        desk = Desk.CONTACT_CENTER if n <= agents * 0.6 else Desk.SERVICE_CENTER
        Agent.objects.create(
            user=user, desk=desk, state="available", state_since=now - timedelta(seconds=n)
        )
        queue = "loans" if desk == Desk.CONTACT_CENTER else "atm"
        floor["agents"].append({"username": user.username, "queue": queue})
        floor["agent_sessions"].append(signed_in(user))
    for n in range(1, supervisors + 1):
        user = users.objects.create(username=f"super{n:03d}")
        assign_role(user=user, role="supervisor")
        floor["supervisors"].append(signed_in(user))
    floor["key"] = create_api_client(name="bench-pbx", scopes=["cti"]).key
    return floor


class Wallboards:
    """What each supervisor's socket received: every stats frame's `at` (to count frames one
    socket missed that another got) and when each awaited change first showed there.

    A change is awaited as (agent, call state) from just before it is posted: each agent's calls
    follow one another, so while an agent's new offer is awaited no frame can show an earlier
    call of theirs ringing (it was wrapped up), nor, for the answer, talking."""

    def __init__(self, count: int):
        self.frames: list[set[str]] = [set() for _ in range(count)]
        # The snapshot a socket gets on connecting is its own: not a frame the others missed.
        self.connected: list[bool] = [False] * count
        self.changes: list[dict] = []
        self.awaited: dict[tuple[str, str], dict] = {}
        self.count = count

    def expect(self, agent: str, state: str) -> dict:
        change = {"posted_at": time.monotonic(), "seen": [None] * self.count}
        self.changes.append(change)
        self.awaited[(agent, state)] = change
        return change

    def frame(self, index: int, text: str, received_at: float) -> None:
        message = json.loads(text)
        if message.get("type") != "stats":
            return
        if self.connected[index]:
            self.frames[index].add(message["at"])
        self.connected[index] = True
        for agent in message["roster"]:
            call = agent.get("call")
            change = call and self.awaited.get((agent["agent"], call["state"]))
            if change and change["seen"][index] is None:
                change["seen"][index] = received_at

    def delays_ms(self) -> tuple[list[float], int]:
        """Every socket's delay for every change it saw, and the (change, socket) pairs never
        seen."""
        delays, missed = [], 0
        for change in self.changes:
            for seen_at in change["seen"]:
                if seen_at is None:
                    missed += 1
                else:
                    delays.append((seen_at - change["posted_at"]) * 1000)
        return delays, missed


def post_event(url: str, key: str, event: dict) -> tuple[dict, float, int]:
    """Post as a PBX does, again after Retry-After when the API sheds load (503): the answer,
    when the accepted try was sent (time.monotonic) and how many were shed before it."""
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen

    shed = 0
    while True:
        request = Request(
            f"{url}/api/v1/cti/events",
            data=json.dumps(event).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            method="POST",
        )
        sent = time.monotonic()
        try:
            with urlopen(request, timeout=30) as response:
                return json.loads(response.read()), sent, shed
        except HTTPError as error:
            if error.code != 503 or shed >= 20:
                raise
            shed += 1
            time.sleep(min(float(error.headers.get("Retry-After") or 1), 2))


async def drive_live_floor(options, floor: dict, urls: list[str]) -> dict:
    import asyncio

    from websockets.asyncio.client import connect

    boards = Wallboards(len(floor["supervisors"]))
    rng = random.Random(options.seed)
    sockets, listeners = [], []

    async def listen(index: int, socket_) -> None:
        async for text in socket_:
            boards.frame(index, text, time.monotonic())

    async def agent_socket(socket_) -> None:
        async for _ in socket_:  # the agents' pushes, read and dropped as a browser would
            pass

    def ws(url: str) -> str:
        return url.replace("http://", "ws://")

    for index, session in enumerate(floor["supervisors"]):
        url = urls[index % len(urls)]
        socket_ = await connect(
            f"{ws(url)}/ws/supervisor/",
            origin=url,
            additional_headers={"Cookie": f"sessionid={session}"},
            max_size=None,
            proxy=None,
        )
        sockets.append(socket_)
        listeners.append(asyncio.create_task(listen(index, socket_)))
    say(f"  {len(sockets)} wallboards connected")
    stop_at = time.monotonic() + options.live_seconds
    counter = {"calls": 0, "events": 0, "shed": 0}

    async def post(url: str, **event) -> tuple[dict, float]:
        event.setdefault("at", datetime.now().astimezone().isoformat())
        answer, sent, shed = await asyncio.to_thread(post_event, url, floor["key"], event)
        counter["events"] += 1
        counter["shed"] += shed
        return answer, sent

    async def work(n: int, agent: dict) -> None:
        """One agent's calls: idle, ringing, talking, after-call work, again."""
        url = urls[n % len(urls)]
        cycle = options.live_cycle_s
        await asyncio.sleep(rng.uniform(0, cycle))
        while time.monotonic() < stop_at:
            call_id = f"live-{uuid.uuid4().hex[:12]}"
            change = boards.expect(agent["username"], "offered")
            _, change["posted_at"] = await post(
                url,
                event_id=f"{call_id}-o",
                call_id=call_id,
                type="offered",
                queue=agent["queue"],
                agent=agent["username"],
                **{"from": f"090{rng.randrange(10**8):08d}"},
            )
            await asyncio.sleep(rng.uniform(0.05, 0.15) * cycle)
            change = boards.expect(agent["username"], "answered")
            _, change["posted_at"] = await post(
                url, event_id=f"{call_id}-a", call_id=call_id, type="answered"
            )
            await asyncio.sleep(rng.uniform(0.4, 0.6) * cycle)
            await post(url, event_id=f"{call_id}-e", call_id=call_id, type="ended")
            await asyncio.sleep(rng.uniform(0.05, 0.15) * cycle)
            await post(url, event_id=f"{call_id}-w", call_id=call_id, type="wrapup_done")
            counter["calls"] += 1
            await asyncio.sleep(rng.uniform(0.05, 0.2) * cycle)

    agent_sockets = []
    for n, session in enumerate(floor["agent_sessions"]):
        url = urls[n % len(urls)]
        socket_ = await connect(
            f"{ws(url)}/ws/agent/",
            origin=url,
            additional_headers={"Cookie": f"sessionid={session}"},
            max_size=None,
            proxy=None,
        )
        agent_sockets.append(socket_)
        listeners.append(asyncio.create_task(agent_socket(socket_)))
    say(f"  {len(agent_sockets)} agents' consoles connected; working {options.live_seconds} s")
    started = time.monotonic()
    await asyncio.gather(*(work(n, agent) for n, agent in enumerate(floor["agents"])))
    # The last changes get their frames.
    await asyncio.sleep(3)
    elapsed = time.monotonic() - started
    for socket_ in sockets + agent_sockets:
        await socket_.close()
    for listener in listeners:
        listener.cancel()

    # Socket n is on server n % servers; each process reads and sends its own frames.
    servers = len(urls)
    per_process = [set().union(*boards.frames[first::servers]) for first in range(servers)]
    delays, missed = boards.delays_ms()
    ordered = sorted(delays)
    per_socket = [len(frames) for frames in boards.frames]
    dropped = sum(
        len(per_process[index % servers]) - count for index, count in enumerate(per_socket)
    )
    return {
        "wallboards": len(sockets),
        "agents": len(agent_sockets),
        "seconds": round(elapsed, 1),
        "calls": counter["calls"],
        "events": counter["events"],
        "events_per_s": round(counter["events"] / elapsed, 1),
        "posts_shed_and_sent_again": counter["shed"],
        "frames_sent": sum(len(frames) for frames in per_process),
        "frames_per_s_per_wallboard": round(statistics.mean(per_socket) / elapsed, 2),
        "frames_per_s_delivered": round(sum(per_socket) / elapsed, 1),
        "frames_dropped": dropped,
        "changes_awaited": len(boards.changes),
        "changes_never_seen": missed,
        "delay_ms": {
            "p50": round(percentile(ordered, 0.5), 1),
            "p95": round(percentile(ordered, 0.95, method="higher"), 1),
            "p99": round(percentile(ordered, 0.99, method="higher"), 1),
            "max": round(ordered[-1], 1),
            "n": len(ordered),
        },
    }


def run_live(options) -> dict:
    """The wallboard as supervisors get it: Daphne processes on PostgreSQL and Redis, the
    supervisors' and agents' sockets open, calls posted through the CTI API."""
    import asyncio

    env = server_environment(
        database_url=options.database_url,
        redis_url=options.redis_url,
        debug=False,
        secret_key=LIVE_SECRET,
    )
    say(f"database {options.database_url}: made again and migrated")
    recreate_database(options.database_url)
    set_up_django(env)
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    floor = prepare_live_floor(agents=options.live_agents, supervisors=options.live_supervisors)
    from redis import Redis

    Redis.from_url(options.redis_url).flushdb()
    servers = [
        start_daphne("console.asgi:application", env=env, name=f"daphne{n}")
        for n in range(options.live_servers)
    ]
    try:
        for server in servers:
            wait_until_answering(server)
        urls = [f"http://127.0.0.1:{server.port}" for server in servers]
        results = asyncio.run(drive_live_floor(options, floor, urls))
    finally:
        for server in servers:
            server.stop()
    results["servers"] = options.live_servers
    results["cycle_s"] = options.live_cycle_s
    return results


def machine() -> dict:
    return {
        "date": datetime.now().isoformat(timespec="seconds"),
        **machine_description(database_url=os.environ["DATABASE_URL"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--today", default="10000,200000", help="calls today, in steps")
    parser.add_argument("--history-days", type=int, default=365)
    parser.add_argument("--calls-per-day", type=int, default=3000)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--customers", type=int, default=150_000)
    parser.add_argument("--events", type=int, default=100, help="whole calls driven live")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench_wallboard"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--reports-only",
        action="store_true",
        help="measure the reports again on the database an earlier run left",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="only the live part: wallboards over sockets while agents work",
    )
    parser.add_argument("--live-supervisors", type=int, default=100)
    parser.add_argument("--live-agents", type=int, default=200)
    parser.add_argument("--live-seconds", type=int, default=120)
    parser.add_argument(
        "--live-cycle-s", type=float, default=60, help="an agent's call, idle to idle, seconds"
    )
    parser.add_argument("--live-servers", type=int, default=2, help="Daphne processes")
    options = parser.parse_args()
    if options.live:
        live = run_live(options)
        results = {
            "machine": machine_description(
                packages=("django", "channels", "channels-redis", "daphne"),
                database_url=options.database_url,
                redis_url=options.redis_url,
            ),
            "live": live,
        }
        results["machine"]["date"] = datetime.now().isoformat(timespec="seconds")
        say(json.dumps(results, indent=2, ensure_ascii=False))
        if options.json:
            options.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        return
    sizes = sorted(int(size) for size in options.today.split(","))

    if options.reports_only:
        start_django(options)
        from django.contrib.auth import get_user_model

        floor = argparse.Namespace(supervisor=get_user_model().objects.get(username="super001"))
        reports = measure_reports(floor, days=options.history_days)
        results = {"machine": machine(), "reports": reports}
        say(json.dumps(results, indent=2, ensure_ascii=False))
        if options.json:
            options.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        return

    say(f"database {options.database_url}: made again and migrated")
    recreate_database(options.database_url)
    start_django(options)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    floor = Floor(
        agents=options.agents, customers=options.customers, rng=random.Random(options.seed)
    )
    results = {"machine": machine(), "options": {k: str(v) for k, v in vars(options).items()}}
    started = time.perf_counter()
    results["history"] = load_history(
        floor, days=options.history_days, per_day=options.calls_per_day
    )
    say(f"  history: {json.dumps(results['history'])}")
    results["reports"] = measure_reports(floor, days=options.history_days)
    say(f"  reports: {json.dumps(results['reports'])}")
    results["wallboard"] = measure_wallboard(floor, sizes, options.events)
    results["machine"]["load_average_after"] = load_average()
    results["minutes"] = round((time.perf_counter() - started) / 60, 1)

    say("\nWallboard as the day grows (ms):")
    say("calls today | contacts | snapshot p50/p95 (queries) | event p50/p95 | hook p50/p95")
    for row in results["wallboard"]:
        say(
            f"{row['calls_today']:>11,} | {row['contacts_today']:>8,} | "
            f"{row['snapshot']['p50_ms']:>7} / {row['snapshot']['p95_ms']:<7} "
            f"({row['snapshot_queries']}) | {row['event']['p50_ms']} / {row['event']['p95_ms']} | "
            f"{row['hook']['p50_ms']} / {row['hook']['p95_ms']}"
        )
        say(
            f"{'':>11}   scan of today p50 {row['scan_of_today']['p50_ms']}, "
            f"rollup of today p50 {row['rollup_of_today']['p50_ms']}"
        )
    say(f"\nReports over {results['reports']['range']} (ms):")
    for row in results["reports"]["reports"]:
        what = f"{row['group']} × {row['period']}"
        say(f"  contact_report {what}: {row['p50_ms']} ({row['rows']} rows)")
    say(f"  comparison: {results['reports']['comparison']['p50_ms']}")
    for row in results["reports"]["http"]:
        say(f"  {row['what']}: p50 {row['p50_ms']} p95 {row['p95_ms']} ({row['bytes']:,} bytes)")
    if options.json:
        options.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        say(f"wrote {options.json}")


if __name__ == "__main__":
    main()
