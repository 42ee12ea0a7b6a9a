"""The REST API of the service center's systems: ATM incidents, service tickets, webhooks."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from console.integrations.clients import requesting_client
from console.integrations.models import WebhookEvent, WebhookSubscription
from console.integrations.webhook_addresses import WebhookAddressError
from console.integrations.webhook_emitting import subscribe
from console.service_desk import cases
from console.service_desk.cases import (
    ATM_INCIDENT_KINDS,
    AtmIncidentInput,
    CustomerReference,
    TicketInput,
)
from contacts.cases import CaseError
from contacts.models import Case, CaseKind, CaseStatus, Desk
from contacts.representations import CaseSchema, case_json
from customers.validation import BusinessDateTimeField, Conflict, StrictSerializer, validated

CASE_RESPONSE_EXAMPLE = {
    "id": "8f6d3c52-1f0e-4a51-9d4c-1b7f2e0f9a10",
    "kind": "card_retained",
    "status": "open",
    "owner_desk": "service_center",
    "subject": "ATM ATM-0042: Card retained at ATM",
    "customer_id": "5c1e1f3a-0000-4000-8000-000000000001",
    "source": "atm-monitor",
    "external_id": "INC-20261124-0001",
    "details": {"atm_id": "ATM-0042", "card_last4": "1234"},
    "opened_at": "2026-11-24T09:12:00+09:00",
    "due_at": "2026-11-27T09:12:00+09:00",
    "closed_at": None,
}


class CustomerReferenceInput(StrictSerializer):
    """Name the customer one of three ways: the customer number; a source system's record id;
    or a card's last four digits with the holder's name."""

    customer_number = serializers.CharField(max_length=32, required=False)
    system = serializers.CharField(max_length=32, required=False)
    external_id = serializers.CharField(max_length=128, required=False)
    card_last4 = serializers.RegexField(r"^\d{4}$", required=False)
    name = serializers.CharField(max_length=200, required=False)

    def validate(self, data):
        complete = (
            data.get("customer_number")
            or (data.get("system") and data.get("external_id"))
            or (data.get("card_last4") and data.get("name"))
        )
        if not complete:
            raise serializers.ValidationError(
                "Give customer_number, or system and external_id, or card_last4 and name."
            )
        return data


class AtmIncidentApi(APIView):
    """An ATM event (card retained, cash not dispensed, deposit mismatch, device error). It
    becomes a case and a contact on the customer's timeline, raises the matching alert and next
    best action, and updates the screen of an agent who is talking to that customer. The same
    `incident_id` again answers 200 with the case already made."""

    required_scope = "atm"

    @extend_schema_serializer(component_name="AtmIncident")
    class Input(StrictSerializer):
        incident_id = serializers.CharField(max_length=128)
        type = serializers.ChoiceField(choices=[(k.value, k.label) for k in ATM_INCIDENT_KINDS])
        atm_id = serializers.CharField(max_length=32)
        occurred_at = BusinessDateTimeField()
        amount = serializers.IntegerField(required=False, min_value=0, max_value=10_000_000)
        card_last4 = serializers.RegexField(r"^\d{4}$", required=False)
        description = serializers.CharField(max_length=1000, required=False, allow_blank=True)
        customer = CustomerReferenceInput(required=False)

    @extend_schema(
        request=Input,
        responses={201: CaseSchema, 200: CaseSchema},
        examples=[
            OpenApiExample(
                "A card retained, the customer named by card and name",
                request_only=True,
                value={
                    "incident_id": "INC-20261124-0001",
                    "type": "card_retained",
                    "atm_id": "ATM-0042",
                    "occurred_at": "2026-11-24T09:12:00+09:00",
                    "card_last4": "1234",
                    "customer": {"card_last4": "1234", "name": "ヤマダ タロウ"},
                },
            ),
            OpenApiExample("The case", response_only=True, value=CASE_RESPONSE_EXAMPLE),
        ],
    )
    def post(self, request):
        data = validated(self.Input, request.data)
        incident = AtmIncidentInput(
            **{**data, "customer": CustomerReference(**data.get("customer", {}))}
        )
        outcome = cases.report_atm_incident(source=request.auth.name, incident=incident)
        return Response(case_json(outcome.case), status=201 if outcome.created else 200)


class TicketCreateApi(APIView):
    """A service ticket from the ticketing system. The same `external_id` again answers 200."""

    required_scope = "tickets"

    @extend_schema_serializer(component_name="TicketCreate")
    class Input(StrictSerializer):
        external_id = serializers.CharField(max_length=128)
        kind = serializers.ChoiceField(choices=CaseKind.choices)
        subject = serializers.CharField(max_length=200)
        owner_desk = serializers.ChoiceField(choices=Desk.choices, required=False)
        opened_at = BusinessDateTimeField()
        due_at = BusinessDateTimeField(required=False, allow_null=True)
        details = serializers.DictField(required=False)
        customer = CustomerReferenceInput(required=False)

    @extend_schema(
        request=Input,
        responses={201: CaseSchema, 200: CaseSchema},
        examples=[
            OpenApiExample(
                "A card reissue ticket",
                request_only=True,
                value={
                    "external_id": "TCK-1001",
                    "kind": "card_reissue",
                    "subject": "カード再発行 / card reissue",
                    "opened_at": "2026-11-24T10:00:00+09:00",
                    "customer": {"customer_number": "C0012345"},
                },
            )
        ],
    )
    def post(self, request):
        data = validated(self.Input, request.data)
        ticket = TicketInput(**{**data, "customer": CustomerReference(**data.get("customer", {}))})
        outcome = cases.create_ticket(source=request.auth.name, ticket=ticket)
        return Response(case_json(outcome.case), status=201 if outcome.created else 200)


class TicketDetailApi(APIView):
    required_scope = "tickets"
    people_permission = "customers.view_customer"

    @extend_schema(responses={200: CaseSchema})
    def get(self, request, case_id):
        return Response(case_json(_visible_case(request, case_id, reading=True)))


def _visible_case(request, case_id, *, reading: bool = False) -> Case:
    """The case, if this caller may see it; another client's is answered 404 like a missing one,
    so ids of others' cases tell nothing."""
    visible = cases.cases_a_client_may_see(client=requesting_client(request), reading=reading)
    return get_object_or_404(visible, pk=case_id)


def _case_change(change):
    """A lifecycle change; one the case's state does not allow is a 409."""
    try:
        return change()
    except CaseError as error:
        raise Conflict(str(error)) from error


class TicketStatusApi(APIView):
    """Move a ticket along its lifecycle (open → in_progress → waiting_customer → resolved →
    closed); a change the lifecycle does not allow is 409."""

    required_scope = "tickets"

    @extend_schema_serializer(component_name="TicketStatusChange")
    class Input(StrictSerializer):
        status = serializers.ChoiceField(choices=CaseStatus.choices)

    @extend_schema(request=Input, responses={200: CaseSchema})
    def post(self, request, case_id):
        _visible_case(request, case_id)
        data = validated(self.Input, request.data)
        case = _case_change(
            lambda: cases.update_case_status(case_id=case_id, status=data["status"])
        )
        return Response(case_json(case))


class TicketCommentApi(APIView):
    required_scope = "tickets"

    @extend_schema_serializer(component_name="TicketComment")
    class Input(StrictSerializer):
        text = serializers.CharField(max_length=4000)

    @extend_schema(request=Input, responses={201: CaseSchema})
    def post(self, request, case_id):
        _visible_case(request, case_id)
        data = validated(self.Input, request.data)
        _case_change(
            lambda: cases.add_case_comment(
                case_id=case_id, text=data["text"], author_system=request.auth.name
            )
        )
        return Response(case_json(Case.objects.get(pk=case_id)), status=201)


class TicketCloseApi(APIView):
    required_scope = "tickets"

    @extend_schema_serializer(component_name="TicketClose")
    class Input(StrictSerializer):
        resolution = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(request=Input, responses={200: CaseSchema})
    def post(self, request, case_id):
        _visible_case(request, case_id)
        data = validated(self.Input, request.data)
        case = _case_change(
            lambda: cases.close_case(
                case_id=case_id,
                resolution=data.get("resolution", ""),
                author_system=request.auth.name,
            )
        )
        return Response(case_json(case))


class WebhookOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    event_types = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()


class WebhookListCreateApi(APIView):
    """Your webhook subscriptions. Deliveries are POSTed as JSON with
    `X-Console-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`;
    the secret is shown once, when the subscription is made."""

    required_scope = "webhooks"

    @extend_schema_serializer(component_name="WebhookSubscriptionCreate")
    class Input(StrictSerializer):
        url = serializers.URLField(max_length=500)
        event_types = serializers.ListField(
            child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1
        )

    @extend_schema(responses={200: WebhookOutput(many=True)})
    def get(self, request):
        subscriptions = WebhookSubscription.objects.filter(client=request.auth).order_by("pk")
        return Response(WebhookOutput(subscriptions, many=True).data)

    @extend_schema(request=Input, responses={201: WebhookOutput})
    def post(self, request):
        data = validated(self.Input, request.data)
        try:
            subscription = subscribe(client=request.auth, **data)
        except WebhookAddressError as refused:
            raise serializers.ValidationError({"url": [str(refused)]}) from refused
        return Response(
            {**WebhookOutput(subscription).data, "secret": subscription.secret}, status=201
        )


class WebhookDeleteApi(APIView):
    required_scope = "webhooks"

    @extend_schema(responses={204: None})
    def delete(self, request, subscription_id):
        get_object_or_404(WebhookSubscription, pk=subscription_id, client=request.auth).delete()
        return Response(status=204)
