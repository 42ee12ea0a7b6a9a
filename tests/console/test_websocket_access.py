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


async def connect(*headers: tuple[bytes, bytes]) -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(application, "/ws/agent/", headers=list(headers))
    connected, _ = await communicator.connect()
    return communicator, connected


async def test_signed_in_agent_is_accepted(agent_cookie):
    communicator, connected = await connect((b"origin", ALLOWED_ORIGIN), (b"cookie", agent_cookie))

    assert connected
    await communicator.disconnect()


async def test_socket_without_a_signed_in_user_is_refused(transactional_db):
    _, connected = await connect((b"origin", ALLOWED_ORIGIN))

    assert not connected


async def test_socket_from_a_foreign_origin_is_refused(agent_cookie):
    _, connected = await connect(
        (b"origin", b"https://evil.example.com"), (b"cookie", agent_cookie)
    )

    assert not connected


async def test_signed_in_person_who_is_not_an_agent_is_refused(transactional_db):
    web = Client()
    await database_sync_to_async(web.force_login)(
        await database_sync_to_async(UserFactory)(username="super001", role="supervisor")
    )
    cookie = f"sessionid={web.cookies['sessionid'].value}".encode()

    _, connected = await connect((b"origin", ALLOWED_ORIGIN), (b"cookie", cookie))

    assert not connected
