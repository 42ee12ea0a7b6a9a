"""Every API error is `{"error": {"code", "message", "fields"}}`, whatever went wrong."""

import pytest
from django.db import connection
from psycopg_pool import PoolTimeout
from rest_framework.test import APIClient

from tests.concurrency import run_at_once
from tests.console.test_api_access import assert_error
from tests.factories import api_key

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_json_404(client_with_scopes):
    assert_error(client_with_scopes("read").get("/api/v1/nothing-here/"), 404, "not_found")


def test_wrong_method_is_405(client_with_scopes):
    response = client_with_scopes("read").delete("/api/v1/customers/")

    assert_error(response, 405, "method_not_allowed")


def test_invalid_query_parameter_is_400_with_fields(client_with_scopes):
    response = client_with_scopes("read").get("/api/v1/customers/", {"q": "x" * 101})

    error = assert_error(response, 400, "invalid")
    assert "q" in error["fields"]


def test_healthz_reports_every_part(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok", "broker": "ok"}


def test_healthz_reports_a_stopped_redis_as_down(client, settings):
    # Nothing listens on port 1: the same answer as a stopped Redis server.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "channel_layer": "down", "broker": "down"}


def test_schema_is_a_valid_openapi_3_document(client):
    from drf_spectacular.validation import validate_schema

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    assert "/api/v1/customers/" in schema["paths"]


def test_api_docs_page_is_served(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the connection pool is psycopg's")
@pytest.mark.django_db(transaction=True)
def test_a_request_finding_every_database_connection_busy_is_told_to_retry(monkeypatch):
    pbx = APIClient()
    pbx.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['cti'])}")
    pool = connection.pool
    monkeypatch.setattr(pool, "timeout", 0.2)
    held = []
    while True:
        try:
            held.append(pool.getconn(timeout=0.1))
        except PoolTimeout:
            break

    def post_event():
        event = {"event_id": "e1", "call_id": "c1", "type": "ended", "at": "2026-11-24T09:00:00Z"}
        return pbx.post("/api/v1/cti/events", event, format="json")

    try:
        answers = run_at_once(post_event)  # a thread of its own: this one holds a connection
    finally:
        for held_connection in held:
            pool.putconn(held_connection)

    assert answers[0].status_code == 503
    assert answers[0]["Retry-After"] == "1"
    assert answers[0].json()["error"]["code"] == "busy"


def test_the_schema_says_strict_request_bodies_take_no_other_fields(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    for name in ("SourceRecordBatchRequest", "TicketCreateRequest", "AtmIncidentRequest"):
        assert components[name]["additionalProperties"] is False, name
    nested = components["AtmIncidentRequest"]["properties"]["customer"]
    reference = nested.get("$ref") or nested["allOf"][0]["$ref"]
    assert components[reference.rsplit("/", 1)[1]]["additionalProperties"] is False
    # An answer may grow fields: only what clients send is closed.
    assert components["CaseSchema"].get("additionalProperties") is not False
