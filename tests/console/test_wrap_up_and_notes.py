"""After the call: a desk that requires a wrap-up code refuses a wrap-up without one and stores
nothing; a desk may waive it; a saved note is pushed to the agent's consoles with time and
author; the shift's list names a caller without a name by their number, never by an id."""

import pytest
from django.test import Client
from django.utils import timezone

from console.agents.models import AgentMessage, AgentState
from contacts.models import Contact, ContactState, DeskPolicy, WrapUpCode
from customers.models import Customer
from tests.factories import make_agent

pytestmark = pytest.mark.django_db(transaction=True)


def post(cti, **event):
    event.setdefault("at", timezone.now().isoformat())
    response = cti.post("/api/v1/cti/events", event, format="json")
    assert response.status_code == 202, response.content
    return response.json()


@pytest.fixture
def ended_call(cti) -> tuple[Client, Contact]:
    agent = make_agent("agent001", state=AgentState.AVAILABLE)
    post(cti, event_id="e1", call_id="c1", type="offered", queue="loans", **{"from": "0312345678"})
    post(cti, event_id="e2", call_id="c1", type="answered")
    post(cti, event_id="e3", call_id="c1", type="ended")
    web = Client(headers={"accept-language": "en"})
    web.force_login(agent.user)
    return web, Contact.objects.get()


def test_a_wrap_up_without_a_code_is_refused_and_stores_nothing(ended_call):
    web, contact = ended_call
    response = web.post(
        f"/console/contacts/{contact.pk}/wrap-up", {"disposition": "案内済み", "done": "true"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Choose a wrap-up code to finish the wrap-up."
    contact.refresh_from_db()
    assert (contact.state, contact.disposition, contact.wrapped_up_at) == (
        ContactState.ENDED,
        "",
        None,
    )
    assert contact.agent.agent.state == AgentState.WRAP_UP


def test_a_wrap_up_with_a_code_finishes(ended_call):
    web, contact = ended_call
    code = WrapUpCode.objects.filter(desk=contact.desk).first()
    response = web.post(
        f"/console/contacts/{contact.pk}/wrap-up", {"wrap_up_code": code.code, "done": "true"}
    )
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.state == ContactState.WRAPPED_UP


def test_a_desk_may_waive_the_code(ended_call):
    web, contact = ended_call
    DeskPolicy.objects.create(desk=contact.desk, wrap_up_code_required=False)
    response = web.post(f"/console/contacts/{contact.pk}/wrap-up", {"done": "true"})
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.state == ContactState.WRAPPED_UP


def test_a_saved_note_is_pushed_with_its_time_and_author(ended_call):
    web, contact = ended_call
    contact.agent.first_name, contact.agent.last_name = "太郎", "山田"
    contact.agent.save()
    response = web.post(f"/console/contacts/{contact.pk}/note", {"text": "折り返し希望"})
    assert response.status_code == 200
    pushed = AgentMessage.objects.filter(body__type="note_saved").get().body
    assert pushed["contact_id"] == str(contact.pk)
    assert pushed["note"]["text"] == "折り返し希望"
    assert pushed["note"]["author"] in ("太郎 山田", "山田 太郎")
    assert pushed["note"]["at"]


def test_the_shift_list_names_a_customer_without_a_name_by_their_number(ended_call):
    web, contact = ended_call
    customer = Customer.objects.create(customer_number="C0099999", name="")
    Contact.objects.filter(pk=contact.pk).update(customer=customer)
    page = web.get("/console/shift/").content.decode()
    assert "C0099999" in page
    assert str(customer.pk) not in page.replace(f"/customers/{customer.pk}/", "")
