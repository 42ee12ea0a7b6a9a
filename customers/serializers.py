"""How customers, source records and accounts appear in API answers. Account numbers only ever
appear masked."""

from rest_framework import serializers

from customers.models import Account, Customer, SourceRecord


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


class CustomerIdentitySerializer(CustomerSummarySerializer):
    class Meta(CustomerSummarySerializer.Meta):
        fields = [
            *CustomerSummarySerializer.Meta.fields,
            "field_sources",
            "is_vulnerable",
            "do_not_call",
            "fraud_watch",
            "created_at",
            "updated_at",
        ]


class SourceRecordSerializer(serializers.ModelSerializer):
    customer_id = serializers.UUIDField(read_only=True)
    payload = serializers.SerializerMethodField()
    match = serializers.SerializerMethodField()

    class Meta:
        model = SourceRecord
        fields = [
            "system",
            "external_id",
            "customer_id",
            "payload",
            "match",
            "record_updated_at",
            "created_at",
            "updated_at",
        ]

    def get_payload(self, record: SourceRecord) -> dict:
        """The record as stored, less each account's number hash: it is keyed with the server's
        secret to link accounts across systems, and outside the server it would let anyone
        holding it confirm a guessed account number or follow one account between answers."""
        accounts = record.payload.get("accounts")
        if not accounts:
            return record.payload
        return {
            **record.payload,
            "accounts": [
                {name: value for name, value in account.items() if name != "number_hash"}
                for account in accounts
            ],
        }

    def get_match(self, record: SourceRecord) -> dict | None:
        if not record.link_rule:
            return None
        return {"rule": record.link_rule, "score": record.link_score}


class AccountSerializer(serializers.ModelSerializer):
    system = serializers.CharField(source="source_record.system", read_only=True)

    class Meta:
        model = Account
        fields = [
            "kind",
            "masked_number",
            "system",
            "status",
            "balance",
            "credit_limit",
            "next_due_date",
            "next_due_amount",
            "days_past_due",
        ]
