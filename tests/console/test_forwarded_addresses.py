"""The rate limit counts the address a request came from. `X-Forwarded-For` is believed only from
our own proxies (TRUSTED_PROXIES); anyone else could write any address there and never be
limited."""

import random

import pytest

from console.integrations.clients import client_address

pytestmark = pytest.mark.django_db


def fresh_address() -> str:
    # Counts live a minute in a shared cache: every test takes addresses of its own.
    return f"203.0.113.{random.randrange(1, 255)}"


def schema_status(client, *, remote_addr: str, forwarded_for: str) -> int:
    response = client.get(
        "/api/schema/",
        HTTP_ACCEPT="application/vnd.oai.openapi+json",
        REMOTE_ADDR=remote_addr,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    return response.status_code


def test_a_forwarded_address_from_anyone_else_does_not_escape_the_limit(client, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    settings.TRUSTED_PROXIES = []
    attacker = f"198.51.100.{random.randrange(1, 255)}"

    statuses = [
        schema_status(client, remote_addr=attacker, forwarded_for=f"10.9.{n}.1") for n in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_our_proxys_forwarded_address_is_counted_as_the_client(client, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    settings.TRUSTED_PROXIES = ["192.0.2.0/24"]
    first, second = fresh_address(), fresh_address().replace("203.0.113", "100.1.1")

    through_proxy = [
        schema_status(client, remote_addr="192.0.2.10", forwarded_for=address)
        for address in (first, first, second)
    ]

    assert through_proxy == [200, 200, 200]
    assert schema_status(client, remote_addr="192.0.2.11", forwarded_for=first) == 429


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "trusted", "counted"),
    [
        ("198.51.100.1", "1.2.3.4", [], "198.51.100.1"),
        ("10.0.0.1", "1.2.3.4", ["10.0.0.0/8"], "1.2.3.4"),
        # A client's own X-Forwarded-For comes first; our proxy appends the real address.
        ("10.0.0.1", "6.6.6.6, 1.2.3.4", ["10.0.0.0/8"], "1.2.3.4"),
        ("10.0.0.1", "6.6.6.6, 10.0.0.2, 1.2.3.4", ["10.0.0.0/8"], "1.2.3.4"),
        ("10.0.0.1", "1.2.3.4, 10.0.0.2", ["10.0.0.0/8"], "1.2.3.4"),
        ("10.0.0.1", "", ["10.0.0.0/8"], "10.0.0.1"),
        ("10.0.0.1", "not-an-address", ["10.0.0.0/8"], "not-an-address"),
        ("::1", "2001:db8::5", ["::1"], "2001:db8::5"),
    ],
)
def test_client_address(remote_addr, forwarded_for, trusted, counted):
    assert (
        client_address(
            remote_addr=remote_addr, forwarded_for=forwarded_for, trusted_proxies=trusted
        )
        == counted
    )
