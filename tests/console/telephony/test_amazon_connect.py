"""Amazon Connect: the scripted day as Connect's contact events and contact records, shuffled
and repeated, gives every leg the figures the same day gives as native events; pops reach the
agent Connect connected, with the caller; a transfer carries the first agent's notes; bad input
is refused whole."""

import pytest
from channels.db import database_sync_to_async
from rest_framework.test import APIClient

from console.telephony.models import ConnectContactRecord, PlatformAgent
from contacts.models import CallEvent, Contact, ContactState
from demo.telephony_formats import (
    CONNECT_EVENTS_PATH,
    CONNECT_RECORDS_PATH,
    ConnectWriter,
    Post,
    connect_agent_arn,
    firehose_delivery,
)
from tests.console.scripted_day import SCRIPT, Player, set_up_people
from tests.console.telephony.scripted_platform_day import (
    check_the_transfer_carries_the_notes,
    leg_figures,
    map_platform_ids,
    posts_for,
    routed_script,
    send,
    shuffled_with_repeats,
)
from tests.factories import api_key

SOURCE = "amazon-connect:demo-instance"


def connect_client() -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['cti'], name='eventbridge')}")
    return api


def test_a_shuffled_repeated_day_gives_the_native_days_figures(cti):
    set_up_people()
    map_platform_ids()
    Player(cti).play_all()
    native = leg_figures(source="pbx", call_ids={m["call_id"]: m["call_id"] for m in SCRIPT})
    writer = ConnectWriter()
    posts = posts_for(writer, routed_script())
    api = connect_client()

    for post in shuffled_with_repeats(posts):
        response = send(api, post)
        assert response.status_code == 202, response.content

    ours = {writer.call_id(m["call_id"]): m["call_id"] for m in SCRIPT}
    connect = leg_figures(source=SOURCE, call_ids=ours)
    assert connect.keys() == native.keys()
    for leg, figures in native.items():
        if leg == ("c3", 0):
            # Rang agent001, who never connected: Connect names no agent for it.
            assert connect[leg].agent is None
            assert connect[leg].state == ContactState.ABANDONED
            continue
        assert connect[leg] == figures, leg
    assert connect[("c1", 0)].hold_seconds == 60
    assert connect[("c4", 1)].handle_seconds == 360
    assert (
        ConnectContactRecord.objects.get(
            contact_id=writer.calls["c1"][0].contact_id
        ).number_of_holds
        == 1
    )


def test_contact_records_come_through_firehose_and_the_newest_is_kept(transactional_db):
    set_up_people()
    map_platform_ids()
    writer = ConnectWriter()
    posts = posts_for(writer, [m for m in routed_script() if m["call_id"] == "c1"])
    record = next(p.body for p in posts if p.path == CONNECT_RECORDS_PATH)
    older = {**record, "LastUpdateTimestamp": "2026-11-23T00:00:00Z", "Agent": None}
    api = APIClient()
    api.credentials(HTTP_X_AMZ_FIREHOSE_ACCESS_KEY=api_key(scopes=["cti"]))

    delivery = firehose_delivery([record, record])
    first = api.post(CONNECT_RECORDS_PATH, delivery, format="json")
    again = api.post(CONNECT_RECORDS_PATH, firehose_delivery([older]), format="json")

    assert first.status_code == 200
    assert first.json()["requestId"] == delivery["requestId"]
    assert again.status_code == 200
    kept = ConnectContactRecord.objects.get()
    assert kept.record["Agent"]["NumberOfHolds"] == 1
    contact = Contact.objects.get(source=SOURCE)
    assert (contact.state, contact.hold_seconds) == (ContactState.WRAPPED_UP, 60)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_pops_reach_connects_agent_and_a_transfer_carries_the_notes():
    await database_sync_to_async(set_up_people)()
    await database_sync_to_async(map_platform_ids)()
    api = await database_sync_to_async(connect_client)()

    await check_the_transfer_carries_the_notes(writer=ConnectWriter(), api=api, accepted=202)


def _event(**detail_changes) -> dict:
    writer = ConnectWriter()
    (moment,) = [m for m in SCRIPT if m["call_id"] == "c1" and m["type"] == "offered"]
    writer.posts(moment)
    answered = next(m for m in SCRIPT if m["call_id"] == "c1" and m["type"] == "answered")
    (post,) = writer.posts(answered)
    body = post.body
    body["detail"] = {**body["detail"], **detail_changes}
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            _event(agentInfo={"agentArn": connect_agent_arn("nobody")}),
            "detail.agentArn",
        ),
        (
            _event(
                queueInfo={
                    "queueType": "STANDARD",
                    "queueArn": "arn:aws:connect:x:1:instance/x/queue/q",
                }
            ),
            "detail.queueArn",
        ),
        (_event(initiationTimestamp="yesterday"), "detail.initiationTimestamp"),
        (_event(contactId=None), "detail.contactId"),
        ({**_event(), "detail-type": "AWS API Call via CloudTrail"}, "detail-type"),
        ([1, 2], "non_field_errors"),
    ],
)
def test_unknown_arns_and_malformed_events_are_refused_and_store_nothing(
    transactional_db, body, field
):
    set_up_people()
    map_platform_ids()

    response = connect_client().post(CONNECT_EVENTS_PATH, body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]
    assert not CallEvent.objects.exists() and not Contact.objects.exists()


def test_a_record_naming_an_unmapped_agent_stores_nothing(transactional_db):
    set_up_people()
    map_platform_ids()
    PlatformAgent.objects.filter(external_id=connect_agent_arn("agent001")).delete()
    writer = ConnectWriter()
    posts = posts_for(writer, [m for m in routed_script() if m["call_id"] == "c1"])
    records = [p.body for p in posts if p.path == CONNECT_RECORDS_PATH]

    response = send(connect_client(), Post(CONNECT_RECORDS_PATH, records))

    assert response.status_code == 400
    assert not ConnectContactRecord.objects.exists() and not CallEvent.objects.exists()


def test_without_a_key_nothing_is_taken(transactional_db):
    response = APIClient().post(CONNECT_EVENTS_PATH, _event(), format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_wrong_firehose_access_key_is_refused(transactional_db):
    api = APIClient()
    api.credentials(HTTP_X_AMZ_FIREHOSE_ACCESS_KEY="cck_wrong")
    response = api.post(CONNECT_RECORDS_PATH, firehose_delivery([{}]), format="json")
    assert response.status_code == 401
    assert not ConnectContactRecord.objects.exists()
