"""The touchpoints API: `POST /api/v1/interactions` (one) and `/api/v1/interactions/batch` (up to
1,000, each row checked on its own: a bad row is reported by index and not stored)."""

from dataclasses import dataclass

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from console.touchpoints.interactions import (
    InteractionInput,
    record_interaction,
    record_interactions,
)
from console.touchpoints.line_replies import (
    LineSignatureMismatch,
    NotALineWebhook,
    line_events,
    record_line_replies,
)
from contacts.choices import TOUCHPOINT_CHANNEL_CHOICES
from contacts.models import Desk, Direction
from customers.references import CustomerReference
from customers.validation import (
    TWICE_IN_BATCH,
    BusinessDateTimeField,
    NotPlain,
    ParsedJSONField,
    PayloadTooLarge,
    StrictSerializer,
    quick_validator,
    row_error,
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


class JsonBooleanField(serializers.BooleanField):
    """true or false only: DRF would also take 0, 1, "yes" and "off", which the schema says a
    boolean is not."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


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
    channel = serializers.ChoiceField(choices=TOUCHPOINT_CHANNEL_CHOICES)
    direction = serializers.ChoiceField(choices=Direction.choices)
    occurred_at = BusinessDateTimeField()
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    desk = serializers.ChoiceField(choices=Desk.choices, required=False)
    customer = InteractionCustomerInput(required=False)
    in_reply_to = serializers.RegexField(
        r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        required=False,
        help_text="The follow-up message this answers or bounces (the id in its Message-ID, "
        "<follow-up-ID@...>); then the customer may be left out",
    )
    bounced = JsonBooleanField(
        required=False, help_text="true: the message in in_reply_to could not be delivered"
    )


def _customer_named(data: dict) -> None:
    customer = data.get("customer", {})
    complete = (
        data.get("in_reply_to")
        or customer.get("customer_number")
        or (customer.get("system") and customer.get("external_id"))
        or (customer.get("card_last4") and customer.get("name"))
    )
    if not complete:
        raise serializers.ValidationError(
            {
                "customer": [
                    "Give customer_number, or system and external_id, or card_last4 and name "
                    "(or in_reply_to)."
                ]
            }
        )


_quickly_validated = quick_validator(InteractionSerializer())


def _interaction(data: dict) -> InteractionInput:
    return InteractionInput(
        **{
            **data,
            "customer": CustomerReference(**data.get("customer", {})),
            "in_reply_to": data.get("in_reply_to", ""),
        }
    )


def _validated_row(row, serializer: InteractionSerializer) -> InteractionInput:
    try:
        data = _quickly_validated(row)
    except NotPlain:
        data = serializer.run_validation(row)
    _customer_named(data)
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
            errors.append(row_error(index=index, external_id=external_id, error=error))
            continue
        key = (interaction.source, interaction.external_id)
        if key in seen:
            errors.append(row_error(index=index, external_id=external_id, error=TWICE_IN_BATCH))
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
        _customer_named(data)
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


class LineWebhookApi(APIView):
    """The LINE Messaging API webhook: what customers write back to our messages. Signed by LINE
    (`X-Line-Signature`: base64 HMAC-SHA256 of the body with the channel secret,
    settings.LINE_CHANNEL_SECRET), checked with the SDK; each text message becomes an inbound
    touchpoint on the timeline of the customer whose LINE user id it is. Answers 200."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        operation_id="line_webhook",
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("X-Line-Signature", str, OpenApiParameter.HEADER, required=True)
        ],
        responses={200: None},
        auth=[],
    )
    def post(self, request):
        if not settings.LINE_CHANNEL_SECRET:
            raise exceptions.PermissionDenied("LINE is not configured.")
        signature = request.META.get("HTTP_X_LINE_SIGNATURE", "")
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise exceptions.ParseError("The body is not UTF-8.") from error
        try:
            events = line_events(
                body=body, signature=signature, channel_secret=settings.LINE_CHANNEL_SECRET
            )
        except LineSignatureMismatch as error:
            raise exceptions.PermissionDenied(str(error)) from error
        except NotALineWebhook as error:
            raise exceptions.ParseError(str(error)) from error
        record_line_replies(events=events)
        return Response(status=200)
