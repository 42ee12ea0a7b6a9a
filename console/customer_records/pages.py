"""Customer pages for people: search, one customer, undoing a merge, and the steward's review
queue. Each view reads its input, calls one function of the customers room and renders."""

import csv
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from console.audit.models import ViewAudit
from console.audit.records import (
    own_contact_id,
    record_customer_view,
    record_customer_views,
    view_audit_log,
)
from console.calls.next_best_actions import (
    alerts,
    code_words,
    customer_facts,
    next_best_actions,
)
from console.customer_records.stewardship import decide_candidate
from console.labels import MATCH_RULES, SOURCE_SYSTEMS, label_of
from console.roles import ROLES, display_name, requires
from console.service_desk.cases import (
    NotThisCustomersCase,
    give_case_a_customer,
    unresolved_incidents,
    update_customers_case,
)
from contacts.cases import CaseError
from contacts.handle_time import TOKYO
from contacts.models import Case, CaseStatus, Channel, Desk
from contacts.timeline import customer_timeline, open_cases
from customers.merging import MergeError, unmerge_customers
from customers.models import DecisionKind, MergeDecision, ReviewCandidate
from customers.queries import customer_with_records, search_customer_page
from customers.review import (
    ReviewError,
    ReviewFilter,
    customer_history,
    open_candidates,
    review_counts,
    review_items,
)

SEARCH_PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 100
REVIEW_PAGE_SIZE = 50
MAX_REASON_LENGTH = 2000
# Offered when a record is opened outside a call; any other reason may be typed.
SUGGESTED_OPENING_REASONS = [
    gettext_lazy("Preparing a callback"),
    gettext_lazy("Following up an open case"),
    gettext_lazy("Answering a letter or e-mail from the customer"),
    gettext_lazy("Reviewing a match (data steward)"),
    gettext_lazy("Audit review"),
]


class SearchForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, strip=True)
    # The call an agent searches for, from the console: kept in the result links so that
    # opening a customer is audited with it.
    contact = forms.UUIDField(required=False)


class TimelineFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=[("", "—"), *Channel.choices], required=False
    )
    desk = forms.ChoiceField(
        label=gettext_lazy("Desk"), choices=[("", "—"), *Desk.choices], required=False
    )
    contact = forms.UUIDField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=MAX_REASON_LENGTH,
        error_messages={"required": gettext_lazy("A reason is required.")},
    )


class UnmergeForm(ReasonForm):
    confirm = forms.BooleanField(
        error_messages={"required": gettext_lazy("Confirm that the two customers are separated.")}
    )


class DecisionForm(ReasonForm):
    LINK = "link"
    KEEP_APART = "keep_apart"

    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(LINK, gettext_lazy("Link")), (KEEP_APART, gettext_lazy("Keep apart"))],
        error_messages={
            "required": gettext_lazy("Choose “link” or “keep apart”."),
            "invalid_choice": gettext_lazy("Choose “link” or “keep apart”."),
        },
    )
    # On a link, the record's name or kana to take instead of the customer's.
    take = forms.MultipleChoiceField(
        required=False, choices=[("name", "name"), ("name_kana", "name_kana")]
    )


def _report_form_errors(request, form: forms.Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_GET
@requires("customers.view_customer")
def customer_search(request):
    form = SearchForm(request.GET)
    form.is_valid()  # a bad contact id only loses the contact, not the search
    query = form.cleaned_data.get("q")
    found = None
    # An empty query would list every customer: agents look people up, they do not browse.
    if query:
        found = search_customer_page(
            query, page_number=request.GET.get("page"), per_page=SEARCH_PAGE_SIZE
        )
    contact = form.cleaned_data.get("contact")
    if found:
        # Each result shows a customer's name, birth date and phones: written down, with the
        # query and the call it was searched for (when it is the person's own).
        call = own_contact_id(viewer=request.user, contact_id=contact)
        record_customer_views(
            customer_ids=[customer.pk for customer in found.page.object_list],
            viewer_id=request.user.pk,
            contact_id=call,
            on_own_call=call is not None,
            listed=True,
            reason=f"search: {query}",
        )
    # As the person types, htmx asks for the results alone; restoring a page from the history
    # it does not hold, it asks for the whole page.
    results_only = request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )
    template = "customers/_search_results.html" if results_only else "customers/search.html"
    response = render(
        request,
        template,
        {
            "form": form,
            "page": found.page if found else None,
            "more_matches": found.more_matches if found else False,
            "contact": contact,
        },
    )
    # One address, two answers: a cache must not give the results alone for the whole page.
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@requires("customers.view_customer")
def customer_detail(request, customer_id):
    found = customer_with_records(customer_id)
    if found is None:
        raise Http404(_("No such customer."))
    if found.merged_from:
        target = reverse("customer-detail", kwargs={"customer_id": found.customer.pk})
        query = request.GET.urlencode()
        return redirect(f"{target}?{query}" if query else target)
    filters = TimelineFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    if not chosen.get("contact") and not (chosen.get("reason") or "").strip():
        # Outside a call the record opens only once the person has said why (APPI).
        return render(
            request,
            "customers/opening_reason.html",
            {
                "suggested_reasons": [str(reason) for reason in SUGGESTED_OPENING_REASONS],
                "kept": [(k, v) for k, v in request.GET.items() if k in ("channel", "desk")],
            },
        )
    record_customer_view(
        customer_id=found.customer.pk,
        viewer=request.user,
        contact_id=chosen.get("contact"),
        reason=chosen.get("reason") or "",
    )
    history = customer_history(customer=found.customer, viewer=request.user)
    timeline = customer_timeline(
        customer_ids=found.customer_ids,
        channel=chosen.get("channel", ""),
        desk=chosen.get("desk", ""),
    )
    cases = list(open_cases(customer_ids=found.customer_ids).prefetch_related("comments"))
    facts = customer_facts(
        customer=found.customer, accounts=found.accounts, open_cases=cases, now=timezone.now()
    )
    words = code_words()
    return render(
        request,
        "customers/detail.html",
        {
            "customer": found.customer,
            "alerts": [words.get(alert["code"], alert["code"]) for alert in alerts(facts)],
            "next_best_actions": [
                words.get(action["code"], action["code"]) for action in next_best_actions(facts)
            ],
            "source_records": found.source_records,
            "accounts": found.accounts,
            "decisions": history.decisions,
            "undoable_merges": history.undoable_merges,
            "reason_max_length": MAX_REASON_LENGTH,
            "open_cases": cases,
            "case_statuses": CaseStatus.choices,
            "timeline": Paginator(timeline, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page")),
            "filters": filters,
            "filter_query": _without_page(request.GET),
            "opening": {"contact": chosen.get("contact"), "reason": chosen.get("reason")},
            "history_reason": _("Reading a merge history"),
        },
    )


def _back_to_customer(request, customer_id):
    """The customer page again, opened for the same call or reason as before the form."""
    target = reverse("customer-detail", kwargs={"customer_id": customer_id})
    opening = TimelineFilterForm(
        {"contact": request.POST.get("contact"), "reason": request.POST.get("reason_for_opening")}
    )
    chosen = opening.cleaned_data if opening.is_valid() else {}
    kept = {name: chosen[name] for name in ("contact", "reason") if chosen.get(name)}
    return redirect(f"{target}?{urlencode(kept)}" if kept else target)


def _without_page(query) -> str:
    kept = query.copy()
    kept.pop("page", None)
    return kept.urlencode()


@require_POST
@requires("customers.unmerge_customer")
def customer_unmerge(request, customer_id, decision_id):
    decision = get_object_or_404(
        MergeDecision, pk=decision_id, customer_id=customer_id, kind=DecisionKind.MERGED
    )
    form = UnmergeForm(request.POST)
    if not form.is_valid():
        _report_form_errors(request, form)
        return _back_to_customer(request, customer_id)
    try:
        unmerge_customers(
            decision=decision, decided_by=request.user, reason=form.cleaned_data["reason"]
        )
    except MergeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The merge was undone; the other customer is separate again."))
    return _back_to_customer(request, customer_id)


class ReviewFilterForm(forms.Form):
    system = forms.ChoiceField(label=gettext_lazy("System"), required=False)
    rule = forms.ChoiceField(label=gettext_lazy("Rule"), required=False)
    older_than_days = forms.IntegerField(
        label=gettext_lazy("Waiting at least (days)"), required=False, min_value=0, max_value=3650
    )
    min_score = forms.FloatField(
        label=gettext_lazy("Score from"), required=False, min_value=0, max_value=1
    )
    max_score = forms.FloatField(
        label=gettext_lazy("Score up to"), required=False, min_value=0, max_value=1
    )
    order = forms.ChoiceField(
        label=gettext_lazy("Order"),
        required=False,
        choices=[
            ("score", gettext_lazy("Highest score first")),
            ("oldest", gettext_lazy("Waiting longest first")),
            ("newest", gettext_lazy("Newest first")),
        ],
    )

    def __init__(self, *args, counts: dict, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All (%(count)d)") % {"count": counts["open"]})]
        # Every known code, waiting or not: a filter stays valid when its last candidate goes.
        for name, labels, by_code in (
            ("system", SOURCE_SYSTEMS, counts["by_system"]),
            ("rule", MATCH_RULES, counts["by_rule"]),
        ):
            self.fields[name].choices = everything + [
                (code, f"{label_of(labels, code)} ({by_code.get(code, 0)})")
                for code in sorted({*labels, *by_code})
            ]

    def review_filter(self) -> ReviewFilter:
        chosen = {
            name: value for name, value in self.cleaned_data.items() if value not in ("", None)
        }
        return ReviewFilter(**chosen)


@require_GET
@requires("customers.review_matches")
def steward_review(request):
    counts = review_counts()
    form = ReviewFilterForm(request.GET, counts=counts)
    valid = form.is_valid()
    candidates = open_candidates(form.review_filter()) if valid else ReviewCandidate.objects.none()
    page = Paginator(candidates, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/review.html",
        {
            "form": form,
            "counts": counts,
            "page": page,
            "items": review_items(page.object_list),
            "filter_query": _without_page(request.GET),
            "reason_max_length": MAX_REASON_LENGTH,
        },
        status=200 if valid else 400,
    )


@require_POST
@requires("customers.review_matches")
def steward_decide(request, candidate_id):
    candidate = get_object_or_404(ReviewCandidate, pk=candidate_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        _report_form_errors(request, form)
        return _back_to_review(request)
    try:
        decide_candidate(
            candidate=candidate,
            link=form.cleaned_data["decision"] == DecisionForm.LINK,
            decided_by=request.user,
            reason=form.cleaned_data["reason"],
            take_fields=form.cleaned_data["take"],
        )
    except (ReviewError, MergeError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decision recorded."))
    return _back_to_review(request)


def _back_to_review(request):
    """The review queue again, with the filters the steward had (checked again, never echoed)."""
    target = reverse("steward-review")
    shown = ReviewFilterForm(QueryDict(request.POST.get("back", "")), counts=review_counts())
    if not shown.is_valid():
        return redirect(target)
    kept = {name: value for name, value in shown.cleaned_data.items() if value not in ("", None)}
    return redirect(f"{target}?{urlencode(kept)}" if kept else target)


class AuditFilterForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    viewer = forms.ModelChoiceField(
        label=gettext_lazy("Who"),
        required=False,
        queryset=get_user_model().objects.filter(groups__name__in=ROLES).distinct(),
    )
    customer = forms.CharField(
        label=gettext_lazy("Customer (name, kana, number or phone)"),
        required=False,
        max_length=100,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["viewer"].label_from_instance = lambda user: display_name(
            username=user.username, last_name=user.last_name, first_name=user.first_name
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError(_("The range must start on or before its end."))
        return cleaned

    def entries(self):
        chosen = self.cleaned_data
        return view_audit_log(
            customer_query=chosen.get("customer", ""),
            viewer_id=chosen["viewer"].pk if chosen.get("viewer") else None,
            start=chosen.get("start"),
            end=chosen.get("end"),
        )


@require_GET
@requires("console.view_audit_log")
def customer_view_audit(request):
    form = AuditFilterForm(request.GET)
    valid = form.is_valid()
    entries = form.entries() if valid else ViewAudit.objects.none()
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.who = _who_opened(entry)
    return render(
        request,
        "console/audit.html",
        {
            "form": form,
            "page": page,
            "filter_query": _without_page(request.GET),
        },
        status=200 if valid else 400,
    )


@require_GET
@requires("console.view_audit_log")
def customer_view_audit_csv(request):
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="customer_record_openings.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 with the byte-order mark
    writer = csv.writer(response)
    writer.writerow(audit_csv_headings())
    writer.writerows(audit_csv_row(entry) for entry in form.entries().iterator(chunk_size=2000))
    return response


def audit_csv_headings() -> list[str]:
    return [
        _("When (JST)"),
        _("Who"),
        _("User name"),
        _("Customer number"),
        _("Customer"),
        _("From contact"),
        _("Reason"),
    ]


def _who_opened(entry: ViewAudit) -> str:
    if entry.viewer is None:
        return f"{entry.client} (API)"
    viewer = entry.viewer
    return display_name(
        username=viewer.username, last_name=viewer.last_name, first_name=viewer.first_name
    )


def audit_csv_row(entry: ViewAudit) -> list[str]:
    contact = entry.contact
    return [
        timezone.localtime(entry.at, TOKYO).strftime("%Y-%m-%d %H:%M:%S"),
        _who_opened(entry),
        entry.viewer.username if entry.viewer else "",
        entry.customer.customer_number,
        entry.customer.name,
        f"{contact.get_channel_display()} {contact.queue or ''} {contact.pk}".strip()
        if contact
        else "",
        entry.reason,
    ]


class CaseCustomerForm(forms.Form):
    customer_id = forms.UUIDField(label=gettext_lazy("Customer id"))


class IncidentCustomerSearchForm(forms.Form):
    """A customer search for one incident, answered in place beside it."""

    case = forms.UUIDField()
    q = forms.CharField(max_length=100, strip=True)


INCIDENT_SEARCH_RESULTS = 10


@require_GET
@requires("customers.review_matches")
def unresolved_incident_list(request):
    search = IncidentCustomerSearchForm(request.GET)
    searched_case, found = None, None
    if search.is_valid():
        searched_case = search.cleaned_data["case"]
        found = search_customer_page(
            search.cleaned_data["q"], page_number=1, per_page=INCIDENT_SEARCH_RESULTS
        )
    return render(
        request,
        "console/unresolved_incidents.html",
        {
            "incidents": unresolved_incidents()[:REVIEW_PAGE_SIZE],
            "searched_case": searched_case,
            "query": search.cleaned_data.get("q", "") if searched_case else "",
            "found": found.page.object_list if found else [],
            "more_found": bool(found and (found.more_matches or found.page.has_next())),
        },
    )


@require_POST
@requires("customers.review_matches")
def unresolved_incident_assign(request, case_id):
    get_object_or_404(Case, pk=case_id)
    form = CaseCustomerForm(request.POST)
    if not form.is_valid():
        _report_form_errors(request, form)
        return redirect("unresolved-incidents")
    try:
        give_case_a_customer(case_id=case_id, customer_id=form.cleaned_data["customer_id"])
    except (ValueError, CaseError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The incident now belongs to the customer."))
    return redirect("unresolved-incidents")


class CaseUpdateForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=CaseStatus.choices)
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=4000)


@require_POST
@requires("contacts.change_case")
def customer_case_update(request, customer_id, case_id):
    """An agent moves a case along (and may comment) from the customer page."""
    form = CaseUpdateForm(request.POST)
    if not form.is_valid():
        _report_form_errors(request, form)
        return _back_to_customer(request, customer_id)
    try:
        update_customers_case(
            customer_id=customer_id,
            case_id=case_id,
            status=form.cleaned_data["status"],
            comment=form.cleaned_data["comment"],
            author=request.user,
        )
    except NotThisCustomersCase as error:
        raise Http404(str(error)) from error
    except CaseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The case was updated."))
    return _back_to_customer(request, customer_id)
