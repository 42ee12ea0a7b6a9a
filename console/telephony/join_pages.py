"""The seat map's join and leave buttons: a supervisor joins an agent's call (monitor, whisper,
barge) or leaves it. JSON in the API's one error format; a refused request stores nothing."""

from django import forms
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.integrations.errors import error_body
from console.roles import requires
from console.supervision.call_joins import CallJoinError, call_join_json, end_call_join
from console.supervision.models import JoinMode
from console.telephony.joining import join_agent_call


class JoinForm(forms.Form):
    agent = forms.CharField(max_length=150)
    mode = forms.ChoiceField(choices=JoinMode.choices)


def _refused(message: str, *, fields: dict | None = None, status: int = 400) -> JsonResponse:
    return JsonResponse(
        error_body(
            code="invalid" if status == 400 else "not_found", message=message, fields=fields
        ),
        status=status,
    )


def _answer(join) -> JsonResponse:
    message = (
        _("Joined: the phone system was asked to connect you.")
        if join.sent_to_platform
        else _("Joined: recorded only (this call's phone system cannot connect a supervisor).")
    )
    return JsonResponse({"join": call_join_json(join), "message": message})


@require_POST
@requires("console.join_calls")
def join_call(request):
    form = JoinForm(request.POST)
    if not form.is_valid():
        return _refused(_("Name an agent and a mode."), fields=form.errors.get_json_data())
    try:
        join = join_agent_call(
            supervisor=request.user,
            agent_username=form.cleaned_data["agent"],
            mode=form.cleaned_data["mode"],
        )
    except CallJoinError as error:
        return _refused(str(error))
    return _answer(join)


@require_POST
@requires("console.join_calls")
def leave_call(request, join_id: int):
    try:
        join = end_call_join(join_id=join_id, supervisor=request.user)
    except CallJoinError as error:
        return _refused(str(error), status=404)
    return JsonResponse({"join": call_join_json(join)})
