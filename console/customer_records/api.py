"""The customer-360 for integrations and signed-in people: `GET /api/v1/customers/ID/`."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from console.audit.records import record_customer_view, record_customer_views
from console.calls.screen import customer_360
from console.integrations.clients import requesting_client
from contacts.representations import CaseSchema, ContactSchema, TouchpointSchema
from customers.serializers import (
    AccountSerializer,
    CustomerIdentitySerializer,
    SourceRecordSerializer,
)
from customers.validation import validated


class Customer360Schema(CustomerIdentitySerializer):
    """The customer-360's shape, for the API's documentation: `console.calls.screen.customer_360`
    composes it (tests check each answer against this)."""

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
    open_cases = CaseSchema(many=True)
    recent_contacts = ContactSchema(many=True)
    since_last_call = TouchpointSchema(
        many=True, help_text="Touchpoints on other channels in the last 7 days, newest first"
    )
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
            "since_last_call",
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


def audit_customers_shown(*, request, customer_ids, reason: str, listed: bool, **kwargs) -> None:
    """customers.events.customers_shown: the customers room's API showed these customers."""
    user = request.user
    record_customer_views(
        customer_ids=customer_ids,
        viewer_id=user.pk if user.is_authenticated else None,
        client=requesting_client(request),
        reason=reason,
        listed=listed,
    )
