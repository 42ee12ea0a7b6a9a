"""Delivering one webhook: sign it, POST it, keep the attempt, decide what comes next.

Each delivery is signed (HMAC-SHA256 over `timestamp.body` with the subscription's secret) and
every attempt is kept for the admin. Only a client whose key is live and still carries the
`webhooks` scope hears anything, now or on a retry. Nothing here queues a task: the delivery
task calls `attempt_delivery` and retries through Celery after the delay it sets.
"""

import hashlib
import hmac
import json
import time
from datetime import timedelta
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from console.integrations.models import (
    ApiClient,
    ApiScope,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
)

MAX_ATTEMPTS = 8
# Capped well below the Redis broker's one-hour visibility timeout, past which a delayed task
# would be delivered again.
MAX_RETRY_DELAY_S = 30 * 60
SIGNATURE_HEADER = "X-Console-Signature"


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def retry_delay_s(attempts: int) -> int:
    return min(10 * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY_S)


def may_receive_webhooks(client: ApiClient) -> bool:
    # Deliveries carry customer data: a revoked key or a withdrawn scope ends them at once.
    return client.is_active and ApiScope.WEBHOOKS in client.scopes


def attempt_delivery(delivery_id: int) -> WebhookDelivery | None:
    """One attempt. A failed one leaves the delivery pending, with `next_attempt_at` after a
    backoff, until MAX_ATTEMPTS. A delivery whose client may no longer receive webhooks is
    cancelled unsent. Safe to run twice or on two workers at once: a delivered, given-up or
    cancelled delivery is left alone, and one another worker holds is skipped (None)."""
    with transaction.atomic():
        delivery = (
            # Lock the delivery only: a lock on the subscription, held through the POST, would
            # make every request that queues a delivery for it wait at commit.
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription__client")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return None
        if not may_receive_webhooks(delivery.subscription.client):
            delivery.status = DeliveryStatus.CANCELLED
            delivery.save(update_fields=["status"])
            return delivery
        body = json.dumps(
            {
                "id": str(delivery.event_id),
                "type": delivery.event_type,
                "created_at": delivery.created_at.isoformat(),
                "data": delivery.payload,
            },
            ensure_ascii=False,
        ).encode()
        status_code, error, duration_ms = _post(delivery, body)
        delivery.attempts += 1
        WebhookAttempt.objects.create(
            delivery=delivery, status_code=status_code, error=error[:500], duration_ms=duration_ms
        )
        if status_code is not None and 200 <= status_code < 300:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, timezone.now()
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delay = retry_delay_s(delivery.attempts)
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at"])
    return delivery


def _post(delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str, int]:
    timestamp = int(time.time())
    request = Request(
        delivery.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "contact-center-console-webhooks/1",
            "X-Console-Event": delivery.event_type,
            "X-Console-Delivery": str(delivery.event_id),
            SIGNATURE_HEADER: sign(
                secret=delivery.subscription.secret, timestamp=timestamp, body=body
            ),
        },
    )
    started = time.monotonic()
    try:
        with urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_S) as response:
            status_code, error = response.status, ""
    except HTTPError as failure:
        status_code, error = failure.code, f"HTTP {failure.code}"
    except (URLError, OSError) as failure:
        status_code, error = None, str(getattr(failure, "reason", failure))
    return status_code, error, int((time.monotonic() - started) * 1000)


def overdue_deliveries(*, now=None) -> list[int]:
    """Deliveries whose retry should have happened (a lost task, a restart)."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lt=(now or timezone.now()) - timedelta(minutes=1),
        ).values_list("pk", flat=True)[:1000]
    )
