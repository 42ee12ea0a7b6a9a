from celery import shared_task

from console.idempotency import forget_old_idempotency_keys
from console.realtime import forget_old_messages


@shared_task(name="console.forget_old_agent_messages", acks_late=True)
def forget_old_agent_messages_task() -> int:
    return forget_old_messages()


@shared_task(name="console.forget_old_idempotency_keys", acks_late=True)
def forget_old_idempotency_keys_task() -> int:
    return forget_old_idempotency_keys()
