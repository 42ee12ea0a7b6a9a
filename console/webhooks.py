"""Outbound webhooks: integrators hear about cases, contacts and merges.

An event becomes one delivery per subscription that asked for it, written in the same transaction
as the change and sent by a Celery task after commit, so the request that caused it never waits for
a receiver. Each delivery is signed (HMAC-SHA256 over `timestamp.body` with the subscription's
secret), retried with exponential backoff, and every attempt is kept for the admin. Only a client
whose key is live and still carries the `webhooks` scope hears anything, now or on a retry.
"""

import hashlib
import hmac
import json
import secrets
import threading
import time
from datetime import timedelta
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from console.models import (
    ApiClient,
    ApiScope,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

MAX_ATTEMPTS = 8
# Capped well below the Redis broker's one-hour visibility timeout, past which a delayed task
# would be delivered again.
MAX_RETRY_DELAY_S = 30 * 60
SIGNATURE_HEADER = "X-Console-Signature"


def subscribe(*, client, url: str, event_types: list[str]) -> WebhookSubscription:
    unknown = sorted(set(event_types) - set(WebhookEvent.values))
    if unknown or not event_types:
        raise ValueError(f"Unknown event types: {', '.join(unknown) or '(none given)'}")
    return WebhookSubscription.objects.create(
        client=client, url=url, event_types=sorted(set(event_types)), secret=secrets.token_hex(32)
    )


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def retry_delay_s(attempts: int) -> int:
    return min(10 * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY_S)


def may_receive_webhooks(client: ApiClient) -> bool:
    # Deliveries carry customer data: a revoked key or a withdrawn scope ends them at once.
    return client.is_active and ApiScope.WEBHOOKS in client.scopes


def emit_event(*, event_type: str, payload: dict) -> list[WebhookDelivery]:
    """Queue the event for every active subscription that wants it; sent after commit."""
    # Event types and scopes are JSON lists, which SQLite cannot search: they are checked here.
    subscriptions = [
        s
        for s in WebhookSubscription.objects.filter(is_active=True).select_related("client")
        if event_type in s.event_types and may_receive_webhooks(s.client)
    ]
    deliveries = [
        WebhookDelivery.objects.create(
            subscription=subscription,
            event_type=event_type,
            payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
        )
        for subscription in subscriptions
    ]
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: enqueue_delivery(pk))
    return deliveries


def enqueue_delivery(delivery_id: int, *, countdown: int = 0) -> None:
    from console.tasks import deliver_webhook_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        # In-process tasks (the embedded default) would run inside the request: use a thread.
        threading.Thread(
            target=_deliver_in_process, args=(delivery_id, countdown), daemon=True
        ).start()
    else:
        deliver_webhook_task.apply_async((delivery_id,), countdown=countdown)


def _deliver_in_process(delivery_id: int, countdown: int) -> None:
    from django.db import connection

    try:
        time.sleep(countdown)
        attempt_delivery(delivery_id)
    finally:
        connection.close()


def attempt_delivery(delivery_id: int) -> WebhookDelivery | None:
    """One attempt; on failure the next is scheduled with backoff until MAX_ATTEMPTS. A delivery
    whose client may no longer receive webhooks is cancelled unsent. Safe to run twice: a
    delivered, given-up or cancelled delivery is left alone."""
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
            transaction.on_commit(lambda: enqueue_delivery(delivery.pk, countdown=delay))
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


def resend_overdue_deliveries(*, now=None) -> int:
    """Deliveries whose retry should have happened (a lost task, a restart) are queued again."""
    overdue = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING,
        next_attempt_at__lt=(now or timezone.now()) - timedelta(minutes=1),
    ).values_list("pk", flat=True)[:1000]
    for delivery_id in overdue:
        enqueue_delivery(delivery_id)
    return len(overdue)


def announce_merge(*, survivor_id, absorbed_id, decision_id, **kwargs) -> None:
    emit_event(
        event_type=WebhookEvent.CUSTOMER_MERGED,
        payload={
            "customer_id": survivor_id,
            "merged_from": absorbed_id,
            "decision_id": decision_id,
        },
    )


def announce_unmerge(*, survivor_id, absorbed_id, decision_id, **kwargs) -> None:
    emit_event(
        event_type=WebhookEvent.CUSTOMER_UNMERGED,
        payload={"customer_id": survivor_id, "restored": absorbed_id, "decision_id": decision_id},
    )
