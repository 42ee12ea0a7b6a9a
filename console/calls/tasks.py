"""The calls' Celery tasks, both safe to run twice at once: closing calls whose events stopped
(console.calls.stranded), and sending away agents whose console closed past the grace, a call
ringing for them offered elsewhere (an agent already away is not absent)."""

from celery import shared_task

from console.calls.events import send_absent_agents_away
from console.calls.stranded import close_silent_calls


@shared_task(name="console.close_silent_calls", acks_late=True)
def close_silent_calls_task() -> int:
    return close_silent_calls()


@shared_task(name="console.send_absent_agents_away", acks_late=True)
def send_absent_agents_away_task() -> int:
    return send_absent_agents_away()
