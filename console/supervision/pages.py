"""Supervisor pages: the live wallboard, the handle-time reports with their CSV downloads, the
before/after comparison, the queues' service-level thresholds, and how many customers each
person viewed (with the alerts raised). Each view reads its input through a form, calls one
function of console.supervision.reports / .wallboard / .rollups and renders; bad input is
answered 400 with the form's errors."""

import csv
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from console.audit.records import (
    alerts_between,
    customers_viewed_per_agent_and_day,
    recent_alerts,
)
from console.roles import requires
from console.supervision.models import JoinMode
from console.supervision.reports import (
    COLUMNS,
    SMALL_SAMPLE_CALLS,
    ReportRow,
    Side,
    compare,
    contact_report,
    figures_json,
    is_small_sample,
)
from console.supervision.seat_map import without_customers
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
DEFAULT_REPORT_DAYS = 7
DEFAULT_COMPARISON_DAYS = 30


def _today() -> date:
    return tokyo_today(timezone.now())


DESK_CHOICES = [("", gettext_lazy("Both desks")), *Desk.choices]


class DatePicker(forms.DateInput):
    """The browser's own calendar; it sends the ISO date the form reads."""

    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class DateRangeForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=DatePicker())
    end = forms.DateField(label=gettext_lazy("To"), widget=DatePicker())
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


def quick_ranges(today: date) -> list[tuple[str, date, date]]:
    """The ranges a supervisor asks for most, as (label, start, end)."""
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    return [
        (_("Today"), today, today),
        (_("Yesterday"), today - timedelta(days=1), today - timedelta(days=1)),
        (_("This week"), week_start, today),
        (_("Last week"), week_start - timedelta(days=7), week_start - timedelta(days=1)),
        (_("This month"), month_start, today),
        (_("Last month"), last_month_end.replace(day=1), last_month_end),
    ]


def _quick_range_links(form: "ReportForm") -> list[dict]:
    kept = {name: form.data.get(name, "") for name in ("group", "period", "desk")}
    return [
        {
            "label": label,
            "query": urlencode({"start": start.isoformat(), "end": end.isoformat(), **kept}),
            "current": form.data.get("start") == start.isoformat()
            and form.data.get("end") == end.isoformat(),
        }
        for label, start, end in quick_ranges(_today())
    ]


class GoLiveForm(forms.Form):
    """A go-live date: the same number of days before it and from it, side by side."""

    go_live = forms.DateField(label=gettext_lazy("Go-live date"), widget=DatePicker())
    days = forms.IntegerField(
        label=gettext_lazy("Days each side"), min_value=1, max_value=366, initial=30
    )
    desk = forms.ChoiceField(label=gettext_lazy("Desk"), choices=DESK_CHOICES, required=False)

    def sides_query(self) -> dict:
        go_live, days = self.cleaned_data["go_live"], self.cleaned_data["days"]
        return {
            "before_start": (go_live - timedelta(days=days)).isoformat(),
            "before_end": (go_live - timedelta(days=1)).isoformat(),
            "after_start": go_live.isoformat(),
            "after_end": (go_live + timedelta(days=days - 1)).isoformat(),
            "before_desk": self.cleaned_data["desk"],
            "after_desk": self.cleaned_data["desk"],
        }


class ComparisonForm(forms.Form):
    before_start = forms.DateField(label=gettext_lazy("From"), widget=DatePicker())
    before_end = forms.DateField(label=gettext_lazy("To"), widget=DatePicker())
    before_desk = forms.ChoiceField(
        label=gettext_lazy("Desk"), choices=DESK_CHOICES, required=False
    )
    after_start = forms.DateField(label=gettext_lazy("From"), widget=DatePicker())
    after_end = forms.DateField(label=gettext_lazy("To"), widget=DatePicker())
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
    go_live = GoLiveForm(data) if "go_live" in data else None
    if go_live is not None and go_live.is_valid():
        defaults.update(go_live.sides_query())
        data = {key: value for key, value in data.items() if key not in go_live.sides_query()}
    return ComparisonForm({**defaults, **{key: data.get(key) for key in defaults if key in data}})


def _go_live_form(data) -> GoLiveForm:
    return GoLiveForm(data) if "go_live" in data else GoLiveForm(initial={"days": 30})


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
        # "{seconds}" is filled in by the script.
        "long_wait": _("Waiting over {seconds} s"),
        "answered": _("Answered"),
        "abandoned": _("Abandoned"),
        "aht": _("AHT"),
        "service_level": _("Service level %"),
        "abandonment": _("Abandoned %"),
        "target": _("Target"),
        "identified": _("identified"),
        "none": _("—"),
    }


@require_GET
@requires("console.view_wallboard")
def wallboard(request):
    return render(
        request,
        "console/wallboard.html",
        {
            "snapshot": wallboard_snapshot(),
            "labels": _wallboard_labels(),
            "view_alerts": recent_alerts()
            if request.user.has_perm("console.view_audit_summary")
            else [],
        },
    )


def _seat_map_labels() -> dict:
    return {
        **_wallboard_labels(),
        "help_raised": _("Asking for help"),
        # "{count}" is filled in by the script.
        "help_alert": _("{count} agent(s) asking for help"),
        "help_since": _("Help asked {clock} ago"),
        "long_in_state": _("Long in this state"),
        "join_modes": {str(value): str(label) for value, label in JoinMode.choices},
        "joined_by": _("On the call: {name} ({mode})"),
        "leave": _("Leave the call"),
        "no_customer": _("Caller not identified"),
        "no_agents": _("No agents on this desk."),
    }


@require_GET
@requires("console.view_wallboard")
def seat_map(request):
    """Agents as tiles by desk. The page opens without any caller's name: its socket brings
    them, each written down as shown (console.supervision.seat_map)."""
    return render(
        request,
        "console/seat_map.html",
        {
            "snapshot": without_customers(wallboard_snapshot()),
            "labels": _seat_map_labels(),
            "may_join": request.user.has_perm("console.join_calls"),
        },
    )


class CustomerViewsForm(DateRangeForm):
    max_days = MAX_HOURLY_RANGE_DAYS


@require_GET
@requires("console.view_audit_summary")
def customer_views_by_agent(request):
    """How many customers each person saw, per day, and the alerts raised."""
    today = _today()
    defaults = {
        "start": (today - timedelta(days=DEFAULT_REPORT_DAYS - 1)).isoformat(),
        "end": today.isoformat(),
    }
    form = CustomerViewsForm(
        {**defaults, **{key: request.GET[key] for key in defaults if key in request.GET}}
    )
    if not form.is_valid():
        return render(request, "console/customer_views.html", {"form": form}, status=400)
    first_day, last_day = form.cleaned_data["start"], form.cleaned_data["end"]
    return render(
        request,
        "console/customer_views.html",
        {
            "form": form,
            "rows": customers_viewed_per_agent_and_day(first_day=first_day, last_day=last_day),
            "alerts": alerts_between(first_day=first_day, last_day=last_day),
            "recent_alerts": recent_alerts(),
            "limit": settings.AUDIT_ALERT_CUSTOMERS_PER_HOUR,
        },
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
        return render(
            request,
            "console/reports.html",
            {"form": form, "quick_ranges": _quick_range_links(form)},
            status=400,
        )
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
            "total_row": ReportRow(
                period="", group=_("Total"), figures=report.total, targets=report.total_targets
            ),
            "query": form.query(),
            "quick_ranges": _quick_range_links(form),
            "chart": chart,
            "total_small_sample": is_small_sample(report.total),
            "small_sample_calls": SMALL_SAMPLE_CALLS,
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


@require_GET
@requires("console.view_contact_reports")
def comparison(request):
    form = _comparison_form(request.GET)
    if not form.is_valid():
        return render(
            request,
            "console/comparison.html",
            {"form": form, "go_live_form": _go_live_form(request.GET)},
            status=400,
        )
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
        {
            "form": form,
            "go_live_form": _go_live_form(request.GET),
            "comparison": result,
            "query": form.query(),
            "chart": chart,
            "small_sample_calls": SMALL_SAMPLE_CALLS,
        },
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
