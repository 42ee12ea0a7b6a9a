from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, ContactNote
from customers.card_numbers import mask_card_numbers


def add_note(*, contact: Contact, author, text: str) -> ContactNote:
    text = text.strip()
    if not text:
        raise ValueError(_("A note needs some text."))
    return ContactNote.objects.create(contact=contact, author=author, text=mask_card_numbers(text))
