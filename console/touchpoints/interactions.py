"""Interactions from other channels, single or a thousand at a time: each names its customer as
ATM incidents do, is stored once per (source, external_id) as a contact on the timeline, and
refreshes the screen of an agent talking to that customer right now. One that names a customer
nobody could be found for waits for a steward."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from console.calls.screen import refresh_screens
from console.follow_ups.sending import customers_of_follow_ups, record_bounces
from contacts.models import Touchpoint
from contacts.touchpoints import (
    RecordedTouchpoint,
    TouchpointRecord,
    assign_touchpoint_customer,
    record_touchpoints,
)
from customers.queries import current_customer
from customers.references import CustomerReference, customer_ids_by_references


@dataclass(frozen=True)
class InteractionInput:
    source: str
    external_id: str
    channel: str
    direction: str
    occurred_at: datetime
    subject: str
    body: str = ""
    desk: str = ""
    customer: CustomerReference = field(default_factory=CustomerReference)
    # The follow-up this answers or bounces (its id, as in the mail's Message-ID); it names the
    # customer when the sender knows only the message.
    in_reply_to: str = ""
    bounced: bool = False


@dataclass(frozen=True)
class InteractionOutcome:
    recorded: RecordedTouchpoint

    @property
    def created(self) -> bool:
        return self.recorded.created

    def as_json(self) -> dict:
        recorded = self.recorded
        return {
            "source": recorded.source,
            "external_id": recorded.external_id,
            "contact_id": str(recorded.contact_id),
            "customer_id": str(recorded.customer_id) if recorded.customer_id else None,
            "created": recorded.created,
        }


@transaction.atomic
def record_interactions(*, interactions: list[InteractionInput]) -> list[InteractionOutcome]:
    """The keys (source, external_id) must be distinct; the API refuses a batch that repeats one."""
    replies = [i.in_reply_to for i in interactions if i.in_reply_to]
    recipients = customers_of_follow_ups(replies) if replies else {}
    references = [
        interaction.customer
        or CustomerReference(customer_id=recipients.get(interaction.in_reply_to, ""))
        for interaction in interactions
    ]
    customer_ids = customer_ids_by_references(references)
    recorded = record_touchpoints(
        records=[
            TouchpointRecord(
                source=interaction.source,
                external_id=interaction.external_id,
                channel=interaction.channel,
                direction=interaction.direction,
                occurred_at=interaction.occurred_at,
                subject=interaction.subject,
                body=interaction.body,
                desk=interaction.desk,
                customer_id=customer_id,
                unresolved_reference={} if customer_id else _as_sent(interaction),
            )
            for interaction, customer_id in zip(interactions, customer_ids, strict=True)
        ]
    )
    bounced = [i.in_reply_to for i in interactions if i.bounced and i.in_reply_to]
    if bounced:
        record_bounces(follow_up_ids=bounced)
    refresh_screens(customer_ids={outcome.customer_id for outcome in recorded if outcome.created})
    return [InteractionOutcome(recorded=outcome) for outcome in recorded]


def _as_sent(interaction: InteractionInput) -> dict:
    """How the sender named the customer, for a steward to read."""
    sent = interaction.customer.as_json()
    if interaction.in_reply_to:
        sent["in_reply_to"] = interaction.in_reply_to
    return sent


def record_interaction(*, interaction: InteractionInput) -> InteractionOutcome:
    return record_interactions(interactions=[interaction])[0]


@transaction.atomic
def give_touchpoint_a_customer(*, contact_id, customer_id) -> Touchpoint:
    touchpoint = Touchpoint.objects.select_for_update().select_related("contact").get(pk=contact_id)
    customer = current_customer(customer_id)
    if customer is None:
        raise ValueError("No such customer.")
    assign_touchpoint_customer(touchpoint=touchpoint, customer=customer)
    refresh_screens(customer_ids=[customer.pk])
    return touchpoint
