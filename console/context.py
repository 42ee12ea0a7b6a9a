"""The customer-360: one customer composed from the rooms below, in a fixed number of queries
whatever the customer's size."""

from customers.queries import customer_with_records
from customers.serializers import (
    AccountSerializer,
    CustomerIdentitySerializer,
    SourceRecordSerializer,
)


def customer_360(*, customer_id) -> dict | None:
    loaded = customer_with_records(customer_id)
    if loaded is None:
        return None
    context = {
        **CustomerIdentitySerializer(loaded.customer).data,
        "source_records": SourceRecordSerializer(loaded.source_records, many=True).data,
        "accounts": AccountSerializer(loaded.accounts, many=True).data,
    }
    if loaded.merged_from:
        context["merged_from"] = loaded.merged_from
    return context
