"""The live wallboard: agents by state, each queue's waiting calls and today's figures, and
sending it to supervisors at most once a second.

Reading it costs a few small queries whatever the day's volume: today's totals kept by
supervision.live_figures (at most 24 rows a queue), the calls live now and the agents.
"""

import json
from collections import defaultdict
from datetime import datetime, timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from console.agents.models import Agent, AgentState, HelpRequest
from console.realtime import StatsFanOut
from console.roles import display_name
from console.supervision.live_figures import (
    COUNTED,
    LIVE_CALL_HORIZON,
    TALKING_STATES,
    WAITING_STATES,
)
from console.supervision.models import CallJoin, LiveQueueFigures
from console.supervision.seat_map import without_customers
from contacts.handle_time import TOKYO, tokyo_today
from contacts.models import Channel, Contact, ContactState, Queue


def _ratio(part: float, whole: float, digits: int = 3) -> float | None:
    return round(part / whole, digits) if whole else None


def _queue_figures(totals: dict) -> dict:
    answered, abandoned = totals["answered"], totals["abandoned"]
    return {
        "offered_today": totals["offered"],
        "answered_today": answered,
        "abandoned_today": abandoned,
        "aht_s": round(totals["handle_seconds"] / totals["handled"]) if totals["handled"] else None,
        "service_level": _ratio(totals["answered_within_service_level"], answered + abandoned),
        "abandonment_rate": _ratio(abandoned, totals["offered"]),
    }


def _targets(queues: list[Queue]) -> dict:
    """The mean targets of some queues, as rates (one queue's own, or a desk's)."""
    if not queues:
        return {"service_level_target": None, "abandonment_target": None}
    return {
        "service_level_target": round(
            sum(q.service_level_target for q in queues) / len(queues) / 100, 3
        ),
        "abandonment_target": round(
            sum(q.abandonment_target for q in queues) / len(queues) / 100, 3
        ),
    }


def _iso(moment: datetime | None) -> str | None:
    """Times go out in Asia/Tokyo, as the supervisors read them."""
    return moment.astimezone(TOKYO).isoformat() if moment else None


def _seconds_since(moment: datetime | None, now: datetime) -> int | None:
    return max(int((now - moment).total_seconds()), 0) if moment else None


def wallboard_snapshot(*, now: datetime | None = None) -> dict:
    """The `stats` message of /ws/supervisor/ (shared/CONTRACTS.md) with more: desks, each
    agent's state, call, help sign and any supervisor on the call, and today's figures hour by
    hour for the charts. Seven queries, none of which reads today's finished contacts."""
    now = now or timezone.now()
    today = tokyo_today(now)
    queues = list(Queue.objects.order_by("desk", "name"))
    empty = dict.fromkeys(COUNTED, 0)
    per_queue = {queue.pk: dict(empty) for queue in queues}
    intervals = []
    for row in (
        LiveQueueFigures.objects.filter(day=today)
        .order_by("hour", "queue_id")
        .values("hour", "queue_id", *COUNTED)
    ):
        if row["queue_id"] not in per_queue:
            continue
        for name in COUNTED:
            per_queue[row["queue_id"]][name] += row[name]
        intervals.append(row)

    horizon = now - LIVE_CALL_HORIZON
    agents = list(
        Agent.objects.values(
            "user_id",
            "user__username",
            "user__last_name",
            "user__first_name",
            "desk",
            "state",
            "state_since",
        ).order_by("user__username")
    )
    wrapping_up = [a["user_id"] for a in agents if a["state"] == AgentState.WRAP_UP]
    live_calls = list(
        Contact.objects.filter(channel=Channel.PHONE, offered_at__gte=horizon)
        .filter(
            Q(state__in=[ContactState.WAITING, *TALKING_STATES])
            | Q(state=ContactState.ENDED, agent_id__in=wrapping_up)
        )
        .values(
            "pk",
            "queue_id",
            "agent_id",
            "state",
            "offered_at",
            "answered_at",
            "ended_at",
            "identified_at_offer",
            "customer_id",
        )
        .order_by("offered_at")
    )
    # The seat map's help signs and supervisors on calls: a handful of rows at any time.
    help_raised_at = dict(
        HelpRequest.objects.filter(lowered_at__isnull=True).values_list(
            "agent__user_id", "raised_at"
        )
    )
    joined = {
        join["agent__user_id"]: join
        for join in CallJoin.objects.filter(ended_at__isnull=True)
        .order_by("started_at")
        .values(
            "pk",
            "agent__user_id",
            "mode",
            "supervisor__username",
            "supervisor__last_name",
            "supervisor__first_name",
        )
    }

    names = {queue.pk: queue.name for queue in queues}
    queue_labels = {queue.pk: queue.label or queue.name for queue in queues}
    waiting: dict[int, list[datetime]] = defaultdict(list)
    call_of_agent: dict[int, dict] = {}
    for call in live_calls:
        if call["state"] in WAITING_STATES:
            waiting[call["queue_id"]].append(call["offered_at"])
        if call["agent_id"] is not None:
            call_of_agent[call["agent_id"]] = call  # the latest offered wins

    # Calls waiting past the alert threshold: a supervisor moves agents before callers give up.
    long_wait_since = now - timedelta(seconds=settings.LONG_WAIT_ALERT_SECONDS)
    queue_entries = []
    for queue in queues:
        oldest = min(waiting[queue.pk], default=None)
        queue_entries.append(
            {
                "name": queue.name,
                "label": queue.label or queue.name,
                "desk": queue.desk,
                "waiting": len(waiting[queue.pk]),
                "waiting_too_long": sum(1 for at in waiting[queue.pk] if at < long_wait_since),
                "longest_wait_s": _seconds_since(oldest, now) or 0,
                "oldest_waiting_since": _iso(oldest),
                "service_level_seconds": queue.service_level_seconds,
                **_targets([queue]),
                **_queue_figures(per_queue[queue.pk]),
            }
        )

    states = [state.value for state in AgentState]
    by_state = dict.fromkeys(states, 0)
    by_desk_state: dict[str, dict] = defaultdict(lambda: dict.fromkeys(states, 0))
    roster = []
    for agent in agents:
        by_state[agent["state"]] = by_state.get(agent["state"], 0) + 1
        by_desk_state[agent["desk"]][agent["state"]] += 1
        call = (
            call_of_agent.get(agent["user_id"]) if agent["state"] != AgentState.AVAILABLE else None
        )
        roster.append(
            {
                "agent": agent["user__username"],
                "name": display_name(
                    username=agent["user__username"],
                    last_name=agent["user__last_name"],
                    first_name=agent["user__first_name"],
                ),
                "desk": agent["desk"],
                "state": agent["state"],
                "since": _iso(agent["state_since"]),
                "seconds_in_state": _seconds_since(agent["state_since"], now),
                "call": _call_entry(call, names, queue_labels, now) if call else None,
                "help_raised_at": _iso(help_raised_at.get(agent["user_id"])),
                "joined": _join_entry(joined.get(agent["user_id"])),
            }
        )

    return {
        "type": "stats",
        "at": _iso(now),
        "day": today.isoformat(),
        "agents": by_state,
        "long_wait_alert_s": settings.LONG_WAIT_ALERT_SECONDS,
        "long_state_alert_s": settings.LONG_STATE_ALERT_SECONDS,
        "queues": queue_entries,
        "desks": _desk_entries(queues, per_queue, waiting, by_desk_state, now),
        "roster": roster,
        "intervals": [
            {
                "queue": names[row["queue_id"]],
                "hour": row["hour"],
                "offered": row["offered"],
                "answered": row["answered"],
                "answered_within_service_level": row["answered_within_service_level"],
                "abandoned": row["abandoned"],
                "handled": row["handled"],
                "handle_s": round(row["handle_seconds"], 1),
            }
            for row in intervals
        ],
    }


def _call_entry(call: dict, names: dict, queue_labels: dict, now: datetime) -> dict:
    return {
        "contact_id": str(call["pk"]),
        "queue": names.get(call["queue_id"]),
        "queue_label": queue_labels.get(call["queue_id"]),
        "state": call["state"],
        "offered_at": _iso(call["offered_at"]),
        "answered_at": _iso(call["answered_at"]),
        "seconds": _seconds_since(call["answered_at"] or call["offered_at"], now),
        "identified_at_offer": call["identified_at_offer"],
        # Only the seat map names the customer, to each supervisor's socket, audited there
        # (console.supervision.seat_map); every other frame goes out without it.
        "customer_id": str(call["customer_id"]) if call["customer_id"] else None,
    }


def _join_entry(join: dict | None) -> dict | None:
    if join is None:
        return None
    return {
        "id": join["pk"],
        "mode": join["mode"],
        "supervisor": join["supervisor__username"],
        "supervisor_name": display_name(
            username=join["supervisor__username"],
            last_name=join["supervisor__last_name"],
            first_name=join["supervisor__first_name"],
        ),
    }


def _desk_entries(queues, per_queue, waiting, by_desk_state, now) -> list[dict]:
    desks: dict[str, dict] = {}
    for queue in queues:
        desk = desks.setdefault(
            queue.desk, {"totals": dict.fromkeys(COUNTED, 0), "waiting": [], "desk": queue.desk}
        )
        for name in COUNTED:
            desk["totals"][name] += per_queue[queue.pk][name]
        desk["waiting"].extend(waiting[queue.pk])
    entries = []
    for name, desk in desks.items():
        oldest = min(desk["waiting"], default=None)
        entries.append(
            {
                "desk": name,
                "waiting": len(desk["waiting"]),
                "longest_wait_s": _seconds_since(oldest, now) or 0,
                "agents": by_desk_state[name],
                **_targets([queue for queue in queues if queue.desk == name]),
                **_queue_figures(desk["totals"]),
            }
        )
    return entries


# This process's supervisor sockets and the loop that sends them the wallboard.
wallboard_fan_out = StatsFanOut(
    read=database_sync_to_async(wallboard_snapshot),
    encode=lambda figures: json.dumps(without_customers(figures)),
)
