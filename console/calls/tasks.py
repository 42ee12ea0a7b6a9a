"""The calls' Celery tasks, each safe to run twice at once: closing calls whose events stopped
(console.calls.stranded), sending away agents whose console closed past the grace, a call
ringing for them offered elsewhere (an agent already away is not absent), and building again the
customer-360 documents a write marked stale, so the next screen pop reads them built."""

from celery import shared_task

from console.calls.events import send_absent_agents_away
from console.calls.screen import build_stale_documents
from console.calls.stranded import close_silent_calls
from console.celery import enqueue_on_commit


@shared_task(name="console.close_silent_calls", acks_late=True)
def close_silent_calls_task() -> int:
    return close_silent_calls()


@shared_task(name="console.send_absent_agents_away", acks_late=True)
def send_absent_agents_away_task() -> int:
    return send_absent_agents_away()


@shared_task(name="console.build_stale_documents", acks_late=True)
def build_stale_documents_task(customer_ids: list[str]) -> int:
    return build_stale_documents(customer_ids=customer_ids)


def build_documents_marked_stale(*, customer_ids, **kwargs) -> None:
    """customers.events.documents_stale, sent on commit: build them in a worker."""
    enqueue_on_commit(build_stale_documents_task, [str(pk) for pk in customer_ids])
