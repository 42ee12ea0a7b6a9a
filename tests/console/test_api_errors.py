"""Every API error is `{"error": {"code", "message", "fields"}}`, whatever went wrong."""

import pytest

from tests.console.test_api_access import assert_error

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
