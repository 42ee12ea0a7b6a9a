import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory, api_key


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def client_with_scopes(api):
    """An API client authenticated with a fresh key carrying the given scopes."""

    def make(*scopes: str) -> APIClient:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=list(scopes))}")
        return api

    return make


@pytest.fixture
def cti(transactional_db):
    """The telephony system's API client (scope `cti`, source `pbx`), for tests that commit."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['cti'], name='pbx')}")
    return api


@pytest.fixture
def agent(db):
    return UserFactory(username="agent001", role="agent")


@pytest.fixture
def supervisor(db):
    return UserFactory(username="super001", role="supervisor")


@pytest.fixture
def steward(db):
    return UserFactory(username="steward001", role="steward")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role="admin")


@pytest.fixture(scope="session", autouse=True)
def close_database_pools(django_db_setup, django_db_blocker):
    """Connections that threads took from psycopg's pool would keep the test database open and
    stop its teardown: close the pools first."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if hasattr(connection, "close_pool"):
                connection.close_pool()
