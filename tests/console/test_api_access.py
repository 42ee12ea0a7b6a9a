"""Integration clients: bearer keys, scopes, revocation, rate limits; and people's sessions."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.request import ForcedAuthentication, Request
from rest_framework.test import APIRequestFactory

from console.integrations.clients import (
    ClientRateThrottle,
    create_api_client,
    reissue_api_client,
    revoke_api_clients,
)
from console.integrations.models import ApiClient
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/?q=x"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def test_missing_key_is_401_with_bearer_challenge(api):
    response = api.get(CUSTOMERS)

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_key_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer cck_not-a-real-key")

    assert_error(api.get(CUSTOMERS), 401, "not_authenticated")


def test_revoked_key_is_401(client_with_scopes, clients_cached):
    api = client_with_scopes("read")
    assert api.get(CUSTOMERS).status_code == 200

    revoke_api_clients(clients=ApiClient.objects.all())

    assert_error(api.get(CUSTOMERS), 401, "not_authenticated")


@pytest.fixture
def clients_cached(settings):
    """As with Redis, whose cache every process shares."""
    settings.API_CLIENT_CACHE_SECONDS = 60


def test_a_known_key_is_not_read_from_the_database_again(client_with_scopes, clients_cached):
    api = client_with_scopes("read")
    assert api.get(CUSTOMERS).status_code == 200

    with CaptureQueriesContext(connection) as queries:
        assert api.get(CUSTOMERS).status_code == 200

    assert not [q["sql"] for q in queries if "console_apiclient" in q["sql"]]


def test_without_a_shared_cache_each_request_reads_its_client(client_with_scopes, settings):
    # The embedded default's cache is per process: a key reissued by `manage.py simulate` in
    # another process must not stay valid in the server's.
    settings.API_CLIENT_CACHE_SECONDS = 0
    api = client_with_scopes("read")
    assert api.get(CUSTOMERS).status_code == 200

    with CaptureQueriesContext(connection) as queries:
        assert api.get(CUSTOMERS).status_code == 200

    assert [q["sql"] for q in queries if "console_apiclient" in q["sql"]]


def test_scopes_edited_in_the_admin_apply_to_the_next_request(client_with_scopes, clients_cached):
    api = client_with_scopes("read")
    assert api.get(CUSTOMERS).status_code == 200
    client = ApiClient.objects.get()

    client.scopes = ["cti"]
    client.save()

    assert_error(api.get(CUSTOMERS), 403, "forbidden")


def test_a_reissued_key_is_refused_at_once(api, clients_cached):
    old_key = reissue_api_client(name="simulator", scopes=["read"]).key
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {old_key}")
    assert api.get(CUSTOMERS).status_code == 200

    reissue_api_client(name="simulator", scopes=["read"])

    assert_error(api.get(CUSTOMERS), 401, "not_authenticated")


def test_key_without_the_scope_is_403(client_with_scopes):
    api = client_with_scopes("cti")

    error = assert_error(api.get(CUSTOMERS), 403, "forbidden")
    assert "read" in error["message"]


def test_key_with_the_scope_is_served(client_with_scopes):
    response = client_with_scopes("read").get(CUSTOMERS)

    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": []}


def test_key_is_stored_hashed_and_shown_once(capsys):
    call_command("create_api_client", "atm-monitor", "--scopes", "atm,read")

    key = capsys.readouterr().out.strip().splitlines()[-1]
    client = ApiClient.objects.get(name="atm-monitor")
    assert client.scopes == ["atm", "read"]
    assert key not in (client.key_hash, client.key_prefix)
    assert client.key_hash == ApiClient.hash_key(key)


def test_create_api_client_refuses_unknown_scopes():
    with pytest.raises(Exception, match="unknown scopes: payroll"):
        call_command("create_api_client", "x", "--scopes", "read,payroll")
    assert not ApiClient.objects.exists()


def test_signed_in_agent_reads_customers_with_session(api, agent):
    api.force_login(agent)

    assert api.get(CUSTOMERS).status_code == 200


def test_signed_in_person_without_role_is_403(api, django_user_model):
    api.force_login(django_user_model.objects.create_user("nobody", password="x-pass-12345"))

    assert_error(api.get(CUSTOMERS), 403, "forbidden")


def test_rate_limit_per_client_answers_429(client_with_scopes, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    api = client_with_scopes("read")
    statuses = [api.get(CUSTOMERS).status_code for _ in range(4)]

    assert statuses[:3] == [200, 200, 200]
    response = api.get(CUSTOMERS)
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0


def test_rate_limit_holds_when_a_windows_first_requests_race(db, settings):
    """Several requests open the same window at once: each counts once, whichever made the
    window's counter."""
    settings.API_RATE_LIMIT_PER_MINUTE = 16
    client = create_api_client(name="racer", scopes=["read"]).client

    def check() -> bool:
        request = Request(
            APIRequestFactory().get(CUSTOMERS),
            authenticators=[ForcedAuthentication(AnonymousUser(), client)],
        )
        return ClientRateThrottle().allow_request(request, view=None)

    allowed = run_at_once(*[check] * 32)

    assert sorted(allowed) == [False] * 16 + [True] * 16


def test_rate_limit_counts_each_client_apart(client_with_scopes, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    first = client_with_scopes("read")
    for _ in range(3):
        first.get(CUSTOMERS)
    second = client_with_scopes("read")

    assert second.get(CUSTOMERS).status_code == 200
