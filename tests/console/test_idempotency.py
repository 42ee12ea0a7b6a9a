"""`Idempotency-Key` on POSTs: the same key and body answer as the first time, another body is
409, two racing requests have one effect."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from console.integrations.idempotency import KEPT_FOR, forget_old_idempotency_keys
from console.integrations.models import IdempotencyKey
from customers.models import Customer, SourceRecord
from tests.concurrency import run_at_once
from tests.factories import api_key

BATCH = "/api/v1/source-records/batch"
BODY = {"system": "loan_cc", "records": [{"external_id": "L1", "name": "山田 太郎"}]}


def post(api, body, key="order-1"):
    return api.post(BATCH, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_same_key_and_body_answers_as_the_first_time(client_with_scopes):
    api = client_with_scopes("ingest")
    first = post(api, BODY)
    SourceRecord.objects.update(payload={"changed": True})  # a second run would answer "updated"

    again = post(api, BODY)

    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_same_key_with_another_body_is_409_and_stores_nothing(client_with_scopes):
    api = client_with_scopes("ingest")
    post(api, BODY)
    other = {"system": "loan_cc", "records": [{"external_id": "L2", "name": "別人"}]}

    response = post(api, other)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert not SourceRecord.objects.filter(external_id="L2").exists()


@pytest.mark.django_db
def test_keys_belong_to_their_client(client_with_scopes):
    post(client_with_scopes("ingest"), BODY)
    other_client = APIClient()
    other_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['ingest'])}")

    response = post(other_client, {**BODY, "records": [{"external_id": "L9"}]})

    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response


@pytest.mark.django_db
def test_an_overlong_key_is_400(client_with_scopes):
    response = post(client_with_scopes("ingest"), BODY, key="k" * 256)

    assert response.status_code == 400
    assert not SourceRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_have_one_effect():
    key = api_key(scopes=["ingest"], name="racer")

    def send() -> int:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        body = {"system": "loan_cc", "records": [{"external_id": "L1", "name": "山田"}]}
        return post(api, body, key="same").status_code

    statuses = run_at_once(send, send)

    assert sorted(statuses) in ([200, 200], [200, 409])
    assert Customer.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_kept_a_day_then_forgotten(client_with_scopes):
    api = client_with_scopes("ingest")
    post(api, BODY, key="old")
    post(api, BODY, key="new")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - KEPT_FOR - timedelta(minutes=1)
    )

    assert forget_old_idempotency_keys() == 1
    assert forget_old_idempotency_keys() == 0
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
