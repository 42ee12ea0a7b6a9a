"""The follow-ups' tasks: send one (queued on commit by the rules), and every few minutes send
those whose time has come (after quiet hours, the next day). Safe to run twice (acks_late)."""

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from console.follow_ups import sending


@shared_task(name="console.send_follow_up", acks_late=True)
def send_follow_up_task(follow_up_id: str, at: str | None = None) -> str:
    """`at` (ISO time): the moment quiet hours are judged by, when not now (a replayed task)."""
    now = datetime.fromisoformat(at) if at else None
    return sending.send_follow_up(follow_up_id=follow_up_id, now=now).status


@shared_task(name="console.send_due_follow_ups", acks_late=True)
def send_due_follow_ups_task() -> int:
    ids = sending.due_follow_up_ids(now=timezone.now())
    for follow_up_id in ids:
        sending.send_follow_up(follow_up_id=follow_up_id)
    return len(ids)
