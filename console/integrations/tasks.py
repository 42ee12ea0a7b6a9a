"""The integrations' Celery tasks: thin, safe to run twice, late, or on two workers at once
(acks_late: a worker killed mid-task leaves it to another)."""

from celery import shared_task

from console.integrations.idempotency import forget_old_idempotency_keys
from console.integrations.models import DeliveryStatus
from console.integrations.webhook_delivery import (
    MAX_ATTEMPTS,
    attempt_delivery,
    overdue_deliveries,
    retry_delay_s,
)


@shared_task(name="console.forget_old_idempotency_keys", acks_late=True)
def forget_old_idempotency_keys_task() -> int:
    return forget_old_idempotency_keys()


@shared_task(
    bind=True,
    name="console.deliver_webhook",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def deliver_webhook_task(self, delivery_id: int) -> None:
    """Acknowledged only once done, and handed back if the worker dies: a `kill -9` mid-delivery
    loses nothing. Doubles nothing either: `attempt_delivery` locks the delivery's row and skips
    one already delivered, so the task redelivered, or queued twice, sends it once more only if
    the first send never finished (the receiver then sees the same `X-Console-Delivery` id)."""
    delivery = attempt_delivery(delivery_id)
    if delivery is not None and delivery.status == DeliveryStatus.PENDING:
        raise self.retry(countdown=retry_delay_s(delivery.attempts))


@shared_task(name="console.resend_overdue_webhooks", acks_late=True)
def resend_overdue_webhooks_task() -> int:
    overdue = overdue_deliveries()
    for delivery_id in overdue:
        deliver_webhook_task.delay(delivery_id)
    return len(overdue)
