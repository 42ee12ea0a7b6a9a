"""Websockets through a real Daphne process."""

import asyncio

import pytest
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.factories import make_agent
from tests.live_server import running_daphne

pytestmark = pytest.mark.django_db(transaction=True)

# redis-py 8's default 5 s socket timeout closed idle sockets with 1011 (channels_redis#422).
IDLE_LONGER_THAN_REDIS_TIMEOUT_S = 7


@pytest.fixture
def live_server_url(transactional_db):
    with running_daphne() as url:
        yield url


def session_cookie(user) -> str:
    web = Client()
    web.force_login(user)
    return f"sessionid={web.cookies['sessionid'].value}"


def test_signed_in_socket_stays_open_while_idle(live_server_url):
    cookie = session_cookie(make_agent("agent001").user)
    ws_url = live_server_url.replace("http", "ws") + "/ws/agent/"

    async def idle_then_ping() -> None:
        async with connect(
            ws_url, origin=live_server_url, additional_headers={"Cookie": cookie}
        ) as socket:
            await asyncio.sleep(IDLE_LONGER_THAN_REDIS_TIMEOUT_S)
            pong = await socket.ping()
            await asyncio.wait_for(pong, timeout=5)

    asyncio.run(idle_then_ping())


def test_live_server_refuses_a_foreign_origin(live_server_url):
    cookie = session_cookie(make_agent("agent001").user)
    ws_url = live_server_url.replace("http", "ws") + "/ws/agent/"

    async def attempt() -> None:
        async with connect(
            ws_url, origin="https://evil.example.com", additional_headers={"Cookie": cookie}
        ):
            pass

    with pytest.raises(InvalidStatus):
        asyncio.run(attempt())
