"""The touchpoints API: `POST /api/v1/interactions` (one) and `/api/v1/interactions/batch` (up to
1,000, each row checked on its own: a bad row is reported by index and not stored)."""

from dataclasses import dataclass

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from console.touchpoints.interactions import (
    InteractionInput,
    record_interaction,
    record_interactions,
)
from contacts.models import TOUCHPOINT_CHANNELS, Desk, Direction
from customers.references import CustomerReference
from customers.validation import (
    BusinessDateTimeField,
    NotPlain,
    ParsedJSONField,
    PayloadTooLarge,
    StrictSerializer,
    plain_errors,
    quick_validator,
    validated,
)

MAX_BATCH_INTERACTIONS = 1000

INTERACTION_EXAMPLE = {
    "source": "member_app",
    "external_id": "APP-20261203-0001",
    "channel": "app",
    "direction": "inbound",
    "occurred_at": "2026-12-03T09:30:00+09:00",
    "customer": {"customer_number": "C0012345"},
    "subject": "増枠の申込",
    "body": "アプリから利用限度額の増額を申し込み",
}


class InteractionCustomerInput(StrictSerializer):
    """Name the customer as ATM incidents do: the customer number; a source system's record id
    (`system` + `external_id`); or a card's last four digits with the holder's name."""

    customer_number = serializers.CharField(max_length=32, required=False)
    system = serializers.CharField(max_length=32, required=False)
    external_id = serializers.CharField(max_length=128, required=False)
    card_last4 = serializers.RegexField(r"^\d{4}$", required=False)
    name = serializers.CharField(max_length=200, required=False)


@extend_schema_serializer(component_name="Interaction")
class InteractionSerializer(StrictSerializer):
    source = serializers.RegexField(
        r"^[a-z][a-z0-9_\-]{0,63}$", help_text="The recording system, e.g. member_app, web, branch"
    )
    external_id = serializers.CharField(max_length=128, help_text="Unique within the source")
    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in TOUCHPOINT_CHANNELS])
    direction = serializers.ChoiceField(choices=Direction.choices)
    occurred_at = BusinessDateTimeField()
    customer = InteractionCustomerInput()
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    desk = serializers.ChoiceField(choices=Desk.choices, required=False)


def _customer_named(customer: dict) -> None:
    complete = (
        customer.get("customer_number")
        or (customer.get("system") and customer.get("external_id"))
        or (customer.get("card_last4") and customer.get("name"))
    )
    if not complete:
        raise serializers.ValidationError(
            {
                "customer": [
                    "Give customer_number, or system and external_id, or card_last4 and name."
                ]
            }
        )


_quickly_validated = quick_validator(InteractionSerializer())


def _interaction(data: dict) -> InteractionInput:
    return InteractionInput(**{**data, "customer": CustomerReference(**data["customer"])})


def _validated_row(row, serializer: InteractionSerializer) -> InteractionInput:
    try:
        data = _quickly_validated(row)
    except NotPlain:
        data = serializer.run_validation(row)
    _customer_named(data["customer"])
    return _interaction(data)


@dataclass
class CheckedRows:
    valid: list[InteractionInput]
    errors: list[dict]


def check_rows(rows: list) -> CheckedRows:
    """Each row on its own, as the source-records batch does; a key twice in one batch is refused
    (which would win is unclear)."""
    serializer = InteractionSerializer()
    valid, errors, seen = [], [], set()
    for index, row in enumerate(rows):
        external_id = row.get("external_id") if isinstance(row, dict) else None
        try:
            interaction = _validated_row(row, serializer)
        except serializers.ValidationError as error:
            fields = (
                error.detail
                if isinstance(error.detail, dict)
                else {"non_field_errors": error.detail}
            )
            errors.append(
                {"index": index, "external_id": external_id, "fields": plain_errors(fields)}
            )
            continue
        key = (interaction.source, interaction.external_id)
        if key in seen:
            errors.append(
                {
                    "index": index,
                    "external_id": external_id,
                    "fields": {"external_id": ["Appears twice in this batch."]},
                }
            )
            continue
        seen.add(key)
        valid.append(interaction)
    return CheckedRows(valid=valid, errors=errors)


class InteractionResultOutput(serializers.Serializer):
    source = serializers.CharField()
    external_id = serializers.CharField()
    contact_id = serializers.UUIDField()
    customer_id = serializers.UUIDField(
        allow_null=True, help_text="null: nobody we know fits; it waits for a steward"
    )
    created = serializers.BooleanField(help_text="false: this (source, external_id) was known")


class InteractionErrorOutput(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    fields = serializers.DictField()


class InteractionCreateApi(APIView):
    """A touchpoint from another channel (web, app, branch, LINE, e-mail, SMS, chat). It becomes a
    contact on the customer's timeline and shows in the screen pop for a week ("since the last
    call"). Sending the same `(source, external_id)` again answers 200 and creates nothing; a
    customer nobody fits is kept for a steward (`customer_id` null)."""

    required_scope = "interactions"

    @extend_schema(
        request=InteractionSerializer,
        responses={201: InteractionResultOutput, 200: InteractionResultOutput},
        examples=[
            OpenApiExample("A limit increase applied for in the app", value=INTERACTION_EXAMPLE)
        ],
    )
    def post(self, request):
        data = validated(InteractionSerializer, request.data)
        _customer_named(data["customer"])
        outcome = record_interaction(interaction=_interaction(data))
        return Response(outcome.as_json(), status=201 if outcome.created else 200)


class InteractionBatchApi(APIView):
    """Up to 1,000 touchpoints at once (more: 413). Each row is checked on its own: the valid ones
    are stored, the invalid ones reported by index with their field errors and not stored."""

    required_scope = "interactions"

    @extend_schema_serializer(component_name="InteractionBatch")
    class Input(StrictSerializer):
        # Rows are checked one by one (check_rows): a bad one is reported, not fatal.
        interactions = serializers.ListField(
            child=ParsedJSONField(allow_null=True), allow_empty=True
        )

    @extend_schema_serializer(component_name="InteractionBatchResult")
    class Output(serializers.Serializer):
        results = serializers.ListField(child=InteractionResultOutput())
        errors = serializers.ListField(child=InteractionErrorOutput())

    @extend_schema(
        request=Input,
        responses={200: Output},
        examples=[
            OpenApiExample(
                "An app and a branch touchpoint",
                request_only=True,
                value={
                    "interactions": [
                        INTERACTION_EXAMPLE,
                        {
                            **INTERACTION_EXAMPLE,
                            "source": "branch",
                            "external_id": "BR-0042-7781",
                            "channel": "branch",
                            "subject": "窓口で返済計画の相談",
                            "customer": {"card_last4": "1234", "name": "ヤマダ タロウ"},
                        },
                    ]
                },
            )
        ],
    )
    def post(self, request):
        rows = request.data.get("interactions") if isinstance(request.data, dict) else None
        if isinstance(rows, list) and len(rows) > MAX_BATCH_INTERACTIONS:
            raise PayloadTooLarge(f"At most {MAX_BATCH_INTERACTIONS} interactions a batch.")
        data = validated(self.Input, request.data)
        checked = check_rows(data["interactions"])
        outcomes = record_interactions(interactions=checked.valid) if checked.valid else []
        return Response(
            {"results": [outcome.as_json() for outcome in outcomes], "errors": checked.errors}
        )
