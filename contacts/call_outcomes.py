"""What is recorded on a call besides its events: the wrap-up (code and disposition), who the
caller is when the number did not say, and why the console ended it when the telephony system
did not."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.customer_documents import apply_contacts_to_documents
from contacts.desk_policies import desk_policy
from contacts.models import Contact, WrapUpCode
from customers.card_numbers import mask_card_numbers
from customers.documents import mark_stale


class WrapUpError(ValueError):
    """A wrap-up code this contact's desk does not have, or none where the desk needs one."""


def set_wrap_up(
    *, contact: Contact, wrap_up_code: str, disposition: str, finishing: bool = False
) -> Contact:
    """`finishing`: the agent ends after-call work with this wrap-up, which on a desk that
    requires a code needs one."""
    code = WrapUpCode.objects.filter(desk=contact.desk, code=wrap_up_code).first()
    if wrap_up_code and code is None:
        raise WrapUpError(_("No such wrap-up code for this desk."))
    if finishing and code is None and desk_policy(contact.desk).wrap_up_code_required:
        raise WrapUpError(_("Choose a wrap-up code to finish the wrap-up."))
    contact.wrap_up_code = code
    contact.disposition = mask_card_numbers(disposition.strip())
    contact.save(update_fields=["wrap_up_code", "disposition", "updated_at"])
    apply_contacts_to_documents(contacts=[contact])
    return contact


@transaction.atomic
def name_the_caller(*, contact: Contact, customer, picked_by) -> Contact:
    """Every leg of the call is linked to the customer, keeping who picked and when."""
    legs = Contact.objects.filter(source=contact.source, call_id=contact.call_id)
    mark_stale(customer_ids=[*legs.values_list("customer_id", flat=True), customer.pk])
    legs.update(customer=customer, customer_picked_by=picked_by, customer_picked_at=timezone.now())
    contact.refresh_from_db()
    return contact


def record_end_reason(*, contact: Contact, reason: str) -> None:
    """Why the console ended the contact (an EndReason): kept apart from the leg's times, which
    a replay of the call's events writes again."""
    contact.end_reason = reason
    Contact.objects.filter(pk=contact.pk).update(end_reason=reason)
