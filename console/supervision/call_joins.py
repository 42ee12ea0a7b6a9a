"""A supervisor on an agent's call (monitor, whisper or barge), written down from start to end:
who joined whom, on which call, how, and what the telephony platform was asked to do. Joining
answers the agent's help sign (the agent sees who came), and the caller's record, heard on the
call, is a showing of personal data like any other (console.audit).

Which platform can do what is the telephony connectors' knowledge (console.telephony.joining
asks them and then calls `start_call_join`); here a join is the same whatever the platform.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.agents.help_sign import acknowledge_help_sign
from console.agents.models import Agent
from console.audit.records import record_customer_view
from console.realtime import announce_stats
from console.supervision.models import CallJoin, JoinMode
from contacts.models import Contact


class CallJoinError(Exception):
    """A join that cannot be made or ended; the message (lazy) says why."""


@dataclass(frozen=True)
class PlatformJoin:
    """What a telephony platform was asked to do for a join: its name, and the request as the
    platform's own API names it (empty when it cannot join calls that way: recorded only)."""

    platform: str = ""
    request: dict | None = None


@transaction.atomic
def start_call_join(
    *,
    supervisor,
    agent: Agent,
    contact: Contact | None,
    mode: str,
    platform_join: PlatformJoin,
    at: datetime | None = None,
) -> CallJoin:
    """The supervisor is on the agent's call from now. One join at a time per supervisor: an
    open one (another call, another mode) ends here."""
    if mode not in JoinMode.values:
        raise CallJoinError(_("Join as monitor, whisper or barge."))
    at = at or timezone.now()
    CallJoin.objects.filter(supervisor=supervisor, ended_at__isnull=True).update(ended_at=at)
    help_request = acknowledge_help_sign(agent=agent, by=supervisor, at=at)
    join = CallJoin.objects.create(
        supervisor=supervisor,
        agent=agent,
        contact=contact,
        help_request=help_request,
        mode=mode,
        platform=platform_join.platform,
        platform_request=platform_join.request or {},
        started_at=at,
    )
    if contact is not None and contact.customer_id:
        record_customer_view(
            customer_id=contact.customer_id,
            viewer=supervisor,
            contact_id=contact.pk,
            reason=f"joined the call ({mode})",
        )
    announce_stats()
    return join


@transaction.atomic
def end_call_join(*, join_id: int, supervisor, at: datetime | None = None) -> CallJoin:
    """The supervisor left the call; ending it twice keeps the first end."""
    join = CallJoin.objects.select_for_update().filter(pk=join_id, supervisor=supervisor).first()
    if join is None:
        raise CallJoinError(_("No such join of yours."))
    if join.ended_at is None:
        join.ended_at = at or timezone.now()
        join.save(update_fields=["ended_at"])
        announce_stats()
    return join


def call_join_json(join: CallJoin) -> dict:
    return {
        "id": join.pk,
        "agent": join.agent.user.username,
        "contact_id": str(join.contact_id) if join.contact_id else None,
        "mode": join.mode,
        "platform": join.platform,
        "sent_to_platform": join.sent_to_platform,
        "started_at": join.started_at.isoformat(),
        "ended_at": join.ended_at.isoformat() if join.ended_at else None,
    }
