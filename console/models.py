import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Desk


class ApiScope(models.TextChoices):
    CTI = "cti", _("Telephony events")
    INGEST = "ingest", _("Source-record ingestion")
    ATM = "atm", _("ATM incidents")
    READ = "read", _("Read customers and records")
    TICKETS = "tickets", _("Service tickets")
    WEBHOOKS = "webhooks", _("Webhook subscriptions")


class ApiClient(models.Model):
    """An integration client (telephony, ATM, service or source system) with a bearer key.

    Only the SHA-256 of the key is stored: keys are long random strings, so a fast hash is enough
    and lets a request find its client with one indexed lookup.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
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


class AgentState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_CALL = "on_call", _("On a call")
    WRAP_UP = "wrap_up", _("After-call work")
    BREAK = "break", _("On break")
    OFFLINE = "offline", _("Offline")


# States an agent may choose in the browser; the others follow from calls.
CHOSEN_STATES = [AgentState.AVAILABLE, AgentState.BREAK, AgentState.OFFLINE]


class Agent(models.Model):
    """A person who takes calls: the desk they sit on, their skills and their current state.

    `state_since` orders routing (the longest-idle available agent gets the next call);
    `last_seq` is the sequence number of the last message sent to the agent's browser.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    desk = models.CharField(_("desk"), max_length=20, choices=Desk.choices)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=AgentState.choices, default=AgentState.OFFLINE
    )
    state_since = models.DateTimeField(_("in this state since"), default=timezone.now)
    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["user__username"]
        indexes = [models.Index(fields=["desk", "state", "state_since"], name="agent_routing")]
        permissions = [("use_agent_console", _("Can take calls in the agent console"))]

    def __str__(self) -> str:
        return self.user.get_username()


class AgentStateChange(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="state_changes")
    state = models.CharField(max_length=16, choices=AgentState.choices)
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("agent state change")
        verbose_name_plural = _("agent state changes")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["agent", "at"], name="agent_state_history")]

    def __str__(self) -> str:
        return f"{self.agent} {self.state} {self.at:%H:%M:%S}"


class AgentMessage(models.Model):
    """A message sent to an agent's browser, kept so a browser that reconnects can ask for what it
    missed (`resume`): the channel layer only rings the bell and may drop what it carries."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "seq"], name="unique_agent_message_seq")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id}#{self.seq}"


class ViewAudit(models.Model):
    """Who opened which customer's record, when, and from which contact or for what reason."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="view_audits"
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("customer record opening")
        verbose_name_plural = _("customer record openings")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="view_audit_customer")]
        permissions = [("view_audit_log", _("Can read who opened which customer record"))]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.at:%Y-%m-%d %H:%M}"


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


class LiveQueueFigures(models.Model):
    """Running totals of one queue in one hour of a day (Asia/Tokyo), moved contact by contact as
    calls change, so the wallboard reads a few rows instead of the day's contacts. Signed: two
    changes of one contact may land in either order, and a total can dip below zero for a moment.
    """

    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    queue = models.ForeignKey("contacts.Queue", on_delete=models.CASCADE, related_name="+")
    offered = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_within_service_level = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    handle_seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("live queue figures")
        verbose_name_plural = _("live queue figures")
        constraints = [
            models.UniqueConstraint(fields=["day", "hour", "queue"], name="unique_live_queue_hour")
        ]
        permissions = [
            ("view_wallboard", _("Can watch the live wallboard")),
            ("configure_service_level", _("Can set the queues' service-level thresholds")),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.hour:02d}h {self.queue_id}"


class LiveContactFigures(models.Model):
    """What one contact adds to the live totals now: a change of the contact moves the totals by
    the difference only, however often (or in whatever order) its events arrive."""

    contact = models.OneToOneField(
        "contacts.Contact", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(db_index=True)
    hour = models.PositiveSmallIntegerField()
    queue = models.ForeignKey("contacts.Queue", on_delete=models.CASCADE, related_name="+")
    offered = models.SmallIntegerField(default=0)
    answered = models.SmallIntegerField(default=0)
    answered_within_service_level = models.SmallIntegerField(default=0)
    abandoned = models.SmallIntegerField(default=0)
    handled = models.SmallIntegerField(default=0)
    handle_seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.contact_id} {self.day}"


class ContactRollup(models.Model):
    """Sums over the phone contacts of one group (desk, queue, agent) offered in one period.
    Filled only by console.rollups, which writes a whole day at once; reports add these up."""

    day = models.DateField()
    desk = models.CharField(max_length=20, choices=Desk.choices, blank=True)
    queue = models.ForeignKey(
        "contacts.Queue", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Every leg offered to a queue, and the calls among them (first legs).
    contacts = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    answered_within_service_level = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    handled = models.PositiveIntegerField(default=0)
    talk_seconds = models.FloatField(default=0)
    hold_seconds = models.FloatField(default=0)
    after_call_work_seconds = models.FloatField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    transfers_to_other_desk = models.PositiveIntegerField(default=0)
    identified_at_offer = models.PositiveIntegerField(default=0)
    calls_with_customer = models.PositiveIntegerField(default=0)
    repeat_calls = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class HourlyContactRollup(ContactRollup):
    hour = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("hourly contact figures")
        verbose_name_plural = _("hourly contact figures")
        indexes = [models.Index(fields=["day", "hour"], name="hourly_rollup_day")]
        permissions = [("view_contact_reports", _("Can read the handle-time reports"))]

    def __str__(self) -> str:
        return f"{self.day} {self.hour:02d}h {self.queue_id} {self.agent_id}"


class DailyContactRollup(ContactRollup):
    class Meta:
        verbose_name = _("daily contact figures")
        verbose_name_plural = _("daily contact figures")
        indexes = [models.Index(fields=["day", "desk"], name="daily_rollup_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.queue_id} {self.agent_id}"


class RolledUpDay(models.Model):
    """A day whose rollups were written, when, and from how many contacts. Its row is also the
    lock that makes two runs for one day take turns."""

    day = models.DateField(primary_key=True)
    rolled_up_at = models.DateTimeField(null=True, blank=True)
    contacts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)
