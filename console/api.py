"""The console's REST API: answers composed from several rooms."""

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from console.context import customer_360


class CustomerDetailApi(APIView):
    """The customer-360: identity, source records, masked accounts. An absorbed id answers with
    the survivor and `merged_from`."""

    required_scope = "read"
    people_permission = "customers.view_customer"

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, customer_id):
        context = customer_360(customer_id=customer_id)
        if context is None:
            raise NotFound("No customer with this id.")
        return Response(context)
