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

from customers.events import customers_shown
from customers.models import Customer, SourceRecord
from customers.queries import live_customers, search_customers
from customers.record_input import MAX_BATCH_RECORDS, validate_records
from customers.resolution import ingest_source_records
from customers.serializers import CustomerSummarySerializer, SourceRecordSerializer
from customers.validation import (
    FilterRequired,
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


EXPORT_SCOPE = "export"


def may_list_everyone(request, view) -> bool:
    """A listing of everyone is for a system whose key carries the view's export scope, never
    for a person: `request.auth` is the client the console's key authentication found."""
    return view.export_scope in (getattr(request.auth, "scopes", None) or ())


def announce_shown(request, *, customer_ids, reason: str, listed: bool) -> None:
    """The console writes each showing to its access log (customers.events.customers_shown)."""
    customers_shown.send(
        sender=Customer,
        request=request,
        customer_ids=[customer_id for customer_id in customer_ids if customer_id],
        reason=reason,
        listed=listed,
    )


class CustomerListApi(ListAPIView):
    """Customers, searched by `phone` or by `q` (name, kana, customer number or phone, any width or
    script, as far as typed); a search answers at most its first 1,000 matches. Scope `read`;
    without a filter, every customer, only for a key with the `export` scope. Every customer
    listed is written to the access log."""

    required_scope = "read"
    export_scope = EXPORT_SCOPE
    people_permission = "customers.view_customer"
    serializer_class = CustomerSummarySerializer
    pagination_class = CustomerPagination
    query = ""

    class Filters(StrictSerializer):
        phone = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=40,
            help_text="Phone in any format, e.g. 090-1234-5678",
        )
        q = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=100,
            help_text="Name, kana, customer number or phone",
        )
        cursor = serializers.CharField(required=False, max_length=200)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)

    @extend_schema(parameters=[Filters])
    def get(self, request, *args, **kwargs):
        filters = validated(self.Filters, request.query_params.dict())
        query = (filters.get("phone") or filters.get("q") or "").strip()
        if not query and not may_list_everyone(request, self):
            # As the search page: people look customers up, they do not browse everyone.
            raise FilterRequired(
                summary="Search with phone or q; listing every customer needs a key with the "
                "export scope.",
                filters=["phone", "q"],
            )
        self.query = query
        response = super().get(request, *args, **kwargs)
        announce_shown(
            request,
            customer_ids=[item["id"] for item in response.data["results"]],
            reason=f"api search: {query}" if query else "api export",
            listed=True,
        )
        return response

    def get_queryset(self):
        return search_customers(self.query) if self.query else live_customers()


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
    """Source records of one customer (`customer`, an absorbed id follows its merge), each with
    the customer it belongs to now; `system` narrows them to one system. Scope `read`; without
    a customer, every record (of `system`), only for a key with the `export` scope. Every
    customer listed is written to the access log."""

    required_scope = "read"
    export_scope = EXPORT_SCOPE
    people_permission = "customers.view_customer"
    serializer_class = SourceRecordSerializer
    pagination_class = SourceRecordPagination
    filters: dict = {}  # set per request in get

    class Filters(StrictSerializer):
        customer = serializers.UUIDField(required=False)
        system = serializers.CharField(required=False, min_length=1, max_length=32)
        cursor = serializers.CharField(required=False, max_length=200)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)

    @extend_schema(parameters=[Filters])
    def get(self, request, *args, **kwargs):
        self.filters = validated(self.Filters, request.query_params.dict())
        if "customer" not in self.filters and not may_list_everyone(request, self):
            raise FilterRequired(
                summary="Name the customer whose records to list; listing every record needs "
                "a key with the export scope.",
                filters=["customer"],
            )
        response = super().get(request, *args, **kwargs)
        named = " ".join(
            f"{name}={self.filters[name]}"
            for name in ("customer", "system")
            if name in self.filters
        )
        announce_shown(
            request,
            customer_ids=[item["customer_id"] for item in response.data["results"]],
            reason=f"api source records: {named}"
            if "customer" in self.filters
            else f"api export {named}".strip(),
            listed=True,
        )
        return response

    def get_queryset(self):
        records = SourceRecord.objects.all()
        if "customer" in self.filters:
            customer_id = self.filters["customer"]
            survivor = (
                Customer.objects.filter(pk=customer_id)
                .values_list("merged_into_id", flat=True)
                .first()
            )
            records = records.filter(customer_id=survivor or customer_id)
        if "system" in self.filters:
            records = records.filter(system=self.filters["system"])
        return records


class SourceRecordDetailApi(RetrieveAPIView):
    """One source record with the customer it belongs to now; written to the access log."""

    required_scope = "read"
    people_permission = "customers.view_customer"
    serializer_class = SourceRecordSerializer

    def get_object(self):
        record = get_object_or_404(
            SourceRecord, system=self.kwargs["system"], external_id=self.kwargs["external_id"]
        )
        announce_shown(
            self.request,
            customer_ids=[record.customer_id],
            reason=f"api source record: {record.system} {record.external_id}",
            listed=False,
        )
        return record
