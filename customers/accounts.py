"""Accounts (loans, cards, deposits) as the source systems report them.

Full account and card numbers never reach the database: a keyed hash recognises a number again
(e.g. a card an ATM retained) and the last four digits are all that is ever shown.
"""

import hashlib
import hmac

from django.conf import settings

from customers.models import Account, SourceRecord


def account_number_hash(number: str) -> str:
    digits = "".join(character for character in number if character.isdigit())
    return hmac.new(settings.SECRET_KEY.encode(), digits.encode(), hashlib.sha256).hexdigest()


def last_four(number: str) -> str:
    return "".join(character for character in number if character.isdigit())[-4:]


def without_full_number(account: dict) -> dict:
    """The account as it may be stored: the number replaced by its hash and last four digits."""
    stored = {name: value for name, value in account.items() if name != "number"}
    stored["number_hash"] = account_number_hash(account["number"])
    stored["last4"] = last_four(account["number"])
    return stored


def replace_accounts(accounts_by_record: dict[SourceRecord, list[dict]]) -> None:
    """A record's accounts are what its latest version says: replace them in two queries."""
    if not accounts_by_record:
        return
    Account.objects.filter(source_record__in=list(accounts_by_record)).delete()
    Account.objects.bulk_create(
        Account(
            source_record=record,
            kind=account["kind"],
            number_hash=account["number_hash"],
            last4=account["last4"],
            status=account.get("status") or "",
            balance=account.get("balance"),
            credit_limit=account.get("limit"),
            next_due_date=account.get("next_due_date") or None,
            days_past_due=account.get("days_past_due") or 0,
        )
        for record, accounts in accounts_by_record.items()
        for account in {a["number_hash"]: a for a in accounts}.values()
    )
