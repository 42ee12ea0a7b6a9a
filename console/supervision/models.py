"""What supervisors read: the live figures kept incrementally for the wallboard, and the rollups
of closed days for the reports."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Desk


class Supervision(models.Model):
    """No table: the supervisors' permissions, which belong to the capability, not to a model."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("supervision")
        permissions = [
            ("view_wallboard", _("Can watch the live wallboard")),
            ("configure_service_level", _("Can set the queues' service-level thresholds")),
            ("view_contact_reports", _("Can read the handle-time reports")),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


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
    Filled only by console.supervision.rollups, which writes a whole day at once; reports add
    these up."""

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


class JoinMode(models.TextChoices):
    """How a supervisor joins an agent's call, in the words the platforms use."""

    MONITOR = "monitor", _("Monitor (listen only)")
    WHISPER = "whisper", _("Whisper (to the agent only)")
    BARGE = "barge", _("Barge (three-way)")


class CallJoin(models.Model):
    """A supervisor on an agent's call: who joined whom, on which call, how, from when to when,
    and what the telephony platform was asked to do (nothing when it cannot: then the join is
    this record only). The audit of supervisors listening in."""

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("supervisor"),
    )
    agent = models.ForeignKey(
        "console.Agent", on_delete=models.PROTECT, related_name="+", verbose_name=_("agent")
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("call"),
    )
    help_request = models.ForeignKey(
        "console.HelpRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mode = models.CharField(_("mode"), max_length=10, choices=JoinMode.choices)
    # The platform's name and the request made of it ({} when it was recorded only).
    platform = models.CharField(_("platform"), max_length=40, blank=True)
    platform_request = models.JSONField(_("request to the platform"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervisor call join")
        verbose_name_plural = _("supervisor call joins")
        ordering = ["-started_at", "-id"]
        permissions = [("join_calls", _("Can join agents' calls (monitor, whisper, barge)"))]

    def __str__(self) -> str:
        return f"{self.supervisor_id} → {self.agent_id} {self.mode} {self.started_at:%H:%M:%S}"

    @property
    def sent_to_platform(self) -> bool:
        return bool(self.platform_request)
