"""Customer pages for people: search, one customer, undoing a merge, and the steward's review
queue. Each view reads its input, calls one function of the customers room and renders."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from console.audit.records import record_customer_view, view_audit_log
from console.calls.next_best_actions import (
    alerts,
    code_words,
    customer_facts,
    next_best_actions,
)
from console.customer_records.stewardship import decide_candidate
from console.roles import requires
from console.service_desk.cases import (
    NotThisCustomersCase,
    give_case_a_customer,
    unresolved_incidents,
    update_customers_case,
)
from contacts.cases import CaseError
from contacts.models import Case, CaseStatus, Channel, Desk
from contacts.timeline import customer_timeline, open_cases
from customers.merging import MergeError, unmerge_customers
from customers.models import DecisionKind, MergeDecision, ReviewCandidate
from customers.queries import customer_with_records, search_customer_page
from customers.review import ReviewError, customer_history, open_review_candidates

SEARCH_PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 100
REVIEW_PAGE_SIZE = 50
MAX_REASON_LENGTH = 2000


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
        },
    )


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
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _report_form_errors(request, form)
        return redirect("customer-detail", customer_id=customer_id)
    try:
        unmerge_customers(
            decision=decision, decided_by=request.user, reason=form.cleaned_data["reason"]
        )
    except MergeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The merge was undone; the other customer is separate again."))
    return redirect("customer-detail", customer_id=customer_id)


@require_GET
@requires("customers.review_matches")
def steward_review(request):
    items = open_review_candidates(limit=REVIEW_PAGE_SIZE)
    return render(
        request,
        "customers/review.html",
        {
            "items": items,
            "page_size": REVIEW_PAGE_SIZE,
            "more_waiting": len(items) == REVIEW_PAGE_SIZE,
            "reason_max_length": MAX_REASON_LENGTH,
        },
    )


@require_POST
@requires("customers.review_matches")
def steward_decide(request, candidate_id):
    candidate = get_object_or_404(ReviewCandidate, pk=candidate_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        _report_form_errors(request, form)
        return redirect("steward-review")
    try:
        decide_candidate(
            candidate=candidate,
            link=form.cleaned_data["decision"] == DecisionForm.LINK,
            decided_by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except (ReviewError, MergeError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("steward-review")


class AuditFilterForm(forms.Form):
    customer = forms.UUIDField(label=gettext_lazy("Customer id"), required=False)
    viewer = forms.CharField(label=gettext_lazy("User name"), required=False, max_length=150)


@require_GET
@requires("console.view_audit_log")
def customer_view_audit(request):
    form = AuditFilterForm(request.GET)
    chosen = form.cleaned_data if form.is_valid() else {}
    entries = view_audit_log(
        customer_id=chosen.get("customer"), viewer_name=chosen.get("viewer", "")
    )
    return render(
        request,
        "console/audit.html",
        {
            "form": form,
            "page": Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page")),
            "filter_query": _without_page(request.GET),
        },
    )


class CaseCustomerForm(forms.Form):
    customer_id = forms.UUIDField(label=gettext_lazy("Customer id"))


@require_GET
@requires("customers.review_matches")
def unresolved_incident_list(request):
    return render(
        request,
        "console/unresolved_incidents.html",
        {"incidents": unresolved_incidents()[:REVIEW_PAGE_SIZE], "form": CaseCustomerForm()},
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
        return redirect("customer-detail", customer_id=customer_id)
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
    return redirect("customer-detail", customer_id=customer_id)
