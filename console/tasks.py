from celery import shared_task

from console.idempotency import forget_old_idempotency_keys
from console.realtime import forget_old_messages
from console.webhooks import attempt_delivery, resend_overdue_deliveries


@shared_task(name="console.forget_old_agent_messages", acks_late=True)
def forget_old_agent_messages_task() -> int:
    return forget_old_messages()


@shared_task(name="console.forget_old_idempotency_keys", acks_late=True)
def forget_old_idempotency_keys_task() -> int:
    return forget_old_idempotency_keys()


@shared_task(name="console.deliver_webhook", acks_late=True)
def deliver_webhook_task(delivery_id: int) -> None:
    attempt_delivery(delivery_id)


@shared_task(name="console.resend_overdue_webhooks", acks_late=True)
def resend_overdue_webhooks_task() -> int:
    return resend_overdue_deliveries()
