"""Delivering one webhook: sign it, POST it, keep the attempt, decide what comes next.

Each delivery is signed (HMAC-SHA256 over `timestamp.body` with the subscription's secret) and
every attempt is kept for the admin. Only a client whose key is live, still carries the
`webhooks` scope and may read what the event is about hears anything, now or on a retry
(`may_hear`). The receiver's address is checked before each attempt and the request goes to the
checked address; a redirect is never followed, it is a failed attempt. Nothing here queues a
task: the delivery task calls `attempt_delivery` and retries through Celery after the delay it
sets.
"""

import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
from datetime import timedelta

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
from console.integrations.webhook_addresses import (
    WebhookAddressError,
    checked_url,
    public_addresses,
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


def may_hear(client: ApiClient, *, event_type: str, payload: dict) -> bool:
    """What a subscriber is told is what its key could read. A case's events go to the client
    that made the case (its `source`); every event — cases, contacts, merges — goes to a client
    with the `read` scope, which may read customers and all that is theirs."""
    if not may_receive_webhooks(client):
        return False
    if ApiScope.READ in client.scopes:
        return True
    return event_type.startswith("case.") and payload.get("source") == client.name


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
        if not may_hear(
            delivery.subscription.client, event_type=delivery.event_type, payload=delivery.payload
        ):
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


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to now."""

    def __init__(self, host: str, port: int | None, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.checked_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.checked_address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same for https; the certificate is still verified against the host's name."""

    def __init__(self, host: str, port: int | None, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.checked_address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.checked_address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str, int]:
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "contact-center-console-webhooks/1",
        "X-Console-Event": delivery.event_type,
        "X-Console-Delivery": str(delivery.event_id),
        SIGNATURE_HEADER: sign(secret=delivery.subscription.secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    try:
        parts = checked_url(delivery.subscription.url)
        address = public_addresses(parts)[0]
    except WebhookAddressError as refused:
        return None, str(refused), 0
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(
        parts.hostname, parts.port, address=address, timeout=settings.WEBHOOK_TIMEOUT_S
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        status_code = connection.getresponse().status
        error = "" if 200 <= status_code < 300 else f"HTTP {status_code}"
        if 300 <= status_code < 400:
            error += " (redirects are not followed)"
    except (OSError, http.client.HTTPException) as failure:
        status_code, error = None, str(failure) or type(failure).__name__
    finally:
        connection.close()
    return status_code, error, int((time.monotonic() - started) * 1000)


def overdue_deliveries(*, now=None) -> list[int]:
    """Deliveries whose retry should have happened (a lost task, a restart)."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lt=(now or timezone.now()) - timedelta(minutes=1),
        ).values_list("pk", flat=True)[:1000]
    )
