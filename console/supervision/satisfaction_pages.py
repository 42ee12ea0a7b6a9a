"""The satisfaction report page, beside the handle-time reports."""

from datetime import timedelta

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from console.roles import requires
from console.supervision.pages import DEFAULT_REPORT_DAYS, DateRangeForm
from console.supervision.satisfaction import GROUPS, satisfaction_report
from contacts.handle_time import tokyo_today


class SatisfactionForm(DateRangeForm):
    group = forms.ChoiceField(label=gettext_lazy("By"), choices=list(GROUPS.items()))


@require_GET
@requires("console.view_contact_reports")
def satisfaction(request):
    today = tokyo_today(timezone.now())
    defaults = {
        "start": (today - timedelta(days=DEFAULT_REPORT_DAYS - 1)).isoformat(),
        "end": today.isoformat(),
        "group": "desk",
    }
    form = SatisfactionForm(
        {**defaults, **{k: request.GET[k] for k in defaults if k in request.GET}}
    )
    if not form.is_valid():
        return render(request, "console/satisfaction.html", {"form": form}, status=400)
    report = satisfaction_report(**form.cleaned_data)
    return render(request, "console/satisfaction.html", {"form": form, "report": report})
