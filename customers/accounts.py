"""Accounts (loans, cards, deposits) as the source systems report them.

Full account and card numbers never reach the database: a keyed hash recognises a number again
(e.g. a card an ATM retained) and the last four digits are all that is ever shown.
"""

import hashlib
import hmac
from collections.abc import Collection

from django.conf import settings

from customers.bulk_writes import delete_rows_with_one_of, insert_rows
from customers.models import Account


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


ACCOUNT_FIELDS = [
    "source_record_id",
    "kind",
    "number_hash",
    "last4",
    "status",
    "balance",
    "credit_limit",
    "next_due_date",
    "next_due_amount",
    "days_past_due",
]


def replace_accounts(
    accounts_by_record: dict[int, list[dict]], *, new_records: Collection[int] = ()
) -> None:
    """A record's accounts are what its latest version says: replace them. Keyed by source
    record id; records in `new_records` were only just inserted and have none to delete."""
    if not accounts_by_record:
        return
    delete_rows_with_one_of(
        Account,
        field="source_record_id",
        values=[record_id for record_id in accounts_by_record if record_id not in new_records],
    )
    insert_rows(
        Account,
        fields=ACCOUNT_FIELDS,
        rows=[
            (
                record_id,
                account["kind"],
                account["number_hash"],
                account["last4"],
                account.get("status") or "",
                account.get("balance"),
                account.get("limit"),
                account.get("next_due_date") or None,
                account.get("next_due_amount"),
                account.get("days_past_due") or 0,
            )
            for record_id, accounts in accounts_by_record.items()
            for account in {a["number_hash"]: a for a in accounts}.values()
        ],
    )
