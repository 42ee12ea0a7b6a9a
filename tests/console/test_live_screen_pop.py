"""The screen pop through real Daphne processes: posted to one, arriving on a socket of another."""

import asyncio
import json
import os

import pytest
from django.test import Client
from websockets.asyncio.client import connect

from console.agents.models import AgentState
from customers.resolution import ingest_source_records
from tests.factories import api_key, make_agent
from tests.live_server import post_call_event, running_daphne

pytestmark = pytest.mark.django_db(transaction=True)


def post_offered(base_url: str, key: str, *, call_id: str, caller: str) -> dict:
    return post_call_event(
        base_url,
        key,
        event_id=f"{call_id}-offered",
        call_id=call_id,
        type="offered",
        at="2026-11-24T09:00:00+09:00",
        queue="loans",
        **{"from": caller},
    )


def signed_in_cookie(user) -> str:
    web = Client()
    web.force_login(user)
    return f"sessionid={web.cookies['sessionid'].value}"


def screen_pop_across(post_to: str, socket_on: str) -> tuple[dict, dict]:
    ingest_source_records(
        system="loan_cc",
        records=[{"external_id": "L1", "name": "山田 太郎", "phones": ["09012345678"]}],
    )
    cookie = signed_in_cookie(make_agent("agent001", state=AgentState.AVAILABLE).user)
    key = api_key(scopes=["cti"], name="pbx")
    ws_url = socket_on.replace("http", "ws") + "/ws/agent/"

    async def run() -> tuple[dict, dict]:
        async with connect(ws_url, origin=socket_on, additional_headers={"Cookie": cookie}) as ws:
            answer = await asyncio.to_thread(
                post_offered, post_to, key, call_id="c1", caller="090-1234-5678"
            )
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                if message["type"] == "screen_pop":
                    return answer, message

    return asyncio.run(run())


def test_screen_pop_through_a_live_daphne(transactional_db):
    with running_daphne() as server:
        answer, pop = screen_pop_across(post_to=server, socket_on=server)

    assert pop["contact"]["id"] == answer["contact_id"]
    assert pop["customer"]["name"] == "山田 太郎"


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="two processes share a channel layer only on Redis"
)
def test_event_posted_to_one_daphne_pops_on_a_socket_of_another(transactional_db):
    with running_daphne() as first, running_daphne() as second:
        answer, pop = screen_pop_across(post_to=first, socket_on=second)

    assert pop["contact"]["id"] == answer["contact_id"]
    assert pop["customer"]["name"] == "山田 太郎"
