"""The contacts room's codes: desks, channels, a contact's states, telephony event types, why
the console ended a contact, case kinds and statuses. Apart from the models so that pure modules
(handle_time) can use them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Desk(models.TextChoices):
    CONTACT_CENTER = "contact_center", _("Contact center")
    SERVICE_CENTER = "service_center", _("Service center")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    ATM = "atm", _("ATM")
    TICKET = "ticket", _("Ticket")
    CHAT = "chat", _("Chat")
    MAIL = "mail", _("Mail")
    WEB = "web", _("Web member page")
    APP = "app", _("App")
    BRANCH = "branch", _("Branch counter")
    LINE = "line", _("LINE")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


# What other channels record through the touchpoints API (contacts.touchpoints).
TOUCHPOINT_CHANNELS = [
    Channel.WEB,
    Channel.APP,
    Channel.BRANCH,
    Channel.LINE,
    Channel.EMAIL,
    Channel.SMS,
    Channel.CHAT,
]
TOUCHPOINT_CHANNEL_CHOICES = [(channel.value, channel.label) for channel in TOUCHPOINT_CHANNELS]


class Direction(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    OUTBOUND = "outbound", _("To the customer")


class ContactState(models.TextChoices):
    WAITING = "waiting", _("Waiting for an agent")
    OFFERED = "offered", _("Ringing")
    ANSWERED = "answered", _("Talking")
    HOLD = "hold", _("On hold")
    TRANSFERRED = "transferred", _("Transferred")
    ENDED = "ended", _("After-call work")
    WRAPPED_UP = "wrapped_up", _("Done")
    ABANDONED = "abandoned", _("Abandoned")


# A contact whose call is still going on: waiting, ringing, talked on or held.
LIVE_CONTACT_STATES = [
    ContactState.WAITING,
    ContactState.OFFERED,
    ContactState.ANSWERED,
    ContactState.HOLD,
]


class EndReason(models.TextChoices):
    """Why the console, not the telephony system, ended a contact (blank: the system did)."""

    SILENT = "silent", _("Closed after no call events for too long")
    CLOSED_BY_AGENT = "closed_by_agent", _("Closed by the agent: the phone system never ended it")


class CallEventType(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ANSWERED = "answered", _("Answered")
    HOLD = "hold", _("Hold")
    UNHOLD = "unhold", _("Unhold")
    TRANSFERRED = "transferred", _("Transferred")
    ENDED = "ended", _("Ended")
    WRAPUP_DONE = "wrapup_done", _("Wrap-up done")


class CaseKind(models.TextChoices):
    LOAN_APPLICATION = "loan_application", _("Loan application")
    REPAYMENT_CONSULTATION = "repayment_consultation", _("Repayment consultation")
    LIMIT_INCREASE = "limit_increase", _("Credit-limit increase")
    CARD_RETAINED = "card_retained", _("Card retained at ATM")
    CASH_NOT_DISPENSED = "cash_not_dispensed", _("Cash not dispensed")
    DEPOSIT_MISMATCH = "deposit_mismatch", _("Deposit mismatch")
    DEVICE_ERROR = "device_error", _("ATM device error")
    CARD_REISSUE = "card_reissue", _("Card reissue")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_CASE_STATUSES = [CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CUSTOMER]
