import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contacts.choices import (
    LIVE_CONTACT_STATES,
    OPEN_CASE_STATUSES,
    TOUCHPOINT_CHANNELS,
    CallEventType,
    CaseKind,
    CaseStatus,
    Channel,
    ContactState,
    Desk,
    Direction,
    EndReason,
)
from contacts.handle_time import handle_seconds, talk_hold_and_after_call_work
from customers.models import Customer

__all__ = [
    "LIVE_CONTACT_STATES",
    "OPEN_CASE_STATUSES",
    "TOUCHPOINT_CHANNELS",
    "CallEventType",
    "CaseKind",
    "CaseStatus",
    "Channel",
    "ContactState",
    "Desk",
    "Direction",
    "EndReason",
]


class LabelledInBothLanguages(models.Model):
    """A name people read, kept in Japanese and in English, and shown in the page's language
    only (never both at once). Two plain fields rather than a translation library: the product
    has exactly these two languages, and the fields stay visible in the admin, the migrations and
    the queries."""

    label_ja = models.CharField(_("label (Japanese)"), max_length=100, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        """The label in the active language, else the other one (a name not yet translated)."""
        if (get_language() or "ja").startswith("en"):
            return self.label_en or self.label_ja
        return self.label_ja or self.label_en


class Queue(LabelledInBothLanguages):
    """A telephony queue and the desk that answers it."""

    name = models.SlugField(_("queue name"), max_length=40, unique=True)
    desk = models.CharField(_("desk"), max_length=20, choices=Desk.choices)
    service_level_seconds = models.PositiveIntegerField(
        _("service level threshold (s)"),
        default=20,
        help_text=_("A call answered within this many seconds counts as within service level."),
    )
    service_level_target = models.PositiveSmallIntegerField(
        _("service level target (%)"),
        default=80,
        validators=[MaxValueValidator(100)],
        help_text=_("The share of calls to answer within the threshold; shown green when met."),
    )
    abandonment_target = models.PositiveSmallIntegerField(
        _("abandonment target (%)"),
        default=5,
        validators=[MaxValueValidator(100)],
        help_text=_("The most calls that may hang up before an answer; shown red above it."),
    )

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label or self.name


class IdentityQuestion(models.TextChoices):
    """What an agent may ask to confirm who is calling (本人確認). Never a PIN or a password:
    an agent must never hear a secret the customer uses to sign in or to pay."""

    NAME = "name", _("Full name")
    BIRTH_DATE = "birth_date", _("Date of birth")
    REGISTERED_PHONE = "registered_phone", _("Registered phone number")
    POSTAL_CODE = "postal_code", _("Registered postal code")
    CARD_LAST4 = "card_last4", _("Last four digits of the card")


def default_identity_questions() -> list[str]:
    return [
        IdentityQuestion.NAME,
        IdentityQuestion.BIRTH_DATE,
        IdentityQuestion.REGISTERED_PHONE,
    ]


class IdentityCheckResult(models.TextChoices):
    PASSED = "passed", _("Identity confirmed")
    FAILED = "failed", _("Identity not confirmed")
    SKIPPED = "skipped", _("Identity check skipped")


class DeskPolicy(models.Model):
    """A desk's rules for its agents' calls. A desk without a row follows the defaults."""

    desk = models.CharField(_("desk"), max_length=20, choices=Desk.choices, unique=True)
    wrap_up_code_required = models.BooleanField(_("a wrap-up code is required"), default=True)
    identity_questions = models.JSONField(
        _("identity check questions"),
        default=default_identity_questions,
        help_text=_("Codes among: name, birth_date, registered_phone, postal_code, card_last4."),
    )

    class Meta:
        verbose_name = _("desk policy")
        verbose_name_plural = _("desk policies")

    def __str__(self) -> str:
        return self.get_desk_display()


class WrapUpCode(LabelledInBothLanguages):
    desk = models.CharField(_("desk"), max_length=20, choices=Desk.choices)
    code = models.SlugField(_("code"), max_length=40)

    class Meta:
        verbose_name = _("wrap-up code")
        verbose_name_plural = _("wrap-up codes")
        ordering = ["desk", "code"]
        constraints = [models.UniqueConstraint(fields=["desk", "code"], name="unique_wrap_up_code")]

    def __str__(self) -> str:
        return self.label or self.code


class Contact(models.Model):
    """One interaction with one agent (a leg of a call): a transfer ends one contact and
    starts another whose `parent` it is. Times come from the events' `at`, never from arrival."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    source = models.CharField(_("source system"), max_length=100)
    call_id = models.CharField(_("call id"), max_length=128, blank=True)
    leg = models.PositiveSmallIntegerField(default=0)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers"
    )
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.PROTECT)
    desk = models.CharField(_("desk"), max_length=20, choices=Desk.choices, blank=True)
    caller_number = models.CharField(_("caller number"), max_length=32, blank=True)
    dialled_number = models.CharField(_("dialled number"), max_length=32, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    identified_at_offer = models.BooleanField(
        _("caller identified at the screen pop"), default=False
    )
    customer_picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The agent who chose the customer among the candidates."),
    )
    customer_picked_at = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    state = models.CharField(_("state"), max_length=16, choices=ContactState.choices)
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    wrapped_up_at = models.DateTimeField(_("wrapped up at"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    hold_seconds = models.FloatField(_("hold (s)"), default=0)
    wrap_up_code = models.ForeignKey(WrapUpCode, null=True, blank=True, on_delete=models.PROTECT)
    disposition = models.CharField(_("disposition"), max_length=200, blank=True)
    case = models.ForeignKey(
        "Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The identity check (本人確認) before accounts are discussed: its result, the questions the
    # caller answered right, why it was skipped, who recorded it and when.
    identity_check = models.CharField(
        _("identity check"), max_length=10, choices=IdentityCheckResult.choices, blank=True
    )
    identity_check_questions = models.JSONField(default=list, blank=True)
    identity_check_reason = models.CharField(max_length=200, blank=True)
    identity_checked_at = models.DateTimeField(null=True, blank=True)
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-offered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "call_id", "leg"],
                condition=~models.Q(call_id=""),
                name="unique_call_leg",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-offered_at"], name="contact_customer_recent"),
            models.Index(fields=["agent", "-offered_at"], name="contact_agent_recent"),
            models.Index(fields=["state", "queue"], name="contact_state_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.call_id or self.pk}"

    def _time_parts(self) -> tuple[float, float, float] | None:
        """Talk, hold and after-call work as contacts.handle_time defines them; None until the
        call was answered and ended."""
        if self.answered_at is None or self.ended_at is None:
            return None
        after = (self.wrapped_up_at - self.ended_at).total_seconds() if self.wrapped_up_at else None
        return talk_hold_and_after_call_work(
            connected_seconds=(self.ended_at - self.answered_at).total_seconds(),
            hold_seconds=self.hold_seconds,
            after_call_work_seconds=after,
        )

    @property
    def talk_seconds(self) -> float | None:
        parts = self._time_parts()
        return parts[0] if parts else None

    @property
    def after_call_work_seconds(self) -> float | None:
        if self.ended_at is None or self.wrapped_up_at is None:
            return None
        return max((self.wrapped_up_at - self.ended_at).total_seconds(), 0.0)

    @property
    def handle_seconds(self) -> float | None:
        parts = self._time_parts()
        return handle_seconds(*parts) if parts else None


class CallEvent(models.Model):
    """A raw telephony event, stored once per (source, event_id). `routed_agent` keeps the
    agent the console picked for an offer or transfer, so that replaying a call's events always
    gives the same legs."""

    source = models.CharField(max_length=100)
    event_id = models.CharField(max_length=128)
    call_id = models.CharField(max_length=128)
    type = models.CharField(max_length=16, choices=CallEventType.choices)
    at = models.DateTimeField()
    payload = models.JSONField()
    routed_agent = models.CharField(max_length=150, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="unique_call_event")
        ]
        indexes = [models.Index(fields=["source", "call_id"], name="call_event_call")]

    def __str__(self) -> str:
        return f"{self.call_id} {self.type} {self.at:%H:%M:%S}"


class Case(models.Model):
    """A loan request or a service incident followed until it is closed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    source = models.CharField(_("source system"), max_length=100, blank=True)
    external_id = models.CharField(_("id in the source system"), max_length=128, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=CaseKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    owner_desk = models.CharField(_("owner desk"), max_length=20, choices=Desk.choices)
    subject = models.CharField(_("subject"), max_length=200)
    details = models.JSONField(_("details"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["customer", "status"], name="case_customer_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="unique_case_per_source",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class ContactNote(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class CaseComment(models.Model):
    """A comment on a case, by an agent or by the system that owns the ticket."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_system = models.CharField(max_length=100, blank=True)
    text = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case comment")
        verbose_name_plural = _("case comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class Touchpoint(models.Model):
    """What another channel recorded (the web member page, the app, a branch counter, LINE,
    e-mail, SMS, chat), once per (source, external_id). Its contact puts it on the customer's
    timeline; until a customer is known, `unresolved_reference` keeps how the source named them,
    for a steward."""

    contact = models.OneToOneField(
        Contact, primary_key=True, on_delete=models.CASCADE, related_name="touchpoint"
    )
    source = models.CharField(_("source system"), max_length=100)
    external_id = models.CharField(_("id in the source system"), max_length=128)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), max_length=4000, blank=True)
    unresolved_reference = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="unique_touchpoint")
        ]

    def __str__(self) -> str:
        return self.subject
