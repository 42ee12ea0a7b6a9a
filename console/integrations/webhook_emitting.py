"""Outbound webhooks, the emitting side: integrators hear about cases, contacts and merges.

An event becomes one delivery per subscription that asked for it, written in the same transaction
as the change and sent by a Celery task after commit, so the request that caused it never waits for
a receiver (webhook_delivery sends it).
"""

import json
import secrets

from django.core.serializers.json import DjangoJSONEncoder

from console.celery import enqueue_on_commit
from console.integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from console.integrations.tasks import deliver_webhook_task
from console.integrations.webhook_addresses import check_subscription_url
from console.integrations.webhook_delivery import may_hear


def subscribe(*, client, url: str, event_types: list[str]) -> WebhookSubscription:
    """A new subscription; a URL webhooks may not go to raises WebhookAddressError."""
    unknown = sorted(set(event_types) - set(WebhookEvent.values))
    if unknown or not event_types:
        raise ValueError(f"Unknown event types: {', '.join(unknown) or '(none given)'}")
    check_subscription_url(url)
    return WebhookSubscription.objects.create(
        client=client, url=url, event_types=sorted(set(event_types)), secret=secrets.token_hex(32)
    )


def emit_event(*, event_type: str, payload: dict) -> list[WebhookDelivery]:
    """Queue the event for every active subscription that wants it and whose client may hear
    it (`may_hear`); sent after commit."""
    # Event types and scopes are JSON lists, which SQLite cannot search: they are checked here.
    subscriptions = [
        s
        for s in WebhookSubscription.objects.filter(is_active=True).select_related("client")
        if event_type in s.event_types
        and may_hear(s.client, event_type=event_type, payload=payload)
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
        enqueue_on_commit(deliver_webhook_task, delivery.pk)
    return deliveries


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
