"""Touchpoints from other channels: every channel reaches the timeline and the screen pop,
idempotent by (source, external_id), bad rows refused with field errors and nothing of them
stored, unresolvable customers in the steward's queue."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console.calls.screen import customer_360
from contacts.models import TOUCHPOINT_CHANNELS, Contact, Touchpoint
from contacts.timeline import customer_timeline
from contacts.touchpoints import unresolved_touchpoints
from customers.bulk_writes import (
    STAGED_FROM_ROWS,
    insert_rows,
    insert_rows_skipping_conflicts,
)
from customers.models import Customer
from customers.resolution import ingest_source_records

ONE = "/api/v1/interactions"
BATCH = "/api/v1/interactions/batch"
TARO = {
    "external_id": "A-77",
    "customer_number": "C0012345",
    "name": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "phones": ["090-1234-5678"],
    "accounts": [{"kind": "card", "number": "4111 1111 1111 1234"}],
}


def interaction(**fields) -> dict:
    return {
        "source": "member_app",
        "external_id": "APP-1",
        "channel": "app",
        "direction": "inbound",
        "occurred_at": timezone.now().isoformat(),
        "customer": {"customer_number": "C0012345"},
        "subject": "増枠の申込",
        **fields,
    }


@pytest.fixture
def taro(db) -> Customer:
    outcome = ingest_source_records(system="atm_svc", records=[TARO])
    return Customer.objects.get(pk=outcome.results[0].customer_id)


@pytest.fixture
def channels_api(client_with_scopes):
    return client_with_scopes("interactions")


@pytest.mark.django_db
def test_every_channel_reaches_the_timeline_and_the_screen_pop(channels_api, taro):
    rows = [
        interaction(external_id=f"X-{channel}", channel=channel, subject=f"{channel} subject")
        for channel in TOUCHPOINT_CHANNELS
    ]

    response = channels_api.post(BATCH, {"interactions": rows}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["errors"] == []
    assert {r["customer_id"] for r in response.json()["results"]} == {str(taro.pk)}
    timeline = customer_timeline(customer_ids=[taro.pk])
    assert sorted(c.channel for c in timeline) == sorted(TOUCHPOINT_CHANNELS)
    pop = customer_360(customer_id=taro.pk)
    assert sorted(t["channel"] for t in pop["since_last_call"]) == sorted(TOUCHPOINT_CHANNELS)
    subjects = {t["subject"] for t in pop["since_last_call"]}
    assert subjects == {f"{channel} subject" for channel in TOUCHPOINT_CHANNELS}


@pytest.mark.django_db
def test_the_timeline_filters_touchpoints_by_channel(channels_api, taro):
    channels_api.post(
        BATCH,
        {"interactions": [interaction(external_id="w", channel="web"), interaction()]},
        format="json",
    )

    assert [c.channel for c in customer_timeline(customer_ids=[taro.pk], channel="web")] == ["web"]


@pytest.mark.django_db
def test_only_the_last_week_shows_as_since_the_last_call(channels_api, taro):
    old = (timezone.now() - timedelta(days=8)).isoformat()
    channels_api.post(ONE, interaction(external_id="old", occurred_at=old), format="json")
    channels_api.post(ONE, interaction(external_id="new"), format="json")

    pop = customer_360(customer_id=taro.pk)

    assert [t["external_id"] for t in pop["since_last_call"]] == ["new"]
    assert len(customer_timeline(customer_ids=[taro.pk])) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reference",
    [
        {"customer_number": "C0012345"},
        {"system": "atm_svc", "external_id": "A-77"},
        {"card_last4": "1234", "name": "ﾔﾏﾀﾞ ﾀﾛｳ"},
    ],
)
def test_each_way_of_naming_the_customer_reaches_the_customer(channels_api, taro, reference):
    response = channels_api.post(ONE, interaction(customer=reference), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["customer_id"] == str(taro.pk)


@pytest.mark.django_db
def test_the_same_source_and_id_again_creates_nothing(channels_api, taro):
    first = channels_api.post(ONE, interaction(), format="json")
    again = channels_api.post(ONE, interaction(subject="changed"), format="json")
    batch = channels_api.post(BATCH, {"interactions": [interaction()]}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["contact_id"] == first.json()["contact_id"]
    assert batch.json()["results"][0] == {**first.json(), "created": False}
    assert (Touchpoint.objects.count(), Contact.objects.count()) == (1, 1)
    assert Touchpoint.objects.get().subject == "増枠の申込"


@pytest.mark.django_db
@pytest.mark.parametrize("new_rows", [1, STAGED_FROM_ROWS], ids=["few rows", "staged rows"])
def test_a_key_another_request_stored_meanwhile_goes_in_once(channels_api, taro, new_rows):
    """Between a batch's read and its insert another request may store the same key: the
    insert skips that row and says which rows went in, so only those get a contact."""
    stored = channels_api.post(ONE, interaction(external_id="APP-1"), format="json").json()
    late = uuid.uuid4()
    fresh = {f"APP-NEW-{n}": uuid.uuid4() for n in range(new_rows)}
    with transaction.atomic():
        went_in = insert_rows_skipping_conflicts(
            Touchpoint,
            fields=["contact_id", "source", "external_id", "direction", "subject"],
            rows=[
                (late, "member_app", "APP-1", "inbound", "the same key again"),
                *((pk, "member_app", key, "inbound", "a new key") for key, pk in fresh.items()),
            ],
        )
        insert_rows(
            Contact,
            fields=["id", "channel", "source", "state"],
            rows=[(pk, "app", "member_app", "wrapped_up") for pk in fresh.values()],
        )

    assert went_in == set(fresh.values())
    assert Touchpoint.objects.get(source="member_app", external_id="APP-1").pk == uuid.UUID(
        stored["contact_id"]
    )
    assert Touchpoint.objects.filter(subject="a new key").count() == new_rows


@pytest.mark.django_db
def test_the_same_id_from_another_source_is_another_touchpoint(channels_api, taro):
    channels_api.post(ONE, interaction(), format="json")
    channels_api.post(ONE, interaction(source="web_member"), format="json")

    assert Touchpoint.objects.count() == 2


@pytest.mark.django_db
def test_bad_input_is_refused_with_field_errors_and_stores_nothing(channels_api, taro):
    response = channels_api.post(
        ONE,
        interaction(channel="fax", direction="sideways", customer={"card_last4": "12"}, extra=1),
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"channel", "direction", "customer", "extra"}
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_a_batch_stores_the_good_rows_and_reports_the_bad_ones_by_index(channels_api, taro):
    rows = [
        interaction(external_id="ok-1"),
        interaction(external_id="bad", occurred_at="yesterday"),
        interaction(external_id="ok-2", channel="line"),
        interaction(external_id="ok-1"),
        interaction(external_id="nobody", customer={}),
        "not an object",
    ]

    response = channels_api.post(BATCH, {"interactions": rows}, format="json")

    assert response.status_code == 200
    errors = {e["index"]: e for e in response.json()["errors"]}
    assert set(errors) == {1, 3, 4, 5}
    assert "occurred_at" in errors[1]["fields"] and errors[1]["external_id"] == "bad"
    assert errors[3]["fields"] == {"external_id": ["Appears twice in this batch."]}
    assert "customer" in errors[4]["fields"]
    assert sorted(Touchpoint.objects.values_list("external_id", flat=True)) == ["ok-1", "ok-2"]


@pytest.mark.django_db
def test_a_batch_over_a_thousand_is_refused_whole(channels_api, taro):
    rows = [interaction(external_id=str(n)) for n in range(1001)]

    response = channels_api.post(BATCH, {"interactions": rows}, format="json")

    assert response.status_code == 413
    assert not Touchpoint.objects.exists()


@pytest.mark.django_db
def test_a_batch_takes_a_fixed_number_of_queries(channels_api, taro):
    def queries_for(count: int, prefix: str) -> int:
        rows = [interaction(external_id=f"{prefix}{n}") for n in range(count)]
        with CaptureQueriesContext(connection) as captured:
            channels_api.post(BATCH, {"interactions": rows}, format="json")
        return len(captured)

    queries_for(1, "warm-up")  # the client's key is read once, then cached
    # (20: SQLite splits an insert of more rows into several statements, by its variable limit)
    assert queries_for(20, "a") == queries_for(2, "b")


@pytest.mark.django_db
def test_only_the_interactions_scope_may_post(client_with_scopes):
    assert client_with_scopes("read").post(ONE, interaction(), format="json").status_code == 403


@pytest.mark.django_db
def test_an_unresolvable_customer_waits_for_a_steward(channels_api, taro, steward, client):
    response = channels_api.post(
        ONE, interaction(customer={"card_last4": "9999", "name": "不明"}), format="json"
    )

    assert response.status_code == 201 and response.json()["customer_id"] is None
    assert [t.external_id for t in unresolved_touchpoints()] == ["APP-1"]
    client.force_login(steward)
    assert "9999" in client.get("/touchpoints/unresolved/").content.decode()

    client.post(
        f"/touchpoints/{response.json()['contact_id']}/customer", {"customer_id": str(taro.pk)}
    )

    assert Contact.objects.get().customer == taro
    assert not unresolved_touchpoints().exists()


@pytest.mark.django_db
def test_card_numbers_typed_into_a_touchpoint_are_masked(channels_api, taro):
    channels_api.post(ONE, interaction(body="card 4111 1111 1111 1111 lost"), format="json")

    assert "4111 1111" not in Touchpoint.objects.get().body
