"""The Zammad / sipgate CTI push: the scripted day as form posts, shuffled and repeated, gives
every call the native day's times; the pop reaches the rung user; the key may end the URL; bad
input is refused and stores nothing; another user's answer hands the call over with its notes."""

import pytest
from channels.db import database_sync_to_async
from rest_framework.test import APIClient

from console.agents.models import Agent
from contacts.models import CallEvent, Contact
from demo.telephony_formats import CTI_PUSH_PATH, CtiPushWriter, form_body
from tests.console.scripted_day import SCRIPT, Player, set_up_people
from tests.console.telephony.scripted_platform_day import (
    C1_OFFERED,
    check_the_transfer_carries_the_notes,
    leg_figures,
    posts_for,
    routed_script,
    send,
    shuffled_with_repeats,
)
from tests.console.test_call_flow import connect_agent, next_of_type
from tests.factories import api_key

# The push knows no hold or wrap-up (the agent wraps up in the console), and shows a transfer
# only as the next user's answer.
DAY = routed_script()


def pbx() -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['cti'], name='sipgate')}")
    return api


def test_a_shuffled_repeated_day_gives_the_native_days_times(cti):
    set_up_people()
    Player(cti).play_all()
    native = leg_figures(source="pbx", call_ids={m["call_id"]: m["call_id"] for m in SCRIPT})
    writer = CtiPushWriter()
    api = pbx()

    for post in shuffled_with_repeats(posts_for(writer, DAY)):
        response = send(api, post)
        assert response.status_code == 200, response.content

    pushed = leg_figures(source="sipgate", call_ids={m["call_id"]: m["call_id"] for m in DAY})
    assert pushed.keys() == native.keys()
    handed_over_at = native[("c4", 1)].answered_at
    for leg, pushed_leg in pushed.items():
        native_leg = native[leg]
        if leg == ("c5", 0):
            # Rings no one: the console routes it to whoever is free in the shuffled day.
            assert pushed_leg.state == native_leg.state == "abandoned"
            continue
        expected = {
            name: getattr(native_leg, name)
            for name in ("queue", "agent", "customer_id", "offered_at", "answered_at", "ended_at")
        }
        if leg == ("c4", 0):
            # No transfer moment in the push: agent002's leg lasts until agent101 answers.
            expected["ended_at"] = handed_over_at
        if leg == ("c4", 1):
            # ... and agent101's leg opens answered then, in the queue the call came to.
            expected.update(queue="repayment", offered_at=handed_over_at)
        for name, value in expected.items():
            assert getattr(pushed_leg, name) == value, (leg, name)
        if native_leg.answered_at:
            # Talk and hold together: the push reports no hold.
            talk = (pushed_leg.ended_at - pushed_leg.answered_at).total_seconds()
            assert pushed_leg.talk_seconds == talk, leg
            if leg[0] != "c4":
                assert talk == native_leg.talk_seconds + native_leg.hold_seconds


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_rung_user_gets_the_pop_and_the_key_may_end_the_url():
    await database_sync_to_async(set_up_people)()
    agent001 = await database_sync_to_async(Agent.objects.get)(user__username="agent001")
    socket = await connect_agent(agent001)
    key = await database_sync_to_async(api_key)(scopes=["cti"], name="zammad")
    (post,) = CtiPushWriter().posts(C1_OFFERED)

    response = await database_sync_to_async(APIClient().post)(
        f"{CTI_PUSH_PATH}/{key}",
        form_body(post.body),
        content_type="application/x-www-form-urlencoded",
    )

    pop = await next_of_type(socket, "screen_pop")
    assert response.status_code == 200
    assert pop["customer"]["name"] == "山田 太郎"
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_next_users_answer_hands_the_call_over_with_the_notes():
    await database_sync_to_async(set_up_people)()
    api = await database_sync_to_async(pbx)()

    await check_the_transfer_carries_the_notes(
        writer=CtiPushWriter(), api=api, accepted=200, shuffle_second_leg=False
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event": "ringing"}, "event"),
        ({"user[]": "nobody"}, "user[]"),
        ({"queue": "nowhere"}, "queue"),
        ({"callId": ""}, "callId"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"direction": "sideways"}, "direction"),
    ],
)
def test_unknown_users_and_malformed_pushes_are_refused_and_store_nothing(
    transactional_db, change, field
):
    set_up_people()
    (post,) = CtiPushWriter().posts(C1_OFFERED)

    response = pbx().post(
        CTI_PUSH_PATH,
        form_body({**post.body, **change}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not CallEvent.objects.exists() and not Contact.objects.exists()


def test_a_wrong_key_in_the_url_is_refused(transactional_db):
    (post,) = CtiPushWriter().posts(C1_OFFERED)
    response = APIClient().post(
        f"{CTI_PUSH_PATH}/cck_wrong",
        form_body(post.body),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 401
    assert not CallEvent.objects.exists()
