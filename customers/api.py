"""The customers room's REST API: search and the source records. One view per operation."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import SourceRecord
from customers.queries import search_customers
from customers.record_input import MAX_BATCH_RECORDS, validate_records
from customers.resolution import ingest_source_records
from customers.serializers import CustomerSummarySerializer, SourceRecordSerializer
from customers.validation import (
    ParsedJSONField,
    PayloadTooLarge,
    StrictSerializer,
    validated,
)


class CustomerPagination(CursorPagination):
    ordering = ("created_at", "id")
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class CustomerListApi(ListAPIView):
    """Customers, searched by `phone` or by `q` (name, kana, customer number or phone, any width or
    script, as far as typed); a search answers at most its first 1,000 matches."""

    required_scope = "read"
    people_permission = "customers.view_customer"
    serializer_class = CustomerSummarySerializer
    pagination_class = CustomerPagination

    class Filters(StrictSerializer):
        phone = serializers.CharField(
            required=False, max_length=40, help_text="Phone in any format, e.g. 090-1234-5678"
        )
        q = serializers.CharField(
            required=False, max_length=100, help_text="Name, kana, customer number or phone"
        )
        cursor = serializers.CharField(required=False, max_length=200)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)

    @extend_schema(parameters=[Filters])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = validated(self.Filters, self.request.query_params.dict())
        return search_customers(filters.get("phone") or filters.get("q", ""))


class BatchResultOutput(serializers.Serializer):
    external_id = serializers.CharField()
    customer_id = serializers.UUIDField()
    action = serializers.ChoiceField(choices=["created", "linked", "updated", "unchanged"])
    match = serializers.DictField(allow_null=True)


class BatchErrorOutput(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    fields = serializers.DictField()


class SourceRecordBatchApi(APIView):
    """Upsert up to 1,000 records of one system and resolve each to a customer before answering.
    Invalid records are reported by index and not stored; the valid ones are."""

    required_scope = "ingest"

    @extend_schema_serializer(component_name="SourceRecordBatch")
    class Input(StrictSerializer):
        system = serializers.RegexField(
            r"^[a-z][a-z0-9_]{0,31}$", help_text="Short name of the source, e.g. loan_cc, atm_svc"
        )
        # Records are checked one by one (validate_records): a bad one is reported, not fatal.
        records = serializers.ListField(child=ParsedJSONField(allow_null=True), allow_empty=True)

    @extend_schema_serializer(component_name="SourceRecordBatchResult")
    class Output(serializers.Serializer):
        results = serializers.ListField(child=BatchResultOutput())
        errors = serializers.ListField(child=BatchErrorOutput())

    @extend_schema(
        request=Input,
        responses={200: Output},
        examples=[
            OpenApiExample(
                "Two records from the loan desk",
                request_only=True,
                value={
                    "system": "loan_cc",
                    "records": [
                        {
                            "external_id": "L-000123",
                            "customer_number": "C0012345",
                            "name": "山田 太郎",
                            "name_kana": "ヤマダ タロウ",
                            "birth_date": "1980-04-01",
                            "phones": ["090-1234-5678"],
                            "emails": ["taro@example.jp"],
                            "postal_code": "160-0022",
                            "address": "東京都新宿区新宿1-1-1",
                            "updated_at": "2026-11-01T10:00:00+09:00",
                            "accounts": [
                                {"kind": "loan", "number": "4980001234", "status": "active"}
                            ],
                        }
                    ],
                },
            )
        ],
    )
    def post(self, request):
        records = request.data.get("records") if isinstance(request.data, dict) else None
        if isinstance(records, list) and len(records) > MAX_BATCH_RECORDS:
            raise PayloadTooLarge(f"At most {MAX_BATCH_RECORDS} records a batch.")
        data = validated(self.Input, request.data)
        checked = validate_records(data["records"])
        outcome = ingest_source_records(
            system=data["system"], records=checked.valid, decided_by_system=request.auth.name
        )
        return Response({"results": outcome.as_json(), "errors": checked.errors})


class SourceRecordPagination(CursorPagination):
    ordering = ("id",)
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


class SourceRecordListApi(ListAPIView):
    """Source records of one system, each with the customer it belongs to now."""

    required_scope = "read"
    people_permission = "customers.view_customer"
    serializer_class = SourceRecordSerializer
    pagination_class = SourceRecordPagination

    class Filters(StrictSerializer):
        system = serializers.CharField(min_length=1, max_length=32)
        cursor = serializers.CharField(required=False, max_length=200)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)

    @extend_schema(parameters=[Filters])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = validated(self.Filters, self.request.query_params.dict())
        return SourceRecord.objects.filter(system=filters["system"])


class SourceRecordDetailApi(RetrieveAPIView):
    required_scope = "read"
    people_permission = "customers.view_customer"
    serializer_class = SourceRecordSerializer

    def get_object(self):
        return get_object_or_404(
            SourceRecord, system=self.kwargs["system"], external_id=self.kwargs["external_id"]
        )
