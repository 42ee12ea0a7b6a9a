"""What the connectors keep: the mapping of each platform's queue and agent ids to ours (set in
the admin), and the latest Amazon Connect contact record of each contact."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from console.agents.models import Agent
from contacts.models import Queue


class Platform(models.TextChoices):
    AMAZON_CONNECT = "amazon_connect", _("Amazon Connect")
    TASKROUTER = "taskrouter", _("Twilio TaskRouter")
    ASTERISK = "asterisk", _("Asterisk")
    CTI_PUSH = "cti_push", _("CTI push (Zammad / sipgate)")


class PlatformQueue(models.Model):
    """A platform's queue (a Connect queue ARN, a TaskQueue SID, an Asterisk queue name) and
    the console queue its calls land in."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    external_id = models.CharField(
        _("id on the platform"),
        max_length=255,
        help_text=_("Queue ARN, TaskQueue SID (WQ…), Asterisk queue name or CTI push queue."),
    )
    queue = models.ForeignKey(
        Queue, on_delete=models.CASCADE, related_name="+", verbose_name=_("queue")
    )

    class Meta:
        verbose_name = _("platform queue")
        verbose_name_plural = _("platform queues")
        ordering = ["platform", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="unique_platform_queue"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.external_id} → {self.queue}"


class PlatformAgent(models.Model):
    """A platform's agent (a Connect agent ARN, a Worker SID, an Asterisk interface or member
    name, a CTI push user) and the console agent who is that person."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    external_id = models.CharField(
        _("id on the platform"),
        max_length=255,
        help_text=_("Agent ARN, Worker SID (WK…), Asterisk interface or CTI push user."),
    )
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="+", verbose_name=_("agent")
    )

    class Meta:
        verbose_name = _("platform agent")
        verbose_name_plural = _("platform agents")
        ordering = ["platform", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="unique_platform_agent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.external_id} → {self.agent}"


class ConnectContactRecord(models.Model):
    """The latest Amazon Connect contact record (CTR) of one contact: records come at least
    once and again when the contact changes, so the one with the newest LastUpdateTimestamp is
    kept. Hold and after-contact work come only in these records."""

    contact_id = models.CharField(_("contact id"), max_length=256, unique=True)
    initial_contact_id = models.CharField(_("initial contact id"), max_length=256)
    last_updated_at = models.DateTimeField(_("last updated at"))
    number_of_holds = models.PositiveIntegerField(_("number of holds"), default=0)
    hold_seconds = models.FloatField(_("hold (s)"), default=0)
    record = models.JSONField(_("record"))
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Amazon Connect contact record")
        verbose_name_plural = _("Amazon Connect contact records")
        ordering = ["-last_updated_at"]

    def __str__(self) -> str:
        return self.contact_id
