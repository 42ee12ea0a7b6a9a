"""Validation of incoming source records, shared by the batch API and `import_source_records`:
invalid records are reported with their field errors and nothing of them is stored. Card numbers
typed into a record's free text are masked here, before anything keeps them."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from rest_framework import serializers

from customers.card_numbers import mask_card_numbers, mask_card_numbers_in
from customers.models import AccountKind
from customers.validation import (
    TWICE_IN_BATCH,
    BusinessDateTimeField,
    NotPlain,
    OptionalDateField,
    StrictSerializer,
    quick_validator,
    row_error,
)

MAX_BATCH_RECORDS = 1000
# A trillion yen is beyond any consumer account; larger is a unit or typing error, and past 2^63
# PostgreSQL would refuse the row and with it the whole batch.
MAX_AMOUNT_YEN = 10**12
# Nobody alive was born before 1900; a date after today is a typo.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


class AccountInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=AccountKind.choices)
    number = serializers.RegexField(
        r"^[0-9 \-]{4,32}$",
        help_text="Full number; only a keyed hash and the last four digits are kept.",
    )
    status = serializers.CharField(max_length=32, required=False, allow_blank=True)
    balance = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_AMOUNT_YEN
    )
    limit = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_AMOUNT_YEN
    )
    next_due_date = OptionalDateField(required=False, allow_null=True)
    next_due_amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_AMOUNT_YEN
    )
    days_past_due = serializers.IntegerField(required=False, min_value=0, max_value=36500)


class SourceRecordInput(StrictSerializer):
    external_id = serializers.CharField(max_length=128)
    customer_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, trim_whitespace=False
    )
    name_kana = serializers.CharField(
        max_length=200, required=False, allow_blank=True, trim_whitespace=False
    )
    birth_date = OptionalDateField(required=False, allow_null=True)
    gender = serializers.CharField(max_length=8, required=False, allow_blank=True)
    phones = serializers.ListField(
        child=serializers.CharField(max_length=40, allow_blank=True), required=False, max_length=20
    )
    emails = serializers.ListField(
        child=serializers.CharField(max_length=254, allow_blank=True), required=False, max_length=20
    )
    postal_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    address = serializers.CharField(max_length=400, required=False, allow_blank=True)
    updated_at = BusinessDateTimeField(required=False, allow_null=True)
    attributes = serializers.DictField(required=False)
    accounts = AccountInput(many=True, required=False, max_length=50)

    def validate_birth_date(self, birth_date: date | None) -> date | None:
        today = timezone.localdate()
        if birth_date is not None and not EARLIEST_BIRTH_DATE <= birth_date <= today:
            raise serializers.ValidationError(
                f"Must be between {EARLIEST_BIRTH_DATE.isoformat()} and today."
            )
        return birth_date

    def validate_emails(self, emails: list[str]) -> list[str]:
        for email in emails:
            if email and "@" not in email:
                raise serializers.ValidationError(f"{email!r} is not an e-mail address.")
        return emails


@dataclass
class ValidatedRecords:
    valid: list[dict]
    errors: list[dict]


# Built once; it only reads the serializer's fields.
_quickly_validated_record = quick_validator(SourceRecordInput())


# Free text a source system may fill with anything, a card number included; identifiers, phones
# and e-mails are left as sent (an id that happens to pass the Luhn check must stay the id).
_FREE_TEXT_FIELDS = ("name", "name_kana", "address")


def _validated(record, record_input: SourceRecordInput) -> dict:
    try:
        data = _quickly_validated_record(record)
    except NotPlain:
        data = record_input.run_validation(record)
    for name in _FREE_TEXT_FIELDS:
        if name in data:
            data[name] = mask_card_numbers(data[name])
    if "attributes" in data:
        data["attributes"] = mask_card_numbers_in(data["attributes"])
    for account in data.get("accounts", []):
        if "status" in account:
            account["status"] = mask_card_numbers(account["status"])
    return data


def validate_records(records: list) -> ValidatedRecords:
    """Each record on its own: the valid ones go on, the invalid ones are reported by index. A
    second record with the same external_id in one batch is refused: which would win is unclear.
    Plain records take the quick path; the others go through the serializer, which words the
    errors (one serializer for the batch: a serializer per record costs a deep copy of its
    fields)."""
    record_input = SourceRecordInput()
    valid, errors, seen = [], [], set()
    for index, record in enumerate(records):
        try:
            data = _validated(record, record_input)
        except serializers.ValidationError as error:
            external_id = record.get("external_id") if isinstance(record, dict) else None
            errors.append(row_error(index=index, external_id=external_id, error=error))
            continue
        if data["external_id"] in seen:
            errors.append(
                row_error(index=index, external_id=data["external_id"], error=TWICE_IN_BATCH)
            )
            continue
        seen.add(data["external_id"])
        valid.append(data)
    return ValidatedRecords(valid=valid, errors=errors)
