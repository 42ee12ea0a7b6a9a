"""Schemathesis over every operation of the OpenAPI document, with a key holding every scope:
no 500, no answer outside the schema, no request answered 2xx that should have been refused."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from console.integrations.models import ApiScope
from tests.factories import api_key

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def every_scope_key(db) -> str:
    return api_key(scopes=list(ApiScope.values), name="fuzzer")


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Like Django's test client: a request must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_its_contract(case, every_scope_key):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {every_scope_key}"},
        # Schema-valid input may still break a business rule (an unknown queue, a ticket that is
        # closed): a 4xx there is right, so only refusals of wrong input are checked.
        excluded_checks=[positive_data_acceptance],
    )
