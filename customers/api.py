"""The customers room's REST API: search and the source records. One view per operation."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination

from customers.models import Customer
from customers.queries import search_customers


class CustomerPagination(CursorPagination):
    ordering = ("created_at", "id")
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class CustomerSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "customer_number",
            "name",
            "name_kana",
            "birth_date",
            "gender",
            "phones",
            "emails",
            "postal_code",
            "address",
        ]


class CustomerListApi(ListAPIView):
    """Customers, searched by `phone` or by `q` (name, kana, customer number or phone, any width or
    script)."""

    required_scope = "read"
    people_permission = "customers.view_customer"
    serializer_class = CustomerSummarySerializer
    pagination_class = CustomerPagination

    class Filters(serializers.Serializer):
        phone = serializers.CharField(required=False, max_length=40)
        q = serializers.CharField(required=False, max_length=100)

    @extend_schema(
        parameters=[
            OpenApiParameter("phone", str, description="Phone in any format, e.g. 090-1234-5678"),
            OpenApiParameter("q", str, description="Name, kana, customer number or phone"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = self.Filters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        query = filters.validated_data.get("phone") or filters.validated_data.get("q", "")
        return search_customers(query)
