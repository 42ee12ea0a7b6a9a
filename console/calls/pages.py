"""The agent console page and the actions it posts, one view per action. Each view reads its form,
calls one function of console.calls.actions and answers JSON: `{"ok": true}`, or the API's one
error format with 400 or 403 (the page updates itself from the websocket)."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from console.agents.help_sign import help_sign_message, raised_help_request
from console.agents.models import Agent
from console.calls import actions
from console.calls.actions import AgentActionError
from console.calls.directory import transfer_directory
from console.calls.next_best_actions import code_words
from console.calls.screen import audited_screen_pop, call_times
from console.calls.shortcuts import CONSOLE_SHORTCUTS, shortcut_hints, shortcuts_json
from console.integrations.errors import error_body
from console.labels import script_labels
from console.roles import requires
from contacts.desk_policies import desk_policy
from contacts.models import (
    Contact,
    ContactState,
    IdentityCheckResult,
    IdentityQuestion,
    Queue,
    WrapUpCode,
)
from contacts.representations import note_json

LIVE_STATES = [ContactState.OFFERED, ContactState.ANSWERED, ContactState.HOLD, ContactState.ENDED]
# The contact the console shows: a call in progress or in after-call work. A leg the agent
# transferred keeps its state after the wrap-up, so only its missing wrap-up time says it is open.
OPEN_CONTACT = Q(state__in=LIVE_STATES) | Q(
    state=ContactState.TRANSFERRED, wrapped_up_at__isnull=True
)


agent_only = requires("console.use_agent_console")


def _labels(queues) -> dict:
    """Words the page's script shows, in the person's language."""
    return {
        **script_labels(),
        "queues": {queue.name: str(queue) for queue in queues},
        "wrap_up_codes": {code.code: str(code) for code in WrapUpCode.objects.all()},
        "online": _("Connected"),
        "offline": _("Connection lost — reconnecting…"),
        "not_connected": _(
            "Not connected: nothing was sent. Try again once the connection is back."
        ),
        # "{state}" is filled in by the script.
        "next_state": _("After this call: {state}"),
        "help_raise": _("Ask for help"),
        "help_lower": _("Lower the help sign"),
        "help_raised": _("Help sign up: the supervisors have been alerted."),
        # "{name}" is filled in by the script.
        "help_acknowledged": _("{name} is joining your call: help acknowledged."),
        "requeued": _("The call went back to the queue: your console was closed too long."),
        "unknown_caller": _("Unknown caller"),
        "pop_placeholder": _("The caller's context appears here when a call is offered."),
        "candidates": _("Who may be calling"),
        "pick": _("This is the caller"),
        # "{keys}" is filled in here: the search box's shortcut.
        "search_hint": _(
            "Not among them? Find the caller with the customer search ({keys})."
        ).format(keys=shortcut_hints()["search"]),
        # "{queue}", "{desk}", "{waiting}", "{wait}", "{name}", "{state}": filled in by the script.
        "directory_queue": _("{queue} ({desk}) — {waiting} waiting, expected wait {wait}"),
        "directory_agent": _("{name} ({desk}) — {state}"),
        "hold": _("Hold"),
        "resume": _("Resume"),
        "alerts": _("Alerts"),
        "actions": _("Next best actions"),
        "accounts": _("Accounts"),
        "open_cases": _("Open cases"),
        "recent_contacts": _("Recent contacts"),
        "match": _("Why these records are one customer"),
        "transfer_notes": _("Notes from the previous agent"),
        "open_customer": _("Open the customer page"),
        "none": _("None"),
        "no_notes": _("No notes saved yet."),
        # "{age}" is filled in by the script.
        "age": _("{age} years old"),
        "identity_check": _("Identity check"),
        "identity_questions": {code: str(label) for code, label in IdentityQuestion.choices},
        "identity_results": {code: str(label) for code, label in IdentityCheckResult.choices},
        "identity_actions": {
            "passed": _("Confirmed"),
            "failed": _("Not confirmed"),
            "skipped": _("Skip (say why)"),
        },
        "identity_skip_reason": _("Why the check is skipped"),
        "money_facts": _("Balances and payments"),
        "money_locked": _("Shown once the identity check has passed."),
        "balance": _("Balance"),
        "credit_limit": _("Limit"),
        "next_due": _("Next payment"),
        "past_due": _("Past due"),
        # "{days}" is filled in by the script.
        "days_past_due": _("{days} days past due"),
        "codes": code_words(),
    }


@require_GET
@agent_only
def agent_console(request):
    agent = Agent.objects.select_related("user").filter(user=request.user).first()
    if agent is None:
        raise PermissionDenied("No agent profile.")
    current = (
        Contact.objects.select_related("queue")
        .filter(OPEN_CONTACT, agent=request.user)
        .order_by("-offered_at")
        .first()
    )
    shift_contacts = _shift_contacts(request.user)
    queues = list(Queue.objects.all())
    page_state = {
        "server_now": timezone.now().isoformat(),
        "agent_state": agent.state,
        "next_state": agent.next_state or None,
        "last_seq": agent.last_seq,
        "help_sign": help_sign_message(agent=agent, request=raised_help_request(agent=agent)),
        "current": audited_screen_pop(current, reason="console reload") if current else None,
        "current_state": current.state if current else None,
        "current_times": call_times(current) if current else None,
        "notes": [note_json(note) for note in current.notes.select_related("author")]
        if current
        else [],
        "labels": _labels(queues),
        "shortcuts": shortcuts_json(),
    }
    return render(
        request,
        "console/agent.html",
        {
            "agent": agent,
            "page_state": page_state,
            "queues": queues,
            "wrap_up_codes": WrapUpCode.objects.filter(desk=agent.desk),
            "wrap_up_code_required": desk_policy(agent.desk).wrap_up_code_required,
            "shift_contacts": shift_contacts,
            "shortcuts": CONSOLE_SHORTCUTS,
            "shortcut_hints": shortcut_hints(),
        },
    )


def _shift_contacts(user):
    return (
        Contact.objects.select_related("queue", "customer", "wrap_up_code")
        .filter(agent=user, offered_at__date=timezone.localdate())
        .order_by("-offered_at")[:50]
    )


@require_GET
@agent_only
def shift_contacts(request):
    """The shift's list again, which the console fetches whenever one of its calls changes."""
    return render(
        request,
        "console/_shift_contacts.html",
        {"shift_contacts": _shift_contacts(request.user)},
    )


@require_GET
@agent_only
def directory(request):
    """Desks with their waits and agents with their live states, which the console's transfer
    box fetches while a call can be transferred."""
    return JsonResponse(transfer_directory(viewer=request.user, now=timezone.now()))


class TransferForm(forms.Form):
    target_queue = forms.SlugField(required=False, max_length=40)
    target_agent = forms.CharField(required=False, max_length=150)
    note = forms.CharField(required=False, max_length=4000)


class WrapUpForm(forms.Form):
    wrap_up_code = forms.SlugField(required=False, max_length=40)
    disposition = forms.CharField(required=False, max_length=200)
    done = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    text = forms.CharField(max_length=4000)


class IdentityCheckForm(forms.Form):
    result = forms.ChoiceField(choices=IdentityCheckResult.choices)
    confirmed = forms.MultipleChoiceField(choices=IdentityQuestion.choices, required=False)
    reason = forms.CharField(required=False, max_length=200)


class PickForm(forms.Form):
    customer_id = forms.UUIDField()


def _answer(action) -> JsonResponse:
    """Run one agent action; its refusal becomes a clear 400/403 in the one error format."""
    try:
        action()
    except AgentActionError as error:
        return JsonResponse(error_body(code="refused", message=str(error)), status=400)
    except PermissionDenied:
        return JsonResponse(
            error_body(code="forbidden", message=_("Not your contact.")), status=403
        )
    return JsonResponse({"ok": True})


def _invalid(form: forms.Form) -> JsonResponse:
    fields = {
        name: [str(message) for message in messages] for name, messages in form.errors.items()
    }
    return JsonResponse(
        error_body(code="invalid", message=_("Check the form."), fields=fields), status=400
    )


def _simple_action(action):
    @require_POST
    @agent_only
    def view(request, contact_id):
        return _answer(lambda: action(user=request.user, contact_id=contact_id))

    return view


def _form_action(form_class, action):
    @require_POST
    @agent_only
    def view(request, contact_id):
        form = form_class(request.POST)
        if not form.is_valid():
            return _invalid(form)
        return _answer(
            lambda: action(user=request.user, contact_id=contact_id, **form.cleaned_data)
        )

    return view


answer_call = _simple_action(actions.answer_call)
toggle_hold = _simple_action(actions.toggle_hold)
hang_up = _simple_action(actions.hang_up)
close_stranded_call = _simple_action(actions.close_stranded_call)
transfer_call = _form_action(TransferForm, actions.transfer_call)
record_wrap_up = _form_action(WrapUpForm, actions.record_wrap_up)
write_note = _form_action(NoteForm, actions.write_note)
pick_customer = _form_action(PickForm, actions.pick_customer)
check_identity = _form_action(IdentityCheckForm, actions.check_identity)

# The URL's last part for each action (console.urls).
CONTACT_ACTIONS = {
    "answer": answer_call,
    "hold": toggle_hold,
    "hang-up": hang_up,
    "close-stranded": close_stranded_call,
    "transfer": transfer_call,
    "wrap-up": record_wrap_up,
    "note": write_note,
    "pick": pick_customer,
    "identity-check": check_identity,
}
