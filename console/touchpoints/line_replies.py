"""What customers write back on LINE: the Messaging API's webhook, its signature checked with the
SDK (HMAC-SHA256 of the body with the channel secret), each text message an inbound touchpoint
of the customer whose LINE user id agreed to our messages."""

from datetime import UTC, datetime

from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhooks import MessageEvent, TextMessageContent, UserSource

from console.follow_ups.models import ChannelConsent, FollowUpChannel
from console.touchpoints.interactions import (
    InteractionInput,
    InteractionOutcome,
    record_interactions,
)
from contacts.models import Channel, Direction
from customers.references import CustomerReference

LINE_SOURCE = "line"


class LineSignatureMismatch(Exception):
    """The X-Line-Signature is missing or was not made with our channel secret."""


class NotALineWebhook(Exception):
    """A correctly signed body that is not a LINE webhook."""


def line_events(*, body: str, signature: str, channel_secret: str) -> list:
    try:
        return WebhookParser(channel_secret).parse(body, signature)
    except InvalidSignatureError as error:
        raise LineSignatureMismatch("The X-Line-Signature does not match this body.") from error
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise NotALineWebhook("This is not a LINE webhook body.") from error


def record_line_replies(*, events: list) -> list[InteractionOutcome]:
    """Text messages from users become touchpoints; other events (follows, stickers, a
    redelivery already stored) change nothing new."""
    texts = [
        event
        for event in events
        if isinstance(event, MessageEvent)
        and isinstance(event.message, TextMessageContent)
        and isinstance(event.source, UserSource)
    ]
    if not texts:
        return []
    customers = dict(
        ChannelConsent.objects.filter(
            channel=FollowUpChannel.LINE, address__in={e.source.user_id for e in texts}
        ).values_list("address", "customer_id")
    )
    return record_interactions(
        interactions=[
            InteractionInput(
                source=LINE_SOURCE,
                external_id=event.webhook_event_id,
                channel=Channel.LINE,
                direction=Direction.INBOUND,
                occurred_at=datetime.fromtimestamp(event.timestamp / 1000, tz=UTC),
                subject=event.message.text[:200] or "LINE",
                body=event.message.text[:4000],
                customer=_reference(event.source.user_id, customers),
            )
            for event in {e.webhook_event_id: e for e in texts}.values()
        ]
    )


def _reference(user_id: str, customers: dict) -> CustomerReference:
    if user_id in customers:
        return CustomerReference(customer_id=str(customers[user_id]))
    # Nobody agreed under this user id: a steward sees the id, or a LINE source record names it.
    return CustomerReference(system=LINE_SOURCE, external_id=user_id)
