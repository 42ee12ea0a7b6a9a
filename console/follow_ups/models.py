"""Rules, templates, consent, the messages planned and sent, and survey answers."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from contacts.models import Desk


class FollowUpChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LINE = "line", _("LINE")


class Language(models.TextChoices):
    JAPANESE = "ja", _("Japanese")
    ENGLISH = "en", _("English")


class Trigger(models.TextChoices):
    CASE_CLOSED = "case_closed", _("When the case closes")
    WRAPPED_UP = "wrapped_up", _("When the agent wraps up")


class MessageTemplate(models.Model):
    """What a follow-up says, in Japanese and in English. Subject and body are Django templates
    that may use {{ customer_name }}, {{ case_subject }}, {{ wrap_up }}, {{ disposition }} and,
    for a survey, {{ survey_url }}."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_survey = models.BooleanField(
        _("satisfaction survey"),
        default=False,
        help_text=_("Sends a one-use link to one question and a comment."),
    )
    subject_ja = models.CharField(_("subject (Japanese)"), max_length=200)
    body_ja = models.TextField(_("body (Japanese)"), max_length=4000)
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_en = models.TextField(_("body (English)"), max_length=4000)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class FollowUpRule(models.Model):
    """Which contacts get which message: a desk, optionally one wrap-up code (none: any), and
    the moment it is sent."""

    desk = models.CharField(_("desk"), max_length=20, choices=Desk.choices)
    wrap_up_code = models.ForeignKey(
        "contacts.WrapUpCode",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name=_("wrap-up code"),
        help_text=_("Empty: any contact of the desk."),
    )
    trigger = models.CharField(_("when"), max_length=16, choices=Trigger.choices)
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.PROTECT, verbose_name=_("template")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=FollowUpChannel.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")
        ordering = ["desk", "trigger", "pk"]

    def __str__(self) -> str:
        return f"{self.get_desk_display()} · {self.wrap_up_code or '*'} → {self.template}"


class ChannelConsent(models.Model):
    """A customer's yes or no to messages on one channel, with where to send them (an e-mail
    address, a LINE user id) and in which language. No row: no message."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="channel_consents"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=FollowUpChannel.choices)
    opted_in = models.BooleanField(_("agrees to messages"), default=False)
    address = models.CharField(_("address"), max_length=254)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.JAPANESE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("channel consent")
        verbose_name_plural = _("channel consents")
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="unique_channel_consent")
        ]
        indexes = [models.Index(fields=["channel", "address"], name="consent_address")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}: {self.opted_in}"


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    NOT_SENT = "not_sent", _("Not sent (no consent)")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class FollowUp(models.Model):
    """One message a rule planned for one customer after one contact or case, once
    (`planned_for`). `due_at`: not before then (quiet hours, one a day). `sent_on`, the Japan date
    it went out, is unique per customer: a second message that day cannot be recorded as sent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rule = models.ForeignKey(FollowUpRule, on_delete=models.PROTECT, related_name="follow_ups")
    planned_for = models.CharField(max_length=120, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="follow_ups"
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        help_text=_("The contact it follows up (its desk, queue, agent and wrap-up)."),
    )
    case = models.ForeignKey(
        "contacts.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING
    )
    due_at = models.DateTimeField(_("not before"))
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_on = models.DateField(null=True, blank=True)
    sent_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "sent_on"],
                condition=models.Q(sent_on__isnull=False),
                name="one_follow_up_a_day",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="follow_up_due")]

    def __str__(self) -> str:
        return f"{self.rule.template} → {self.customer_id} ({self.status})"


class Survey(models.Model):
    """A satisfaction survey sent with a follow-up: offered when sent, answered at most once."""

    follow_up = models.OneToOneField(
        FollowUp, primary_key=True, on_delete=models.CASCADE, related_name="survey"
    )
    offered_at = models.DateTimeField(_("offered at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return f"{self.follow_up_id}: {self.score or '—'}"
