"""Websockets check the Origin and the signed-in user before any consumer runs."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from console.asgi import application
from tests.factories import UserFactory, make_agent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ALLOWED_ORIGIN = b"http://127.0.0.1:8000"


@pytest.fixture
def agent_cookie(transactional_db) -> bytes:
    web = Client()
    web.force_login(make_agent("agent001").user)
    return f"sessionid={web.cookies['sessionid'].value}".encode()


async def accepted(*headers: tuple[bytes, bytes]) -> bool:
    """Whether the socket is accepted. The application is always let finish within the test: one
    left running would go on using the database from its thread after the test had ended."""
    communicator = WebsocketCommunicator(application, "/ws/agent/", headers=list(headers))
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


async def test_signed_in_agent_is_accepted(agent_cookie):
    assert await accepted((b"origin", ALLOWED_ORIGIN), (b"cookie", agent_cookie))


async def test_socket_without_a_signed_in_user_is_refused(transactional_db):
    assert not await accepted((b"origin", ALLOWED_ORIGIN))


async def test_socket_from_a_foreign_origin_is_refused(agent_cookie):
    assert not await accepted((b"origin", b"https://evil.example.com"), (b"cookie", agent_cookie))


async def test_signed_in_person_who_is_not_an_agent_is_refused(transactional_db):
    web = Client()
    await database_sync_to_async(web.force_login)(
        await database_sync_to_async(UserFactory)(username="super001", role="supervisor")
    )
    cookie = f"sessionid={web.cookies['sessionid'].value}".encode()

    assert not await accepted((b"origin", ALLOWED_ORIGIN), (b"cookie", cookie))


def opened_at(host: bytes, origin: bytes, *more: tuple[bytes, bytes]) -> list:
    return [(b"host", host), (b"origin", origin), *more]


@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:9999",  # another port
        b"https://127.0.0.1:8000",  # https, while the console is served over http
        b"http://127.0.0.1",  # port 80
        b"http://127.0.0.1:99999",
        b"null",
    ],
)
async def test_an_origin_of_another_port_or_scheme_is_refused(agent_cookie, origin):
    headers = opened_at(b"127.0.0.1:8000", origin, (b"cookie", agent_cookie))

    assert not await accepted(*headers)


async def test_the_consoles_own_origin_is_accepted(agent_cookie):
    assert await accepted(*opened_at(b"127.0.0.1:8000", ALLOWED_ORIGIN, (b"cookie", agent_cookie)))
    assert await accepted(*opened_at(b"localhost", b"http://localhost", (b"cookie", agent_cookie)))


async def test_a_host_outside_allowed_hosts_is_refused_even_from_its_own_origin(agent_cookie):
    # A name rebound to the console's address: the page and the socket share the attacker's name.
    headers = opened_at(
        b"evil.example:8000", b"http://evil.example:8000", (b"cookie", agent_cookie)
    )

    assert not await accepted(*headers)


async def test_behind_a_tls_proxy_the_https_origin_is_accepted(agent_cookie, settings):
    behind_proxy = (b"x-forwarded-proto", b"https")
    cookie = (b"cookie", agent_cookie)

    assert await accepted(*opened_at(b"localhost", b"https://localhost", behind_proxy, cookie))
    assert not await accepted(*opened_at(b"localhost", b"http://localhost", behind_proxy, cookie))


async def test_a_trusted_origin_is_accepted_with_its_scheme_and_port(agent_cookie, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://console.example.jp"]
    cookie = (b"cookie", agent_cookie)

    assert await accepted(*opened_at(b"127.0.0.1:8000", b"https://console.example.jp", cookie))
    assert not await accepted(
        *opened_at(b"127.0.0.1:8000", b"https://console.example.jp:8443", cookie)
    )
    assert not await accepted(*opened_at(b"127.0.0.1:8000", b"http://console.example.jp", cookie))
