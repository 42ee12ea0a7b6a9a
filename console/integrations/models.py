"""Integration clients and what they leave behind: API keys with scopes, idempotency keys, webhook
subscriptions, deliveries and attempts."""

import hashlib
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiScope(models.TextChoices):
    CTI = "cti", _("Telephony events")
    INGEST = "ingest", _("Source-record ingestion")
    ATM = "atm", _("ATM incidents")
    READ = "read", _("Read customers and records")
    TICKETS = "tickets", _("Service tickets")
    WEBHOOKS = "webhooks", _("Webhook subscriptions")
    EXPORT = "export", _("List every customer and record (for systems)")
    INTERACTIONS = "interactions", _("Touchpoints from other channels")


class ApiClient(models.Model):
    """An integration client (telephony, ATM, service or source system) with a bearer key.

    Only the SHA-256 of the key is stored: keys are long random strings, so a fast hash is enough
    and lets a request find its client with one indexed lookup.
    """

    name = models.CharField(_("client name"), max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key prefix"), max_length=12, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key`, kept so that a retry gets the
    same answer and a different body under the same key is refused (409)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key", "path"], name="unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"


class WebhookEvent(models.TextChoices):
    CASE_CREATED = "case.created", _("Case created")
    CASE_UPDATED = "case.updated", _("Case updated")
    CASE_CLOSED = "case.closed", _("Case closed")
    CONTACT_ENDED = "contact.ended", _("Contact ended")
    CUSTOMER_MERGED = "customer.merged", _("Customers merged")
    CUSTOMER_UNMERGED = "customer.unmerged", _("Merge undone")


class WebhookSubscription(models.Model):
    """An integrator's URL that hears about some events, signed with a secret of its own."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    event_types = models.JSONField(_("event types"), default=list)
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed for good")
    CANCELLED = "cancelled", _("Cancelled (client revoked or lacks the scope)")


class WebhookDelivery(models.Model):
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=32, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"
