"""Redis killed and started again under a live Daphne while calls are offered to an agent: every
event is still accepted, every screen pop reaches the agent's browser once it resumes, none twice,
and nothing fails once Redis is back. Our own redis-server, never the shared one."""

import pytest

from tests.faults.live import get_json, offer_and_end

pytestmark = pytest.mark.django_db(transaction=True)


def calls(console, names: list[str]) -> list[int]:
    return [
        answer.status for name in names for answer in offer_and_end(console.url, console.key, name)
    ]


def test_calls_offered_while_redis_is_down_are_accepted_and_pop_after_resume(console, redis):
    before = [f"before-{n}" for n in range(3)]
    during = [f"during-{n}" for n in range(10)]
    after = [f"after-{n}" for n in range(3)]
    browser = console.browser

    assert calls(console, before) == [202] * 6
    browser.wait_for(lambda b: b.popped_calls() == before)

    redis.kill()
    assert calls(console, during) == [202] * 20
    status, health = get_json(console.url + "/healthz")
    assert (status, health["channel_layer"], health["database"]) == (503, "down", "ok")
    browser.wait_for(lambda b: not b.connected)

    redis.start()
    browser.wait_for(lambda b: b.popped_calls() == before + during)
    assert calls(console, after) == [202] * 6
    browser.wait_for(lambda b: b.popped_calls() == before + during + after)

    assert browser.repeated_seqs() == []
    # Refused while Redis was away with 4503 "try again later", never a failed handshake or a
    # server error.
    assert [attempt.status for attempt in browser.attempts if attempt.status] == []
    assert 1011 not in [attempt.close_code for attempt in browser.attempts]
    assert get_json(console.url + "/healthz")[0] == 200


def test_after_a_redis_restart_nothing_fails(console, redis):
    browser = console.browser
    assert calls(console, ["warm"]) == [202, 202]
    browser.wait_for(lambda b: b.popped_calls() == ["warm"])

    redis.restart()
    browser.wait_for(lambda b: b.connected and b.attempts[-1].at > 0, timeout=20)
    reconnects = len(browser.attempts)
    names = [f"after-restart-{n}" for n in range(5)]

    assert calls(console, names) == [202] * 10
    # Every pop rang through the channel layer as it happened, on the socket that reconnected
    # at once: no connection that died with the old Redis failed a send or the handshake.
    browser.wait_for(lambda b: b.popped_calls() == ["warm", *names])
    assert len(browser.attempts) == reconnects
    assert [attempt.status for attempt in browser.attempts if attempt.status] == []
    assert browser.repeated_seqs() == []
