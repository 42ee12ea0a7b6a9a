"""The console's REST API: answers composed from several rooms."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from console.api_clients import requesting_client
from console.audit import record_customer_view
from console.call_handling import handle_call_event
from console.context import customer_360
from contacts.models import CallEventType, Queue
from customers.serializers import (
    AccountSerializer,
    CustomerIdentitySerializer,
    SourceRecordSerializer,
)
from customers.validation import BusinessDateTimeField, StrictSerializer, validated


class Customer360Schema(CustomerIdentitySerializer):
    """The customer-360's shape, for the API's documentation: `console.context.customer_360`
    composes it (tests check each answer against this)."""

    class OpenCase(serializers.Serializer):
        id = serializers.UUIDField()
        kind = serializers.CharField()
        status = serializers.CharField()
        owner_desk = serializers.CharField()
        subject = serializers.CharField()
        opened_at = serializers.DateTimeField()
        due_at = serializers.DateTimeField(allow_null=True)

    class RecentContact(serializers.Serializer):
        id = serializers.UUIDField()
        channel = serializers.CharField()
        desk = serializers.CharField()
        queue = serializers.CharField(allow_null=True)
        state = serializers.CharField()
        agent = serializers.CharField(allow_null=True)
        offered_at = serializers.DateTimeField(allow_null=True)
        handle_seconds = serializers.FloatField(allow_null=True)
        wrap_up = serializers.CharField(allow_null=True)
        disposition = serializers.CharField()

    class Alert(serializers.Serializer):
        code = serializers.CharField(help_text="e.g. payment_past_due, recent_card_retained")
        days_past_due = serializers.IntegerField(required=False)

    class NextBestAction(serializers.Serializer):
        code = serializers.CharField(help_text="e.g. repayment_consultation")

    class Match(serializers.Serializer):
        system = serializers.CharField()
        external_id = serializers.CharField()
        rule = serializers.CharField(allow_null=True, help_text="The rule that linked the record")
        score = serializers.FloatField(allow_null=True)

    accounts = AccountSerializer(many=True)
    open_cases = OpenCase(many=True)
    recent_contacts = RecentContact(many=True)
    alerts = Alert(many=True)
    next_best_actions = NextBestAction(many=True)
    match = Match(many=True)
    source_records = SourceRecordSerializer(many=True)
    merged_from = serializers.UUIDField(
        required=False, help_text="The absorbed id asked for, when it was merged into this one"
    )

    class Meta(CustomerIdentitySerializer.Meta):
        fields = [
            *CustomerIdentitySerializer.Meta.fields,
            "accounts",
            "open_cases",
            "recent_contacts",
            "alerts",
            "next_best_actions",
            "match",
            "source_records",
            "merged_from",
        ]


class CustomerDetailApi(APIView):
    """The customer-360: identity, source records, masked accounts. An absorbed id answers with
    the survivor and `merged_from`."""

    required_scope = "read"
    people_permission = "customers.view_customer"

    class Opening(serializers.Serializer):
        reason = serializers.CharField(required=False, max_length=200)
        contact = serializers.UUIDField(required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("reason", str, description="Why the record is opened (audited)"),
            OpenApiParameter("contact", str, description="The contact it is opened from"),
        ],
        responses={200: Customer360Schema},
    )
    def get(self, request, customer_id):
        context = customer_360(customer_id=customer_id)
        if context is None:
            raise NotFound("No customer with this id.")
        opening = validated(self.Opening, request.query_params.dict())
        record_customer_view(
            customer_id=context["id"],
            viewer=request.user if request.user.is_authenticated else None,
            client=requesting_client(request),
            contact_id=opening.get("contact"),
            reason=opening.get("reason") or "api",
        )
        return Response(context)


class CallEventApi(APIView):
    """A telephony event. The same `event_id` again answers `duplicate: true` and changes
    nothing; events may arrive late or out of order (the contact's times come from `at`)."""

    required_scope = "cti"

    @extend_schema_serializer(component_name="CallEvent")
    class Input(StrictSerializer):
        event_id = serializers.CharField(max_length=128)
        call_id = serializers.CharField(max_length=128)
        type = serializers.ChoiceField(choices=CallEventType.choices)
        at = BusinessDateTimeField()
        locals()["from"] = serializers.CharField(max_length=40, required=False, allow_blank=True)
        to = serializers.CharField(max_length=40, required=False, allow_blank=True)
        queue = serializers.SlugField(max_length=40, required=False, allow_blank=True)
        agent = serializers.CharField(max_length=150, required=False, allow_blank=True)
        target_queue = serializers.SlugField(max_length=40, required=False, allow_blank=True)
        target_agent = serializers.CharField(max_length=150, required=False, allow_blank=True)

        def validate(self, data):
            errors = {}
            for name in ("queue", "target_queue"):
                if data.get(name) and not Queue.objects.filter(name=data[name]).exists():
                    errors[name] = ["No such queue."]
            if data["type"] == CallEventType.OFFERED and not (
                data.get("queue") or data.get("agent")
            ):
                errors["queue"] = ["An offered call needs a queue or an agent."]
            if data["type"] == CallEventType.TRANSFERRED and not (
                data.get("target_queue") or data.get("target_agent")
            ):
                errors["target_queue"] = ["A transfer needs a target_queue or a target_agent."]
            if errors:
                raise serializers.ValidationError(errors)
            return data

    @extend_schema_serializer(component_name="CallEventAccepted")
    class Output(serializers.Serializer):
        contact_id = serializers.UUIDField(allow_null=True)
        customer_id = serializers.UUIDField(allow_null=True)
        agent = serializers.CharField(allow_null=True)
        duplicate = serializers.BooleanField()

    @extend_schema(
        request=Input,
        responses={202: Output},
        examples=[
            OpenApiExample(
                "A call offered to the loans queue",
                request_only=True,
                value={
                    "event_id": "evt-1",
                    "call_id": "call-1",
                    "type": "offered",
                    "at": "2026-11-24T09:00:00+09:00",
                    "from": "09012345678",
                    "to": "0120000000",
                    "queue": "loans",
                },
            )
        ],
    )
    def post(self, request):
        data = validated(self.Input, request.data)
        outcome = handle_call_event(source=request.auth.name, data=data)
        return Response(outcome.as_json(), status=202)
