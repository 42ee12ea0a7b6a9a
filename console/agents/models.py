"""Agents: their desk and state, its history, and the messages kept for their browser."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Desk


class AgentState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_CALL = "on_call", _("On a call")
    WRAP_UP = "wrap_up", _("After-call work")
    BREAK = "break", _("On break")
    OFFLINE = "offline", _("Offline")
    # The console's socket has been closed longer than the grace: nobody is at the desk.
    AWAY = "away", _("Away (console closed)")


# States an agent may choose in the browser; the others follow from calls.


CHOSEN_STATES = [AgentState.AVAILABLE, AgentState.BREAK, AgentState.OFFLINE]
# States an agent may queue during a call, taken when its after-call work ends.
NEXT_STATES = [AgentState.BREAK, AgentState.OFFLINE]


class Agent(models.Model):
    """A person who takes calls: the desk they sit on, their skills and their current state.

    `state_since` orders routing (the longest-idle available agent gets the next call);
    `last_seq` is the sequence number of the last message sent to the agent's browser;
    `next_state` is the state the agent asked for once the current call's after-call work ends.
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
    next_state = models.CharField(
        _("state after this call"),
        max_length=16,
        choices=[(state.value, state.label) for state in NEXT_STATES],
        blank=True,
    )
    # Presence: the console's websockets open now (in every process), and when the last one
    # closed. None closed yet means never connected, which routing does not hold against them.
    open_sockets = models.PositiveIntegerField(default=0)
    socket_closed_at = models.DateTimeField(null=True, blank=True)

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


class HelpRequest(models.Model):
    """One raising of an agent's help sign: from the console, until the agent lowers it or a
    supervisor answers by joining. At most one is up per agent; the rows are the history (how
    long agents waited for help, and who came)."""

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="help_requests", verbose_name=_("agent")
    )
    # The call the agent was on when they raised it, if any.
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    lowered_at = models.DateTimeField(_("lowered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"],
                condition=models.Q(lowered_at__isnull=True),
                name="one_raised_help_sign_per_agent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.raised_at:%Y-%m-%d %H:%M:%S}"
