"""The steward's page of touchpoints whose source named a customer nobody could be found for,
beside the unresolved ATM incidents: find the customer, give the touchpoint to them."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from console.roles import requires
from console.touchpoints.interactions import give_touchpoint_a_customer
from contacts.models import Touchpoint
from contacts.touchpoints import TouchpointError, unresolved_touchpoints

PAGE_SIZE = 50


class TouchpointCustomerForm(forms.Form):
    customer_id = forms.UUIDField(label=gettext_lazy("Customer id"))


@require_GET
@requires("customers.review_matches")
def unresolved_touchpoint_list(request):
    return render(
        request,
        "console/unresolved_touchpoints.html",
        {"touchpoints": unresolved_touchpoints()[:PAGE_SIZE]},
    )


@require_POST
@requires("customers.review_matches")
def unresolved_touchpoint_assign(request, contact_id):
    get_object_or_404(Touchpoint, pk=contact_id)
    form = TouchpointCustomerForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("unresolved-touchpoints")
    try:
        give_touchpoint_a_customer(
            contact_id=contact_id, customer_id=form.cleaned_data["customer_id"]
        )
    except (ValueError, TouchpointError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The touchpoint now belongs to the customer."))
    return redirect("unresolved-touchpoints")
