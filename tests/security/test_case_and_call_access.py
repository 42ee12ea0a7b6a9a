"""Access holes an auditor found: a case changed from a customer page it does not belong to, or
by a role that may only read; the first agent of a transferred call renaming its caller."""

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from console.agents.models import AgentMessage, AgentState
from contacts.models import Case, Contact
from customers.resolution import ingest_source_records
from tests.factories import UserFactory, api_key, make_agent

pytestmark = pytest.mark.django_db(transaction=True)


def customer(external_id: str, name: str, phone: str) -> str:
    outcome = ingest_source_records(
        system="loan_cc", records=[{"external_id": external_id, "name": name, "phones": [phone]}]
    )
    return str(outcome.results[0].customer_id)


def ticket_for(customer_id: str, external_id: str) -> Case:
    from customers.models import Customer

    number = f"C{external_id[-7:]:0>7}"
    Customer.objects.filter(pk=customer_id).update(customer_number=number)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['tickets'], name='crm')}")
    response = api.post(
        "/api/v1/tickets",
        {
            "external_id": external_id,
            "kind": "card_reissue",
            "subject": "カード再発行",
            "opened_at": timezone.now().isoformat(),
            "customer": {"customer_number": number},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return Case.objects.get(pk=response.json()["id"])


def signed_in(username: str, role: str) -> Client:
    web = Client()
    web.force_login(UserFactory(username=username, role=role))
    return web


@pytest.mark.parametrize("role", ["supervisor", "steward"])
def test_roles_that_only_read_cannot_change_a_case_from_the_customer_page(role):
    taro = customer("L-1", "山田 太郎", "090-1111-2222")
    case = ticket_for(taro, "TCK-0000001")

    response = signed_in(f"{role}001", role).post(
        f"/customers/{taro}/cases/{case.pk}", {"status": "closed"}
    )

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "open"


def test_a_case_cannot_be_changed_under_another_customers_page():
    taro = customer("L-1", "山田 太郎", "090-1111-2222")
    hanako = customer("L-2", "佐藤 花子", "090-3333-4444")
    hanakos_case = ticket_for(hanako, "TCK-0000002")

    response = signed_in("agent001", "agent").post(
        f"/customers/{taro}/cases/{hanakos_case.pk}", {"status": "closed"}
    )

    assert response.status_code == 404
    hanakos_case.refresh_from_db()
    assert hanakos_case.status == "open"


def test_an_agent_changes_the_customers_own_case_from_the_page():
    taro = customer("L-1", "山田 太郎", "090-1111-2222")
    case = ticket_for(taro, "TCK-0000003")

    response = signed_in("agent001", "agent").post(
        f"/customers/{taro}/cases/{case.pk}", {"status": "in_progress"}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_progress"


def post_event(cti, **event):
    event.setdefault("at", timezone.now().isoformat())
    response = cti.post("/api/v1/cti/events", event, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def test_the_first_agent_cannot_rename_the_caller_after_a_transfer(cti):
    tanaka = customer("L-1", "田中 一郎", "03-3333-4444")
    kazuko = customer("L-2", "田中 和子", "03-3333-4444")
    first = make_agent("agent001", state=AgentState.AVAILABLE)
    make_agent("agent002", state=AgentState.AVAILABLE)
    post_event(cti, event_id="e1", call_id="c1", type="offered", queue="loans", agent="agent001")
    post_event(cti, event_id="e2", call_id="c1", type="answered")
    web = Client()
    web.force_login(first.user)
    first_leg = Contact.objects.get(leg=0)
    assert (
        web.post(f"/console/contacts/{first_leg.pk}/pick", {"customer_id": tanaka}).status_code
        == 200
    )
    post_event(cti, event_id="e3", call_id="c1", type="transferred", target_agent="agent002")
    updates_before = AgentMessage.objects.filter(body__type="customer_update").count()

    response = web.post(f"/console/contacts/{first_leg.pk}/pick", {"customer_id": kazuko})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "refused"
    assert {str(c.customer_id) for c in Contact.objects.all()} == {tanaka}
    assert AgentMessage.objects.filter(body__type="customer_update").count() == updates_before
