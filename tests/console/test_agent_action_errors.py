"""The agent console's actions refuse in the API's one error format:
`{"error": {"code", "message", "fields"}}` with 400 or 403, each action at its own URL."""

import pytest
from django.test import Client
from django.utils import timezone

from console.agents.models import AgentState
from contacts.models import Contact, ContactState
from tests.factories import make_agent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ringing(cti) -> tuple[Client, Contact]:
    """A call offered to agent001, who is signed in to the console."""
    agent = make_agent("agent001", state=AgentState.AVAILABLE)
    response = cti.post(
        "/api/v1/cti/events",
        {
            "event_id": "e1",
            "call_id": "c1",
            "type": "offered",
            "at": timezone.now().isoformat(),
            "from": "0312345678",
            "queue": "loans",
        },
        format="json",
    )
    assert response.status_code == 202
    web = Client(headers={"accept-language": "en"})
    web.force_login(agent.user)
    return web, Contact.objects.get()


def test_an_action_the_call_does_not_allow_is_a_400_in_the_error_format(ringing):
    web, contact = ringing

    response = web.post(f"/console/contacts/{contact.pk}/hold")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "refused",
            "message": "Only a call in progress can be held.",
            "fields": {},
        }
    }


def test_a_form_with_bad_fields_is_a_400_naming_the_fields(ringing):
    web, contact = ringing

    response = web.post(f"/console/contacts/{contact.pk}/note", {"text": ""})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["text"]


def test_another_agents_contact_is_a_403_in_the_error_format(ringing):
    _, contact = ringing
    other = Client()
    other.force_login(make_agent("agent002", state=AgentState.AVAILABLE).user)

    response = other.post(f"/console/contacts/{contact.pk}/answer")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    contact.refresh_from_db()
    assert contact.state == ContactState.OFFERED


def test_an_action_that_is_allowed_answers_ok(ringing):
    web, contact = ringing

    response = web.post(f"/console/contacts/{contact.pk}/answer")

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    contact.refresh_from_db()
    assert contact.state == ContactState.ANSWERED


def test_each_action_has_its_own_url_and_an_unknown_one_is_not_found(ringing):
    web, contact = ringing

    assert web.post(f"/console/contacts/{contact.pk}/dance").status_code == 404


def test_a_refusal_is_in_the_pages_language(ringing):
    _, contact = ringing
    web = Client(headers={"accept-language": "ja"})
    web.force_login(contact.agent)

    response = web.post(f"/console/contacts/{contact.pk}/hold")

    assert response.json()["error"]["message"] == "保留にできるのは通話中の通話だけです。"
