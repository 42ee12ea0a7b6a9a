"""Twilio TaskRouter: the scripted day as workspace event callbacks signed with twilio's own
RequestValidator, shuffled and repeated, gives every call the native day's handle times; the
pop reaches the reserved worker; a bad signature, an unknown worker and a malformed form are
refused and store nothing."""

import pytest
from channels.db import database_sync_to_async
from rest_framework.test import APIClient
from twilio.request_validator import RequestValidator

from console.agents.models import Agent
from contacts.models import CallEvent, Contact
from demo.telephony_formats import TASKROUTER_PATH, Post, TaskRouterWriter, form_body
from tests.console.scripted_day import SCRIPT, Player, set_up_people
from tests.console.telephony.scripted_platform_day import (
    C1_OFFERED,
    check_the_transfer_carries_the_notes,
    leg_figures,
    map_platform_ids,
    posts_for,
    routed_script,
    send,
    shuffled_with_repeats,
)
from tests.console.test_call_flow import connect_agent, next_of_type

TOKEN = "twilio-auth-token-for-tests"
SOURCE = "taskrouter:WS" + "d" * 32
DAY = routed_script()


@pytest.fixture
def twilio_token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN


def test_a_shuffled_repeated_day_gives_the_native_days_handle_times(cti, twilio_token):
    set_up_people()
    map_platform_ids()
    Player(cti).play_all()
    native = leg_figures(source="pbx", call_ids={m["call_id"]: m["call_id"] for m in SCRIPT})
    writer = TaskRouterWriter(auth_token=TOKEN, base_url="http://testserver")
    api = APIClient()

    for post in shuffled_with_repeats(posts_for(writer, DAY)):
        response = send(api, post)
        assert response.status_code == 204, response.content

    ours = {writer.call_id(m["call_id"]): m["call_id"] for m in DAY}
    twilio = leg_figures(source=SOURCE, call_ids=ours)
    assert twilio.keys() == native.keys()
    for leg, twilio_leg in twilio.items():
        # TaskRouter reports no hold: talk and hold come as one, their sum is the same.
        native_leg = native[leg]
        assert twilio_leg.handle_seconds == native_leg.handle_seconds, leg
        for name in ("state", "queue", "agent", "customer_id", "offered_at", "answered_at"):
            assert getattr(twilio_leg, name) == getattr(native_leg, name), (leg, name)
        assert (twilio_leg.ended_at, twilio_leg.wrapped_up_at) == (
            native_leg.ended_at,
            native_leg.wrapped_up_at,
        )


def test_the_signature_is_checked_on_the_public_url_behind_a_proxy(transactional_db, twilio_token):
    set_up_people()
    map_platform_ids()
    writer = TaskRouterWriter(auth_token=TOKEN, base_url="https://console.example.jp")
    (post,) = writer.posts(C1_OFFERED)

    response = send(
        APIClient(),
        Post(
            post.path,
            post.body,
            form=True,
            headers={
                **post.headers,
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "console.example.jp",
            },
        ),
    )

    assert response.status_code == 204
    assert Contact.objects.get(source=SOURCE).agent.username == "agent001"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_reserved_worker_gets_the_pop_with_the_caller(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    await database_sync_to_async(set_up_people)()
    await database_sync_to_async(map_platform_ids)()
    agent001 = await database_sync_to_async(Agent.objects.get)(user__username="agent001")
    socket = await connect_agent(agent001)
    writer = TaskRouterWriter(auth_token=TOKEN, base_url="http://testserver")
    c1 = [m for m in DAY if m["call_id"] == "c1"]
    posts = posts_for(writer, c1[:1])

    for post in posts * 2:
        response = await database_sync_to_async(send)(APIClient(), post)
        assert response.status_code == 204

    pop = await next_of_type(socket, "screen_pop")
    assert pop["customer"]["name"] == "山田 太郎"
    assert pop["contact"]["call_id"] == writer.call_id("c1")
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_transfer_to_a_new_task_carries_the_first_workers_notes(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    await database_sync_to_async(set_up_people)()
    await database_sync_to_async(map_platform_ids)()
    writer = TaskRouterWriter(auth_token=TOKEN, base_url="http://testserver")

    await check_the_transfer_carries_the_notes(
        writer=writer, api=APIClient(), accepted=204, shuffle_second_leg=False
    )


def test_a_transfer_to_a_queue_waits_for_the_reservation_of_its_task(
    transactional_db, twilio_token
):
    """TaskRouter picks the queue's worker itself: the leg waits and nobody is routed by the
    console until the transfer task's reservation names the worker."""
    set_up_people()
    map_platform_ids()
    writer = TaskRouterWriter(auth_token=TOKEN, base_url="http://testserver")
    c4 = [m for m in SCRIPT if m["call_id"] == "c4"]
    transfer = next(i for i, m in enumerate(c4) if m["type"] == "transferred")
    api = APIClient()

    for post in posts_for(writer, c4[: transfer + 1]):
        assert send(api, post).status_code == 204
    waiting = Contact.objects.get(call_id=writer.call_id("c4"), leg=1)
    reservation = writer.reserve("c4", agent="agent101", at=c4[transfer + 1]["at"])
    assert send(api, reservation).status_code == 204
    offered = Contact.objects.get(pk=waiting.pk)

    assert (waiting.state, waiting.agent, waiting.queue.name) == ("waiting", None, "atm")
    assert (offered.state, offered.agent.username) == ("offered", "agent101")
    assert Contact.objects.get(call_id=writer.call_id("c4"), leg=0).state == "transferred"


def test_a_transfer_to_a_worker_offers_them_the_next_leg_at_once(transactional_db, twilio_token):
    set_up_people()
    map_platform_ids()
    writer = TaskRouterWriter(auth_token=TOKEN, base_url="http://testserver")
    c4 = [m for m in routed_script() if m["call_id"] == "c4"]
    transfer = next(i for i, m in enumerate(c4) if m["type"] == "transferred")
    to_the_worker = [*c4[:transfer], {**c4[transfer], "target_queue": ""}]

    for post in posts_for(writer, to_the_worker):
        assert send(APIClient(), post).status_code == 204
    second = Contact.objects.get(call_id=writer.call_id("c4"), leg=1)

    assert (second.state, second.agent.username) == ("offered", "agent101")
    assert second.offered_at == c4[transfer]["at"]


def _signed(form: dict, *, token: str = TOKEN) -> Post:
    url = f"http://testserver{TASKROUTER_PATH}"
    signature = RequestValidator(token).compute_signature(url, form)
    return Post(TASKROUTER_PATH, form, form=True, headers={"X-Twilio-Signature": signature})


def _offer_form() -> dict:
    writer = TaskRouterWriter(auth_token=TOKEN, base_url="http://testserver")
    (post,) = writer.posts(C1_OFFERED)
    return post.body


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"WorkerSid": "WK" + "0" * 32}, 400, "WorkerSid"),
        ({"TaskQueueSid": "WQ" + "0" * 32}, 400, "TaskQueueSid"),
        ({"TaskAttributes": "{not json"}, 400, "TaskAttributes"),
        ({"EventDateMs": "yesterday"}, 400, "EventDateMs"),
        ({"TaskSid": ""}, 400, "TaskSid"),
    ],
)
def test_unknown_ids_and_malformed_forms_are_refused_and_store_nothing(
    transactional_db, twilio_token, change, status, field
):
    set_up_people()
    map_platform_ids()

    response = send(APIClient(), _signed({**_offer_form(), **change}))

    assert response.status_code == status, response.content
    assert field in response.json()["error"]["fields"]
    assert not CallEvent.objects.exists()


@pytest.mark.parametrize("token", ["another-token", ""])
def test_a_bad_or_missing_signature_is_forbidden_and_stores_nothing(
    transactional_db, twilio_token, token
):
    set_up_people()
    map_platform_ids()
    post = _signed(_offer_form(), token="another-token")
    if not token:
        post = Post(post.path, post.body, form=True)

    response = send(APIClient(), post)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not CallEvent.objects.exists()


def test_a_tampered_form_no_longer_matches_its_signature(transactional_db, twilio_token):
    set_up_people()
    map_platform_ids()
    post = _signed(_offer_form())
    tampered = {**post.body, "TaskAttributes": '{"from": "09022220002"}'}

    response = APIClient().post(
        TASKROUTER_PATH,
        form_body(tampered),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=post.headers["X-Twilio-Signature"],
    )

    assert response.status_code == 403
    assert not CallEvent.objects.exists()


def test_events_the_console_does_not_follow_are_acknowledged(transactional_db, twilio_token):
    response = send(
        APIClient(),
        _signed({"EventType": "worker.activity.update", "WorkspaceSid": "WS" + "d" * 32}),
    )
    assert response.status_code == 204
    assert not CallEvent.objects.exists()
