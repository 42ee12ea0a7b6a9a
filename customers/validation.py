"""Strict API input: unknown fields are refused rather than silently ignored, so an integrator's
typo (`birthdate` for `birth_date`) is a clear 400 instead of lost data. Every room's API uses it,
which is why it lives in the bottom room."""

import math
import re
import zoneinfo
from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
    RegexValidator,
)
from rest_framework import ISO_8601, exceptions, serializers, status
from rest_framework.fields import SkipField, empty
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class FilterRequired(exceptions.ValidationError):
    """A listing that would show every customer: people and `read` keys must narrow it. The
    `summary` says how; each filter that would do is named in the fields."""

    default_code = "filter_required"

    def __init__(self, *, summary: str, filters: list[str]):
        self.summary = summary
        super().__init__({name: [summary] for name in filters})


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "too_large"


def _type_errors(fields, data) -> dict:
    """DRF's text fields turn numbers into text; an API that says "string" refuses them."""
    errors = {}
    for name, field in fields.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(field, serializers.CharField) and not isinstance(value, str):
            errors[name] = ["Must be a string."]
        elif (
            isinstance(field, serializers.ListField)
            and isinstance(field.child, serializers.CharField)
            and isinstance(value, list)
            and not all(isinstance(item, str) for item in value)
        ):
            errors[name] = ["Every item must be a string."]
    return errors


class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        errors = {name: ["Unknown field."] for name in unknown}
        if isinstance(data, dict):
            errors.update(_type_errors(self.fields, data))
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = (
                error.detail
                if isinstance(error.detail, dict)
                else {"non_field_errors": error.detail}
            )
            raise serializers.ValidationError({**detail, **errors}) from error
        if errors:
            raise serializers.ValidationError(errors)
        return value


def row_error(*, index: int, external_id, error: serializers.ValidationError | dict) -> dict:
    """One refused row of a batch, in the batches' per-row format: the row's place, its id, and
    its field errors (a DRF error, or `{field: [messages]}`)."""
    detail = error.detail if isinstance(error, serializers.ValidationError) else error
    fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    return {"index": index, "external_id": external_id, "fields": plain_errors(fields)}


TWICE_IN_BATCH = {"external_id": ["Appears twice in this batch."]}


def plain_errors(detail) -> object:
    """DRF's error details (ErrorDetail in lists and dicts) as plain JSON values."""
    if isinstance(detail, dict):
        return {str(key): plain_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [plain_errors(item) for item in detail]
    return str(detail)


def validated(serializer_class: type[serializers.Serializer], data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ParsedJSONField(serializers.JSONField):
    """Any value the request's JSON parser produced. It is JSON by construction, so unlike
    DRF's JSONField it is not encoded again to prove it (a tenth of a 1,000-record batch's
    validation)."""

    def to_internal_value(self, data):
        return data


class OptionalDateField(serializers.DateField):
    """An ISO date, where an empty string means "not known" like null."""

    def to_internal_value(self, value):
        if value == "":
            return None
        return super().to_internal_value(value)


class BusinessDateTimeField(serializers.DateTimeField):
    """A time from this century: older ones are typos, and before 1888 Tokyo's local mean time
    has an offset in seconds that RFC 3339 cannot write. Given in the business's time zone
    (TIME_ZONE; no request activates another): DRF would otherwise look up the active one for
    every value, a sixth of the cost of validating a source record."""

    earliest_year, latest_year = 2000, 2099

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", zoneinfo.ZoneInfo(settings.TIME_ZONE))
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not self.earliest_year <= parsed.year <= self.latest_year:
            raise serializers.ValidationError(
                f"Must be between {self.earliest_year} and {self.latest_year}."
            )
        return parsed


# --- A quick path for large inputs --------------------------------------------------------------
#
# DRF spends about 75 µs on a source record (a field object, three validators and an error
# collector per value), about as much as resolving it. `quick_validator` does what a serializer
# does for values of the plain shapes below and hands everything else back to the serializer, so
# a refused value is refused, and worded, exactly as before.


class NotPlain(Exception):
    """A value outside the plain shapes the quick path knows: the serializer must decide."""


_STANDARD_TEXT_VALIDATORS = (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _field_itself(field: serializers.Field) -> Callable[[Any], Any]:
    def check(value):
        try:
            return field.run_validation(value)
        except (serializers.ValidationError, DjangoValidationError, SkipField) as error:
            raise NotPlain from error

    return check


def _text_check(field: serializers.CharField) -> Callable[[Any], Any] | None:
    others = [v for v in field.validators if not isinstance(v, _STANDARD_TEXT_VALIDATORS)]
    if any(getattr(v, "requires_context", False) for v in others):
        return None
    # A RegexValidator's pattern sits behind a lazy proxy that costs more than the search.
    patterns = [
        (re.compile(v.regex.pattern, v.regex.flags), v.inverse_match)
        for v in others
        if type(v) is RegexValidator
    ]
    others = [v for v in others if type(v) is not RegexValidator]
    trim, allow_blank = field.trim_whitespace, field.allow_blank
    longest = field.max_length if field.max_length is not None else math.inf
    shortest = field.min_length or 0

    def check(value):
        if type(value) is not str:
            raise NotPlain
        text = value.strip() if trim else value
        if not text:
            if allow_blank:
                return ""
            raise NotPlain
        if not shortest <= len(text) <= longest or "\x00" in text or _SURROGATE.search(text):
            raise NotPlain
        for pattern, inverse_match in patterns:
            if (pattern.search(text) is None) != inverse_match:
                raise NotPlain
        for validator in others:
            try:
                validator(text)
            except (serializers.ValidationError, DjangoValidationError) as error:
                raise NotPlain from error
        return text

    return check


# Beyond this, DRF's text round trip (and Python's limit on digits) is left to decide.
_PLAIN_INTEGER_LIMIT = 10**18


def _integer_check(field: serializers.IntegerField) -> Callable[[Any], Any]:
    lowest = (
        max(field.min_value, -_PLAIN_INTEGER_LIMIT)
        if field.min_value is not None
        else -_PLAIN_INTEGER_LIMIT
    )
    highest = (
        min(field.max_value, _PLAIN_INTEGER_LIMIT)
        if field.max_value is not None
        else _PLAIN_INTEGER_LIMIT
    )

    def check(value):
        if type(value) is not int or not lowest <= value <= highest:
            raise NotPlain
        return value

    return check


def _choice_check(field: serializers.ChoiceField) -> Callable[[Any], Any]:
    choices = field.choice_strings_to_values

    def check(value):
        if type(value) is not str or value not in choices:
            raise NotPlain
        return choices[value]

    return check


def _iso_date_check(value):
    if type(value) is not str or not value:
        raise NotPlain
    try:
        return date.fromisoformat(value)  # what DRF's parse_date tries first
    except ValueError as error:
        raise NotPlain from error


def _list_check(field, item_check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    allow_empty = field.allow_empty
    longest = field.max_length if field.max_length is not None else math.inf
    shortest = field.min_length or 0

    def check(value):
        if type(value) is not list or not shortest <= len(value) <= longest:
            raise NotPlain
        if not value and not allow_empty:
            raise NotPlain
        return [item_check(item) for item in value]

    return check


def _only_standard_validators(field, *standard: type) -> bool:
    return all(isinstance(validator, standard) for validator in field.validators)


def _value_check(field: serializers.Field) -> Callable[[Any], Any]:
    """What `field.run_validation` gives: computed here for a plain value, by the field itself
    for any other (NotPlain when it refuses). Only the exact DRF classes are mirrored: a
    subclass may change anything, so it checks for itself."""
    quick = _quick_value_check(field)
    exact = _field_itself(field)
    if quick is None:
        return exact
    allow_null = field.allow_null

    def check(value):
        if value is None and allow_null:
            return None
        try:
            return quick(value)
        except NotPlain:
            return exact(value)

    return check


def _quick_value_check(field: serializers.Field) -> Callable[[Any], Any] | None:
    kind = type(field)
    if kind in (serializers.CharField, serializers.RegexField):
        return _text_check(field)
    if kind is serializers.IntegerField and _only_standard_validators(
        field, MaxValueValidator, MinValueValidator
    ):
        return _integer_check(field)
    if kind is serializers.ChoiceField and not field.validators:
        return _choice_check(field)
    if (
        kind in (serializers.DateField, OptionalDateField)
        and getattr(field, "input_formats", api_settings.DATE_INPUT_FORMATS) == [ISO_8601]
        and not field.validators
    ):
        return _iso_date_check
    if kind is serializers.ListField and _only_standard_validators(
        field, MaxLengthValidator, MinLengthValidator
    ):
        return _list_check(field, _value_check(field.child))
    if (
        kind is serializers.ListSerializer
        and not field.validators
        and kind.validate is serializers.ListSerializer.validate
    ):
        return _list_check(field, quick_validator(field.child))
    if isinstance(field, StrictSerializer):
        return quick_validator(field)
    return None


def quick_validator(serializer: StrictSerializer) -> Callable[[Any], dict]:
    """A function giving what `serializer.run_validation(data)` gives for a dict of plain
    values, and raising NotPlain for anything else: unknown or missing fields, odd types, values
    a validator refuses. Build it once and reuse it; the serializer is only read."""
    fields = serializer.fields
    unsupported = (
        serializer.validators
        or type(serializer).validate is not serializers.Serializer.validate
        or any(
            field.read_only
            or field.default is not empty
            or field.source != name
            or field.source_attrs != [name]
            for name, field in fields.items()
        )
    )
    if unsupported:
        return _field_itself(serializer)
    checks = [
        (name, _value_check(field), getattr(serializer, f"validate_{name}", None))
        for name, field in fields.items()
    ]
    required = frozenset(name for name, field in fields.items() if field.required)
    known = frozenset(fields)

    def check(data):
        if type(data) is not dict or not required <= data.keys() <= known:
            raise NotPlain
        if _type_errors(fields, data):  # what StrictSerializer refuses before its fields look
            raise NotPlain
        validated = {}
        for name, value_check, validate_method in checks:
            if name not in data:
                continue
            value = value_check(data[name])
            if validate_method is not None:
                try:
                    value = validate_method(value)
                except (serializers.ValidationError, DjangoValidationError) as error:
                    raise NotPlain from error
            validated[name] = value
        return validated

    return check
