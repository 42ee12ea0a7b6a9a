"""The help sign: an agent raises it from the console (a button, a shortcut), which lights their
tile on the supervisors' seat map and alerts every supervisor's page at once; it comes down when
the agent lowers it, or when a supervisor answers by joining the call (acknowledged, with who
came). Each change is told to the agent's own browser (stored with its seq, so a reconnecting tab
sees it) and rung to the supervisors straight away, not at the wallboard's next turn.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from console.agents.models import Agent, HelpRequest
from console.realtime import alert_supervisors_on_commit, send_to_agent
from console.roles import display_name
from contacts.models import LIVE_CONTACT_STATES, Contact, ContactState


def agent_current_call(*, agent: Agent) -> Contact | None:
    """The call the agent is on now: live, or ended and still in after-call work."""
    return (
        Contact.objects.filter(agent_id=agent.user_id, wrapped_up_at__isnull=True)
        .filter(state__in=[*LIVE_CONTACT_STATES, ContactState.ENDED])
        .exclude(state=ContactState.WAITING)
        .select_related("queue", "agent")
        .order_by("-offered_at")
        .first()
    )


def raised_help_request(*, agent: Agent) -> HelpRequest | None:
    return HelpRequest.objects.filter(agent=agent, lowered_at__isnull=True).first()


def help_sign_message(*, agent: Agent, request: HelpRequest | None) -> dict:
    """The agent's own view of their sign: up (since when), or down, and who acknowledged the
    last one."""
    acknowledged_by = None
    if request is not None and request.acknowledged_by_id:
        person = request.acknowledged_by
        acknowledged_by = display_name(
            username=person.username, last_name=person.last_name, first_name=person.first_name
        )
    return {
        "type": "help_sign",
        "raised": request is not None and request.lowered_at is None,
        "raised_at": request.raised_at.isoformat() if request else None,
        "acknowledged_by": acknowledged_by,
    }


def _supervisor_alert(*, agent: Agent, request: HelpRequest) -> dict:
    return {
        "type": "help_sign",
        "agent": agent.user.username,
        "raised": request.lowered_at is None,
        "raised_at": request.raised_at.isoformat(),
        "acknowledged": request.acknowledged_at is not None,
    }


def _tell(agent: Agent, request: HelpRequest) -> None:
    send_to_agent(agent_id=agent.pk, body=help_sign_message(agent=agent, request=request))
    alert_supervisors_on_commit(message=_supervisor_alert(agent=agent, request=request))


@transaction.atomic
def raise_help_sign(*, agent: Agent, at: datetime | None = None) -> HelpRequest:
    """Up, with the call the agent is on; raising it again while it is up changes nothing."""
    Agent.objects.select_for_update().filter(pk=agent.pk).first()  # two raisings take turns
    request = raised_help_request(agent=agent)
    if request is not None:
        return request
    call = agent_current_call(agent=agent)
    request = HelpRequest.objects.create(agent=agent, contact=call, raised_at=at or timezone.now())
    _tell(agent, request)
    return request


@transaction.atomic
def lower_help_sign(*, agent: Agent, at: datetime | None = None) -> HelpRequest | None:
    """Down, by the agent; None when it was not up."""
    request = (
        HelpRequest.objects.select_for_update().filter(agent=agent, lowered_at__isnull=True).first()
    )
    if request is None:
        return None
    request.lowered_at = at or timezone.now()
    request.save(update_fields=["lowered_at"])
    _tell(agent, request)
    return request


@transaction.atomic
def acknowledge_help_sign(*, agent: Agent, by, at: datetime | None = None) -> HelpRequest | None:
    """A supervisor came (joined the call): the sign comes down, and the agent sees who came.
    None when it was not up: a supervisor may join a call nobody asked them to."""
    request = (
        HelpRequest.objects.select_for_update().filter(agent=agent, lowered_at__isnull=True).first()
    )
    if request is None:
        return None
    at = at or timezone.now()
    request.acknowledged_at, request.acknowledged_by, request.lowered_at = at, by, at
    request.save(update_fields=["acknowledged_at", "acknowledged_by", "lowered_at"])
    _tell(agent, request)
    return request
