"""The identity check (本人確認) an agent records before discussing a caller's accounts: passed
(every question of the desk answered right), failed, or skipped with a reason. Stored on the
contact, shown in its timeline entry."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.customer_documents import apply_contacts_to_documents
from contacts.desk_policies import identity_questions
from contacts.models import Contact, IdentityCheckResult
from customers.card_numbers import mask_card_numbers


class IdentityCheckError(ValueError):
    """A check that does not add up; the message (lazy) says why."""


def record_identity_check(
    *, contact: Contact, result: str, confirmed: list[str], reason: str, checked_by
) -> Contact:
    """Recording the same check again changes nothing but its time; a later check replaces an
    earlier one (a caller who failed may answer again)."""
    asked = identity_questions(contact.desk)
    if result not in IdentityCheckResult.values:
        raise IdentityCheckError(_("Choose passed, failed or skipped."))
    if set(confirmed) - set(asked):
        raise IdentityCheckError(_("Only this desk's questions can be confirmed."))
    reason = mask_card_numbers(reason.strip())
    if result == IdentityCheckResult.PASSED and set(confirmed) != set(asked):
        raise IdentityCheckError(_("A passed check needs every question confirmed."))
    if result == IdentityCheckResult.SKIPPED and not reason:
        raise IdentityCheckError(_("Say why the identity check is skipped."))
    contact.identity_check = result
    contact.identity_check_questions = [code for code in asked if code in confirmed]
    contact.identity_check_reason = reason
    contact.identity_checked_at = timezone.now()
    contact.identity_checked_by = checked_by
    contact.save(
        update_fields=[
            "identity_check",
            "identity_check_questions",
            "identity_check_reason",
            "identity_checked_at",
            "identity_checked_by",
            "updated_at",
        ]
    )
    apply_contacts_to_documents(contacts=[contact])
    return contact
