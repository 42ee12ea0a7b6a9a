"""Our own Redis, and a live Daphne on it with agent001 signed in and available in a browser."""

from types import SimpleNamespace

import pytest

from console.agents.models import AgentState
from tests.factories import api_key, make_agent
from tests.faults.agent_browser import AgentBrowser
from tests.faults.live import signed_in_cookie
from tests.faults.services import running_redis
from tests.live_server import running_daphne


@pytest.fixture
def redis():
    with running_redis() as server:
        yield server


@pytest.fixture
def console(redis, transactional_db):
    agent = make_agent("agent001", state=AgentState.AVAILABLE)
    key = api_key(scopes=["cti"], name="pbx")
    with running_daphne(REDIS_URL=redis.url, CELERY_BROKER_URL=redis.url) as base_url:
        browser = AgentBrowser(
            ws_url=base_url.replace("http", "ws") + "/ws/agent/",
            origin=base_url,
            cookie=signed_in_cookie(agent.user),
        ).start()
        try:
            browser.wait_for(lambda b: b.connected)
            yield SimpleNamespace(url=base_url, key=key, browser=browser)
        finally:
            browser.stop()
