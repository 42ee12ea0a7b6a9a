"""The telephony API: the native call events of `shared/CONTRACTS.md`."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from console.calls.events import handle_call_event
from contacts.call_events import CallEventInput
from contacts.models import CallEventType, Queue
from customers.validation import BusinessDateTimeField, StrictSerializer, validated


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
        # `from` and `to` on the wire (a Python keyword can't name a field): see get_fields.
        # As long as the contact's number columns: a longer one is no phone number.
        caller_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
        called_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
        queue = serializers.SlugField(max_length=40, required=False, allow_blank=True)
        agent = serializers.CharField(max_length=150, required=False, allow_blank=True)
        target_queue = serializers.SlugField(max_length=40, required=False, allow_blank=True)
        target_agent = serializers.CharField(max_length=150, required=False, allow_blank=True)

        def get_fields(self):
            fields = super().get_fields()
            for wire_name, name in (("from", "caller_number"), ("to", "called_number")):
                field = fields.pop(name)
                field.source = name
                fields[wire_name] = field
            return fields

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
        outcome = handle_call_event(source=request.auth.name, event=CallEventInput(**data))
        return Response(outcome.as_json(), status=202)
