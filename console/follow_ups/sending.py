"""Sending one follow-up, safe to run twice or on two workers at once: the row is locked and its
status read first, so a sent message is never sent again. Consent is checked at the moment of
sending (an opt-out since planning wins); quiet hours and the one-a-day rule move `due_at` on
instead of sending, and the beat task (`send_due_follow_ups`) picks it up then — no countdowns,
which the Redis broker would deliver again after its visibility timeout."""

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

import urllib3
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    TextMessage,
)

from console.follow_ups.models import (
    ChannelConsent,
    FollowUp,
    FollowUpChannel,
    FollowUpStatus,
    Survey,
)
from console.follow_ups.quiet_hours import next_allowed_moment, next_morning
from console.follow_ups.surveys import survey_url
from console.follow_ups.templates import RenderedMessage, TemplateError, render_message
from contacts.handle_time import tokyo_today
from contacts.models import Direction
from contacts.touchpoints import TouchpointRecord, record_touchpoints

# The timeline's source of what the console itself sent.
FOLLOW_UP_SOURCE = "follow_up"
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=10)


class DeliveryError(Exception):
    """The mail server or LINE refused or could not be reached; the message says which."""


@dataclass(frozen=True)
class Outcome:
    status: str  # sent, not_sent, quiet_hours, one_a_day, not_due, retry, failed, already_<s>
    due_at: datetime | None = None


@transaction.atomic
def send_follow_up(*, follow_up_id, now: datetime | None = None) -> Outcome:
    now = now or timezone.now()
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("rule__template", "customer", "contact__wrap_up_code", "case")
        .filter(pk=follow_up_id)
        .first()
    )
    if follow_up is None:
        return Outcome("missing")
    if follow_up.status != FollowUpStatus.PENDING:
        return Outcome(f"already_{follow_up.status}")
    if follow_up.due_at > now:
        return Outcome("not_due", follow_up.due_at)
    channel = follow_up.rule.channel
    consent = ChannelConsent.objects.filter(
        customer_id=follow_up.customer_id, channel=channel
    ).first()
    if consent is None or not consent.opted_in:
        _finish(follow_up, FollowUpStatus.NOT_SENT, error="no consent on this channel")
        return Outcome("not_sent")
    allowed = next_allowed_moment(now)
    if allowed > now:
        return _postpone(follow_up, "quiet_hours", allowed)
    today = tokyo_today(now)
    if FollowUp.objects.filter(customer_id=follow_up.customer_id, sent_on=today).exists():
        return _postpone(follow_up, "one_a_day", next_morning(now))
    try:
        message = render_message(
            template=follow_up.rule.template,
            language=consent.language,
            context=_context(follow_up),
        )
    except TemplateError as error:
        _finish(follow_up, FollowUpStatus.FAILED, error=f"template: {error}")
        return Outcome("failed")
    follow_up.status, follow_up.sent_at, follow_up.sent_on = FollowUpStatus.SENT, now, today
    follow_up.attempts += 1
    try:
        with transaction.atomic():
            follow_up.save(update_fields=["status", "sent_at", "sent_on", "attempts"])
    except IntegrityError:  # another follow-up of this customer went out today a moment ago
        follow_up.status, follow_up.sent_at, follow_up.sent_on = FollowUpStatus.PENDING, None, None
        return _postpone(follow_up, "one_a_day", next_morning(now))
    try:
        _deliver(channel=channel, address=consent.address, message=message, follow_up=follow_up)
    except DeliveryError as error:
        return _failed_attempt(follow_up, now, str(error))
    _record_on_timeline(follow_up, channel=channel, message=message, now=now)
    if follow_up.rule.template.is_survey:
        Survey.objects.get_or_create(follow_up=follow_up, defaults={"offered_at": now})
    return Outcome("sent")


def due_follow_up_ids(*, now: datetime, limit: int = 500) -> list:
    return list(
        FollowUp.objects.filter(status=FollowUpStatus.PENDING, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )


def record_bounces(*, follow_up_ids) -> int:
    """Messages the mail system or LINE could not deliver after all."""
    return FollowUp.objects.filter(pk__in=follow_up_ids, status=FollowUpStatus.SENT).update(
        status=FollowUpStatus.BOUNCED
    )


def customers_of_follow_ups(follow_up_ids) -> dict:
    """Whom each message was sent to, for a reply or bounce that names only the message."""
    return {
        str(pk): str(customer_id)
        for pk, customer_id in FollowUp.objects.filter(pk__in=follow_up_ids).values_list(
            "pk", "customer_id"
        )
    }


def _context(follow_up: FollowUp) -> dict:
    contact, case = follow_up.contact, follow_up.case
    return {
        "customer_name": follow_up.customer.name,
        "case_subject": case.subject if case else "",
        "wrap_up": contact.wrap_up_code.label if contact and contact.wrap_up_code else "",
        "disposition": contact.disposition if contact else "",
        "survey_url": survey_url(follow_up) if follow_up.rule.template.is_survey else "",
    }


def _postpone(follow_up: FollowUp, status: str, until: datetime) -> Outcome:
    follow_up.due_at = until
    follow_up.save(update_fields=["due_at"])
    return Outcome(status, until)


def _finish(follow_up: FollowUp, status: str, *, error: str = "") -> None:
    follow_up.status, follow_up.last_error = status, error[:500]
    follow_up.save(update_fields=["status", "last_error"])


def _failed_attempt(follow_up: FollowUp, now: datetime, error: str) -> Outcome:
    """Not sent after all: it goes back to waiting (or gives up after MAX_ATTEMPTS)."""
    follow_up.sent_at = follow_up.sent_on = None
    follow_up.last_error = error[:500]
    if follow_up.attempts >= MAX_ATTEMPTS:
        follow_up.status = FollowUpStatus.FAILED
    else:
        follow_up.status, follow_up.due_at = FollowUpStatus.PENDING, now + RETRY_AFTER
    follow_up.save(
        update_fields=["status", "sent_at", "sent_on", "last_error", "due_at", "attempts"]
    )
    return Outcome("failed" if follow_up.status == FollowUpStatus.FAILED else "retry")


def _deliver(*, channel: str, address: str, message: RenderedMessage, follow_up) -> None:
    if channel == FollowUpChannel.EMAIL:
        _send_mail(address=address, message=message, follow_up=follow_up)
    else:
        _push_line(user_id=address, message=message, follow_up=follow_up)


def message_id(follow_up: FollowUp) -> str:
    """The e-mail's Message-ID: a bounce or a reply names it, and through it the follow-up."""
    return f"<follow-up-{follow_up.pk}@{settings.FOLLOW_UP_MAIL_DOMAIN}>"


def _send_mail(*, address: str, message: RenderedMessage, follow_up: FollowUp) -> None:
    mail = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Message-ID": message_id(follow_up)},
    )
    try:
        mail.send()
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"mail: {error}") from error


def _push_line(*, user_id: str, message: RenderedMessage, follow_up: FollowUp) -> None:
    """The Messaging API's push, through the SDK. The retry key is the follow-up's id, so LINE
    itself drops a push repeated after a lost answer."""
    if not settings.LINE_CHANNEL_ACCESS_TOKEN:
        raise DeliveryError("LINE: no channel access token is configured")
    configuration = Configuration(
        host=settings.LINE_API_HOST, access_token=settings.LINE_CHANNEL_ACCESS_TOKEN
    )
    request = PushMessageRequest(
        to=user_id, messages=[TextMessage(text=f"{message.subject}\n\n{message.body}")]
    )
    try:
        with ApiClient(configuration) as client:
            MessagingApi(client).push_message(request, x_line_retry_key=str(follow_up.pk))
    except ApiException as error:
        if error.status == 409:  # this retry key was accepted before: it was sent
            return
        raise DeliveryError(f"LINE: {error.status} {error.reason}") from error
    except (OSError, urllib3.exceptions.HTTPError) as error:
        raise DeliveryError(f"LINE: {error}") from error


def _record_on_timeline(follow_up: FollowUp, *, channel: str, message, now) -> None:
    recorded = record_touchpoints(
        records=[
            TouchpointRecord(
                source=FOLLOW_UP_SOURCE,
                external_id=str(follow_up.pk),
                channel=channel,
                direction=Direction.OUTBOUND,
                occurred_at=now,
                subject=message.subject[:200],
                body=message.body[:4000],
                desk=follow_up.rule.desk,
                customer_id=follow_up.customer_id,
            )
        ]
    )
    follow_up.sent_contact_id = recorded[0].contact_id
    follow_up.save(update_fields=["sent_contact"])
