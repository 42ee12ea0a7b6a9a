"""ATM incidents: a case and a contact on the customer's timeline, alerts and next best actions,
a live update on the screen of an agent talking to the customer, and a queue for the unresolved."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from console.agents.models import AgentState
from console.asgi import application
from console.calls.screen import customer_360
from console.service_desk.cases import give_case_a_customer, unresolved_incidents
from contacts.models import Case, Channel, Contact, ContactState
from customers.models import Customer
from customers.resolution import ingest_source_records
from tests.factories import api_key, make_agent

INCIDENTS = "/api/v1/atm/incidents"
TARO = {
    "external_id": "A-77",
    "customer_number": "C0012345",
    "name": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "phones": ["090-1234-5678"],
    "accounts": [{"kind": "card", "number": "4111 1111 1111 1234"}],
}


def incident(**fields) -> dict:
    return {
        "incident_id": "INC-1",
        "type": "card_retained",
        "atm_id": "ATM-0042",
        "occurred_at": timezone.now().isoformat(),
        **fields,
    }


@pytest.fixture
def taro(db) -> Customer:
    outcome = ingest_source_records(system="atm_svc", records=[TARO])
    return Customer.objects.get(pk=outcome.results[0].customer_id)


@pytest.fixture
def atm_api(client_with_scopes):
    return client_with_scopes("atm")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reference",
    [
        {"customer_number": "C0012345"},
        {"system": "atm_svc", "external_id": "A-77"},
        {"card_last4": "1234", "name": "ﾔﾏﾀﾞ ﾀﾛｳ"},
        {"card_last4": "1234", "name": "山田　太郎"},
    ],
)
def test_each_way_of_naming_the_customer_reaches_the_customer(atm_api, taro, reference):
    response = atm_api.post(INCIDENTS, incident(customer=reference), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["customer_id"] == str(taro.pk)


@pytest.mark.django_db
def test_incident_becomes_case_contact_alert_and_next_best_action(atm_api, taro):
    atm_api.post(INCIDENTS, incident(customer={"customer_number": "C0012345"}), format="json")

    case = Case.objects.get()
    assert (case.kind, case.owner_desk, case.details["atm_id"]) == (
        "card_retained",
        "service_center",
        "ATM-0042",
    )
    contact = Contact.objects.get(channel=Channel.ATM)
    assert (contact.customer, contact.case) == (taro, case)
    context = customer_360(customer_id=taro.pk)
    assert "recent_card_retained" in [a["code"] for a in context["alerts"]]
    assert "apologise_and_reissue_card" in [a["code"] for a in context["next_best_actions"]]
    assert context["recent_contacts"][0]["channel"] == "atm"


@pytest.mark.django_db
def test_the_same_incident_again_changes_nothing(atm_api, taro):
    first = atm_api.post(
        INCIDENTS, incident(customer={"customer_number": "C0012345"}), format="json"
    )
    again = atm_api.post(
        INCIDENTS, incident(customer={"customer_number": "C0012345"}), format="json"
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert (Case.objects.count(), Contact.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_an_unresolvable_customer_lands_in_the_stewards_queue(atm_api, taro, steward, client):
    response = atm_api.post(
        INCIDENTS, incident(customer={"card_last4": "9999", "name": "不明"}), format="json"
    )

    assert response.status_code == 201
    assert response.json()["customer_id"] is None
    assert list(unresolved_incidents()) == [Case.objects.get()]
    client.force_login(steward)
    page = client.get("/incidents/unresolved/")
    assert "ATM-0042" in page.content.decode()

    # The steward searches beside the incident, by name, and gives it to the customer found.
    case = Case.objects.get()
    found = client.get("/incidents/unresolved/", {"case": case.pk, "q": taro.name}).content
    assert f'name="customer_id" value="{taro.pk}"' in found.decode()
    assert f'id="matches-{case.pk}"' in found.decode()
    client.post(f"/incidents/{case.pk}/customer", {"customer_id": str(taro.pk)})

    assert Case.objects.get().customer == taro
    assert Contact.objects.get(channel=Channel.ATM).customer == taro
    assert not unresolved_incidents().exists()


@pytest.mark.django_db
def test_bad_incidents_are_refused_and_store_nothing(atm_api):
    response = atm_api.post(
        INCIDENTS,
        incident(type="fire", amount=-5, customer={"card_last4": "12"}, extra=True),
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"type", "amount", "customer", "extra"}
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_only_the_atm_scope_may_post_incidents(client_with_scopes):
    response = client_with_scopes("read").post(INCIDENTS, incident(), format="json")

    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_an_agent_talking_to_the_customer_sees_the_incident_live():
    await database_sync_to_async(ingest_source_records)(system="atm_svc", records=[TARO])
    agent = await database_sync_to_async(make_agent)(
        "agent101", desk="service_center", state=AgentState.AVAILABLE
    )
    key = await database_sync_to_async(api_key)(scopes=["cti", "atm"], name="pbx")

    def login_cookie() -> bytes:
        web = Client()
        web.force_login(agent.user)
        return f"sessionid={web.cookies['sessionid'].value}".encode()

    socket = WebsocketCommunicator(
        application,
        "/ws/agent/",
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"cookie", await database_sync_to_async(login_cookie)()),
        ],
    )
    assert (await socket.connect())[0]

    def post(path, body):
        from rest_framework.test import APIClient

        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return api.post(path, body, format="json")

    await database_sync_to_async(post)(
        "/api/v1/cti/events",
        {
            "event_id": "e1",
            "call_id": "c1",
            "type": "offered",
            "at": timezone.now().isoformat(),
            "from": "09012345678",
            "queue": "atm",
        },
    )
    await database_sync_to_async(post)(
        INCIDENTS, incident(customer={"customer_number": "C0012345"})
    )

    while (message := await socket.receive_json_from(timeout=5))["type"] != "customer_update":
        pass
    assert "recent_card_retained" in [a["code"] for a in message["customer"]["alerts"]]
    contact = await database_sync_to_async(Contact.objects.get)(channel="phone")
    assert message["contact_id"] == str(contact.pk) and contact.state == ContactState.OFFERED
    await socket.disconnect()


@pytest.mark.django_db
def test_giving_one_incident_a_customer_leaves_other_incidents_at_that_atm_alone(atm_api, taro):
    unknown = {"card_last4": "9999", "name": "不明"}
    first = atm_api.post(INCIDENTS, incident(incident_id="INC-1", customer=unknown), format="json")
    atm_api.post(INCIDENTS, incident(incident_id="INC-2", customer=unknown), format="json")

    give_case_a_customer(case_id=first.json()["id"], customer_id=taro.pk)

    assert Contact.objects.filter(channel=Channel.ATM, customer=taro).count() == 1
    assert Contact.objects.filter(channel=Channel.ATM, customer__isnull=True).count() == 1
