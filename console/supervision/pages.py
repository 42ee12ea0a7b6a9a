"""Supervisor pages: the live wallboard, the handle-time reports with their CSV downloads, the
before/after comparison and the queues' service-level thresholds. Each view reads its input
through a form, calls one function of console.supervision.reports / .wallboard / .rollups and
renders; bad input is answered 400 with the form's errors."""

import csv
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console.roles import requires
from console.supervision.reports import (
    COLUMNS,
    Side,
    compare,
    contact_report,
    figure_cells,
    figures_json,
)
from console.supervision.tasks import roll_up_days_task
from console.supervision.wallboard import wallboard_snapshot
from contacts.handle_time import tokyo_today
from contacts.models import Desk, Queue
from contacts.queues import (
    SERVICE_LEVEL_SECONDS_RANGE,
    QueueSettingError,
    set_service_level_thresholds,
)

ROWS_PER_PAGE = 250
# A report by day or for the whole range may span three years; hour by hour, a month.
MAX_RANGE_DAYS = 3 * 366
MAX_HOURLY_RANGE_DAYS = 31
# Rolling up again on request is bounded: beat keeps the rest current.
MAX_ROLL_UP_DAYS = 92
DEFAULT_REPORT_DAYS = 7
DEFAULT_COMPARISON_DAYS = 30


def _today() -> date:
    return tokyo_today(timezone.now())


DESK_CHOICES = [("", gettext_lazy("Both desks")), *Desk.choices]


class DateRangeForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"))
    end = forms.DateField(label=gettext_lazy("To"))
    max_days = MAX_RANGE_DAYS

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The range must start on or before its end."))
            if (end - start).days + 1 > self.max_days:
                raise forms.ValidationError(
                    _("A range of at most %(days)d days, please.") % {"days": self.max_days}
                )
        return cleaned


class ReportForm(DateRangeForm):
    group = forms.ChoiceField(
        label=gettext_lazy("By"),
        choices=[
            ("desk", gettext_lazy("Desk")),
            ("queue", gettext_lazy("Queue")),
            ("agent", gettext_lazy("Agent")),
            ("all", gettext_lazy("All together")),
        ],
    )
    period = forms.ChoiceField(
        label=gettext_lazy("And"),
        choices=[
            ("day", gettext_lazy("Day")),
            ("hour", gettext_lazy("Hour")),
            ("range", gettext_lazy("Whole range")),
        ],
    )
    desk = forms.ChoiceField(label=gettext_lazy("Desk"), choices=DESK_CHOICES, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        hourly = cleaned.get("period") == "hour"
        if hourly and start and end and (end - start).days + 1 > MAX_HOURLY_RANGE_DAYS:
            raise forms.ValidationError(
                _("Hour by hour, a range of at most %(days)d days, please.")
                % {"days": MAX_HOURLY_RANGE_DAYS}
            )
        return cleaned

    def query(self) -> str:
        fields = ("start", "end", "group", "period", "desk")
        return urlencode({name: self.data.get(name, "") for name in fields})


def _report_form(data) -> ReportForm:
    today = _today()
    defaults = {
        "start": (today - timedelta(days=DEFAULT_REPORT_DAYS - 1)).isoformat(),
        "end": today.isoformat(),
        "group": "desk",
        "period": "day",
        "desk": "",
    }
    return ReportForm({**defaults, **{key: data.get(key) for key in defaults if key in data}})


class RollUpForm(DateRangeForm):
    max_days = MAX_ROLL_UP_DAYS


class ComparisonForm(forms.Form):
    before_start = forms.DateField(label=gettext_lazy("From"))
    before_end = forms.DateField(label=gettext_lazy("To"))
    before_desk = forms.ChoiceField(
        label=gettext_lazy("Desk"), choices=DESK_CHOICES, required=False
    )
    after_start = forms.DateField(label=gettext_lazy("From"))
    after_end = forms.DateField(label=gettext_lazy("To"))
    after_desk = forms.ChoiceField(label=gettext_lazy("Desk"), choices=DESK_CHOICES, required=False)

    def clean(self):
        cleaned = super().clean()
        for side in ("before", "after"):
            start, end = cleaned.get(f"{side}_start"), cleaned.get(f"{side}_end")
            if start and end and start > end:
                self.add_error(f"{side}_end", _("The range must start on or before its end."))
            elif start and end and (end - start).days + 1 > MAX_RANGE_DAYS:
                self.add_error(
                    f"{side}_end",
                    _("A range of at most %(days)d days, please.") % {"days": MAX_RANGE_DAYS},
                )
        return cleaned

    def sides(self) -> tuple[Side, Side]:
        data = self.cleaned_data
        return tuple(
            Side(start=data[f"{side}_start"], end=data[f"{side}_end"], desk=data[f"{side}_desk"])
            for side in ("before", "after")
        )

    def query(self) -> str:
        return urlencode({name: self.data.get(name, "") for name in self.fields})


def _comparison_form(data) -> ComparisonForm:
    today = _today()
    days = DEFAULT_COMPARISON_DAYS
    defaults = {
        "before_start": (today - timedelta(days=2 * days - 1)).isoformat(),
        "before_end": (today - timedelta(days=days)).isoformat(),
        "before_desk": "",
        "after_start": (today - timedelta(days=days - 1)).isoformat(),
        "after_end": today.isoformat(),
        "after_desk": "",
    }
    return ComparisonForm({**defaults, **{key: data.get(key) for key in defaults if key in data}})


def _csv_response(filename: str, headings: list[str], rows) -> HttpResponse:
    # Written whole, not streamed: under ASGI Django would buffer a synchronous stream anyway.
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A byte-order mark: Excel, as used in Japanese offices, then reads UTF-8 correctly.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(headings)
    writer.writerows(rows)
    return response


def _bad_request_csv(form: forms.Form) -> HttpResponse:
    errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
    return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")


# --- the wallboard ---


def _wallboard_labels() -> dict:
    return {
        "online": _("Live"),
        "offline": _("Disconnected — reconnecting…"),
        "states": {
            "available": _("Available"),
            "on_call": _("On a call"),
            "wrap_up": _("After-call work"),
            "break": _("On break"),
            "offline": _("Offline"),
            "away": _("Away (console closed)"),
        },
        "desks": {str(value): str(label) for value, label in Desk.choices},
        "call_states": {
            "waiting": _("Waiting"),
            "offered": _("Ringing"),
            "answered": _("Talking"),
            "hold": _("On hold"),
            "ended": _("After-call work"),
        },
        "offered": _("Offered"),
        "longest_wait": _("Longest wait"),
        "answered": _("Answered"),
        "abandoned": _("Abandoned"),
        "aht": _("AHT (s)"),
        "service_level": _("Service level %"),
        "identified": _("identified"),
        "none": _("—"),
    }


@require_GET
@requires("console.view_wallboard")
def wallboard(request):
    return render(
        request,
        "console/wallboard.html",
        {"snapshot": wallboard_snapshot(), "labels": _wallboard_labels()},
    )


@require_http_methods(["GET", "POST"])
@requires("console.configure_service_level")
def service_levels(request):
    queues = list(Queue.objects.order_by("desk", "name"))
    errors: list[str] = []
    if request.method == "POST":
        thresholds = {}
        for queue in queues:
            raw = request.POST.get(queue.name, "").strip()
            if not raw:
                continue
            try:
                thresholds[queue.name] = int(raw)
            except ValueError:
                errors.append(
                    _("%(queue)s: a whole number of seconds, please.") % {"queue": queue.name}
                )
        if not errors:
            try:
                set_service_level_thresholds(thresholds=thresholds)
            except QueueSettingError as error:
                errors.append(str(error))
        if not errors:
            messages.success(request, _("Service-level thresholds saved."))
            return redirect("service-levels")
    low, high = SERVICE_LEVEL_SECONDS_RANGE
    return render(
        request,
        "console/service_levels.html",
        {"queues": queues, "errors": errors, "low": low, "high": high},
        status=400 if errors else 200,
    )


# --- reports ---


def _chart_words() -> dict:
    return {
        "answered": _("Answered"),
        "abandoned": _("Abandoned"),
        "talk": _("Talk"),
        "hold": _("Hold"),
        "acw": _("After-call work"),
        "sl": _("Service level"),
        "repeat": _("Repeat contacts"),
        "identified": _("Identified at screen pop"),
    }


@require_GET
@requires("console.view_contact_reports")
def contact_reports(request):
    form = _report_form(request.GET)
    if not form.is_valid():
        return render(request, "console/reports.html", {"form": form}, status=400)
    report = contact_report(**form.cleaned_data)
    page = Paginator(report.grouped, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [report.row(values) for values in page.object_list]
    chart = {
        "words": _chart_words(),
        "period": report.period,
        "trend": [{"period": period, **figures_json(figures)} for period, figures in report.trend],
    }
    return render(
        request,
        "console/reports.html",
        {
            "form": form,
            "report": report,
            "page": page,
            "rows": rows,
            "headings": report.headings,
            "total_cells": ["", str(_("Total")), *figure_cells(report.total)],
            "query": form.query(),
            "chart": chart,
            "roll_up_form": RollUpForm(
                {"start": report.start.isoformat(), "end": report.end.isoformat()}
            ),
            "column_count": len(COLUMNS) + 2,
        },
    )


@require_GET
@requires("console.view_contact_reports")
def contact_reports_csv(request):
    form = _report_form(request.GET)
    if not form.is_valid():
        return _bad_request_csv(form)
    report = contact_report(**form.cleaned_data)
    data = form.cleaned_data
    filename = f"contacts_{data['start']}_{data['end']}_{data['group']}_{data['period']}.csv"
    return _csv_response(filename, report.headings, (row.cells for row in report.iter_rows()))


@require_POST
@requires("console.view_contact_reports")
def roll_up_again(request):
    form = RollUpForm(request.POST)
    # Back to the report the button was on; its query is checked again, never echoed as sent.
    shown = _report_form(QueryDict(request.POST.get("query", "")))
    back = reverse("contact-reports") + (f"?{shown.query()}" if shown.is_valid() else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    start, end = form.cleaned_data["start"], min(form.cleaned_data["end"], _today())
    days = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    if days:
        transaction.on_commit(lambda: roll_up_days_task.delay(days=days))
    messages.success(
        request,
        _("%(count)d days are being rolled up again; reload in a moment.") % {"count": len(days)},
    )
    return redirect(back)


@require_GET
@requires("console.view_contact_reports")
def comparison(request):
    form = _comparison_form(request.GET)
    if not form.is_valid():
        return render(request, "console/comparison.html", {"form": form}, status=400)
    before, after = form.sides()
    result = compare(before=before, after=after)
    chart = {
        "words": _chart_words(),
        "labels": [before.label, after.label],
        "before": figures_json(result.before_figures),
        "after": figures_json(result.after_figures),
    }
    return render(
        request,
        "console/comparison.html",
        {"form": form, "comparison": result, "query": form.query(), "chart": chart},
    )


@require_GET
@requires("console.view_contact_reports")
def comparison_csv(request):
    form = _comparison_form(request.GET)
    if not form.is_valid():
        return _bad_request_csv(form)
    before, after = form.sides()
    result = compare(before=before, after=after)
    return _csv_response("comparison.csv", result.headings, result.rows)
