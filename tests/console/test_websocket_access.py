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
