"""The calls' Celery task: closing calls whose events stopped (console.calls.stranded)."""

from celery import shared_task

from console.calls.stranded import close_silent_calls


@shared_task(name="console.close_silent_calls", acks_late=True)
def close_silent_calls_task() -> int:
    return close_silent_calls()
