"""The calls' Celery task: agents whose console closed past the grace sent away, and a call
ringing for them offered elsewhere (safe to run twice: an agent already away is not absent)."""

from celery import shared_task

from console.calls.events import send_absent_agents_away


@shared_task(name="console.send_absent_agents_away", acks_late=True)
def send_absent_agents_away_task() -> int:
    return send_absent_agents_away()
