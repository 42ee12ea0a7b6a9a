"""Telephony systems retry: the same event may arrive twice at the same moment."""

import pytest
from django.utils import timezone

from console.agents.models import AgentState
from console.calls.events import handle_call_event
from contacts.call_events import CallEventInput
from contacts.models import CallEvent, Contact
from tests.concurrency import run_at_once
from tests.factories import make_agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_offer_posted_twice_at_once_is_stored_and_routed_once():
    make_agent("agent001", state=AgentState.AVAILABLE)
    make_agent("agent002", state=AgentState.AVAILABLE)
    event = CallEventInput(
        event_id="e1",
        call_id="c1",
        type="offered",
        at=timezone.now(),
        caller_number="0312345678",
        queue="loans",
    )

    def post():
        return handle_call_event(source="pbx", event=event)

    outcomes = run_at_once(post, post)

    assert sorted(outcome.duplicate for outcome in outcomes) == [False, True]
    assert CallEvent.objects.count() == 1
    contact = Contact.objects.get()
    assert {outcome.contact_id for outcome in outcomes} == {str(contact.pk)}
    assert {outcome.agent for outcome in outcomes} == {contact.agent.get_username()}
