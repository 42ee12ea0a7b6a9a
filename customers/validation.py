"""Strict API input: unknown fields are refused rather than silently ignored, so an integrator's
typo (`birthdate` for `birth_date`) is a clear 400 instead of lost data. Every room's API uses it,
which is why it lives in the bottom room."""

from rest_framework import exceptions, serializers, status


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


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


class BusinessDateTimeField(serializers.DateTimeField):
    """A time from this century: older ones are typos, and before 1888 Tokyo's local mean time
    has an offset in seconds that RFC 3339 cannot write."""

    earliest_year, latest_year = 2000, 2099

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not self.earliest_year <= parsed.year <= self.latest_year:
            raise serializers.ValidationError(
                f"Must be between {self.earliest_year} and {self.latest_year}."
            )
        return parsed
