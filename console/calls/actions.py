"""What an agent does to a call from the console: answer, hang up, transfer with a note, wrap up,
pick the caller among candidates. Call-control actions become telephony events of the call's own
source, so they follow exactly the path (and the replay) of events the PBX sends."""

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from console.agents.models import Agent
from console.calls.events import CallEventOutcome, handle_call_event
from console.calls.screen import LIVE_CALL_STATES, refresh_screens
from console.calls.stranded import close_call
from console.follow_ups.rules import plan_after_wrap_up
from console.realtime import send_to_agent
from contacts.call_events import CallEventInput
from contacts.call_outcomes import WrapUpError, name_the_caller, set_wrap_up
from contacts.identity_checks import IdentityCheckError, record_identity_check
from contacts.models import CallEventType, Contact, ContactState, EndReason, Queue
from contacts.notes import add_note
from contacts.representations import identity_check_json, note_json
from customers.queries import current_customer


class AgentActionError(Exception):
    """An action that does not fit the call's state; the message says why."""


def own_contact(*, user, contact_id) -> Contact:
    """An agent acts only on their own contacts."""
    # With what its JSON shows, for the kept 360 documents it changes (wrap-up, identity check).
    related = ("queue", "agent", "wrap_up_code")
    contact = Contact.objects.select_related(*related).filter(pk=contact_id).first()
    if contact is None or contact.agent_id != user.pk:
        raise PermissionDenied("Not your contact.")
    return contact


def _console_event(contact: Contact, type_: str, **fields) -> CallEventOutcome:
    return handle_call_event(
        source=contact.source,
        event=CallEventInput(
            event_id=f"console-{uuid.uuid4().hex}",
            call_id=contact.call_id,
            type=type_,
            at=timezone.now(),
            **fields,
        ),
    )


def answer_call(*, user, contact_id) -> CallEventOutcome:
    contact = own_contact(user=user, contact_id=contact_id)
    if contact.state != ContactState.OFFERED:
        raise AgentActionError(_("Only a ringing call can be answered."))
    return _console_event(contact, CallEventType.ANSWERED)


def hang_up(*, user, contact_id) -> CallEventOutcome:
    contact = own_contact(user=user, contact_id=contact_id)
    if contact.state not in (ContactState.ANSWERED, ContactState.HOLD, ContactState.OFFERED):
        raise AgentActionError(_("The call is not in progress."))
    return _console_event(contact, CallEventType.ENDED)


@transaction.atomic
def close_stranded_call(*, user, contact_id) -> None:
    """The agent ends a call the telephony system never ended (its `ended` was lost): the leg
    is closed with that reason, and the agent goes on to after-call work as after any call."""
    contact = own_contact(user=user, contact_id=contact_id)
    if contact.state not in (ContactState.ANSWERED, ContactState.HOLD, ContactState.OFFERED):
        raise AgentActionError("The call is not in progress.")
    close_call(contact=contact, reason=EndReason.CLOSED_BY_AGENT, end_after_call_work=False)


def toggle_hold(*, user, contact_id) -> CallEventOutcome:
    contact = own_contact(user=user, contact_id=contact_id)
    if contact.state == ContactState.ANSWERED:
        return _console_event(contact, CallEventType.HOLD)
    if contact.state == ContactState.HOLD:
        return _console_event(contact, CallEventType.UNHOLD)
    raise AgentActionError(_("Only a call in progress can be held."))


@transaction.atomic
def transfer_call(
    *, user, contact_id, target_queue: str = "", target_agent: str = "", note: str = ""
) -> CallEventOutcome:
    contact = own_contact(user=user, contact_id=contact_id)
    if contact.state not in (ContactState.ANSWERED, ContactState.HOLD):
        raise AgentActionError(_("Only a call in progress can be transferred."))
    if not (target_queue or target_agent):
        raise AgentActionError(_("Choose a desk or an agent to transfer to."))
    if target_queue and not Queue.objects.filter(name=target_queue).exists():
        raise AgentActionError(_("No such queue."))
    if note.strip():
        add_note(contact=contact, author=user, text=note)
    target = {"target_queue": target_queue} if target_queue else {"target_agent": target_agent}
    return _console_event(contact, CallEventType.TRANSFERRED, **target)


@transaction.atomic
def record_wrap_up(*, user, contact_id, wrap_up_code: str, disposition: str, done: bool) -> Contact:
    """The wrap-up code and disposition of a contact; `done` ends after-call work."""
    contact = own_contact(user=user, contact_id=contact_id)
    try:
        set_wrap_up(
            contact=contact, wrap_up_code=wrap_up_code, disposition=disposition, finishing=done
        )
    except WrapUpError as error:
        raise AgentActionError(str(error)) from error
    if done:
        if contact.state not in (ContactState.ENDED, ContactState.TRANSFERRED):
            raise AgentActionError(_("After-call work starts when the call has ended."))
        _console_event(contact, CallEventType.WRAPUP_DONE, agent=user.get_username())
        plan_after_wrap_up(contact=contact)
    return contact


@transaction.atomic
def write_note(*, user, contact_id, text: str):
    """The note, and every console of the agent lists it (a second tab, a reload)."""
    contact = own_contact(user=user, contact_id=contact_id)
    try:
        note = add_note(contact=contact, author=user, text=text)
    except ValueError as error:
        raise AgentActionError(str(error)) from error
    send_to_agent(
        agent_id=Agent.objects.values_list("pk", flat=True).get(user=user),
        body={"type": "note_saved", "contact_id": str(contact.pk), "note": note_json(note)},
    )
    return note


@transaction.atomic
def check_identity(*, user, contact_id, result: str, confirmed: list[str], reason: str) -> Contact:
    """The identity check, recorded on the call and pushed to the agent's consoles, which show
    the money facts once it has passed."""
    contact = own_contact(user=user, contact_id=contact_id)
    if contact.state not in (*LIVE_CALL_STATES, ContactState.ENDED):
        raise AgentActionError(_("The identity check is recorded during the call."))
    try:
        record_identity_check(
            contact=contact, result=result, confirmed=confirmed, reason=reason, checked_by=user
        )
    except IdentityCheckError as error:
        raise AgentActionError(str(error)) from error
    send_to_agent(
        agent_id=Agent.objects.values_list("pk", flat=True).get(user=user),
        body={
            "type": "identity_check",
            "contact_id": str(contact.pk),
            "identity_check": identity_check_json(contact),
        },
    )
    return contact


@transaction.atomic
def pick_customer(*, user, contact_id, customer_id) -> Contact:
    """The agent names the caller among the candidates: every leg of the call is linked, and who
    picked is kept. Only on a live leg: after a transfer, the caller is the next agent's to name."""
    contact = own_contact(user=user, contact_id=contact_id)
    if contact.state not in (ContactState.OFFERED, ContactState.ANSWERED, ContactState.HOLD):
        raise AgentActionError(_("The caller can be named only while the call is yours and live."))
    customer = current_customer(customer_id)
    if customer is None:
        raise AgentActionError(_("No such customer."))
    name_the_caller(contact=contact, customer=customer, picked_by=user)
    refresh_screens(customer_ids=[customer.pk])
    return contact
