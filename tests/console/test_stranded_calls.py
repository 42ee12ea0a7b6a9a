"""Calls the telephony system never ended: closed by the sweeper after a silence, or by the agent
from the console, with the reason on the contact; the agent is freed for the next waiting call."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from console.agents.models import Agent, AgentState
from console.calls.events import handle_call_event
from console.calls.stranded import close_silent_calls
from contacts.call_events import CallEventInput
from contacts.models import Contact, ContactState, EndReason
from tests.factories import make_agent


def event(call_id: str, type_: str, **fields) -> CallEventInput:
    return CallEventInput(
        event_id=f"{call_id}-{type_}", call_id=call_id, type=type_, at=timezone.now(), **fields
    )


def offer(call_id: str) -> Contact:
    handle_call_event(
        source="pbx", event=event(call_id, "offered", queue="loans", caller_number="0312345678")
    )
    return Contact.objects.get(source="pbx", call_id=call_id)


def answered_call_and_one_waiting(agent: Agent) -> tuple[Contact, Contact]:
    stuck = offer("stuck")
    handle_call_event(source="pbx", event=event("stuck", "answered"))
    waiting = offer("next")
    agent.refresh_from_db()
    assert agent.state == AgentState.ON_CALL
    assert Contact.objects.get(pk=waiting.pk).state == ContactState.WAITING
    return stuck, waiting


def silent_for_too_long(contact: Contact, settings) -> None:
    """The call's last event came longer ago than the silence limit."""
    last_event = timezone.now() - timedelta(minutes=settings.CALL_SILENCE_LIMIT_MINUTES + 1)
    Contact.objects.filter(pk=contact.pk).update(updated_at=last_event)


@pytest.mark.django_db
def test_a_call_whose_ended_never_comes_is_closed_and_its_agent_gets_the_next_call(settings):
    agent = make_agent("agent001", state=AgentState.AVAILABLE)
    stuck, waiting = answered_call_and_one_waiting(agent)

    assert close_silent_calls() == 0  # not silent long enough yet
    silent_for_too_long(stuck, settings)
    assert close_silent_calls() == 1

    stuck.refresh_from_db()
    assert stuck.state == ContactState.WRAPPED_UP
    assert stuck.end_reason == EndReason.SILENT
    waiting.refresh_from_db()
    assert waiting.state == ContactState.OFFERED
    assert waiting.agent_id == agent.user_id
    agent.refresh_from_db()
    assert agent.state == AgentState.ON_CALL


@pytest.mark.django_db
def test_sweeping_again_changes_nothing(settings):
    agent = make_agent("agent001", state=AgentState.AVAILABLE)
    stuck, _ = answered_call_and_one_waiting(agent)
    silent_for_too_long(stuck, settings)
    close_silent_calls()
    contacts_after_first = Contact.objects.count()

    assert close_silent_calls() == 0
    assert Contact.objects.count() == contacts_after_first


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_close_each_call_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks that skip what another holds need PostgreSQL")
    agent = make_agent("agent001", state=AgentState.AVAILABLE)
    stuck, waiting = answered_call_and_one_waiting(agent)
    silent_for_too_long(stuck, settings)
    closed, start = [], threading.Barrier(2)

    def sweep() -> None:
        start.wait()
        try:
            closed.append(close_silent_calls())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(closed) == 1
    assert Contact.objects.get(pk=stuck.pk).end_reason == EndReason.SILENT
    assert Contact.objects.get(pk=waiting.pk).agent_id == agent.user_id


@pytest.mark.django_db
def test_an_agent_left_on_a_call_without_one_is_made_available_and_offered_the_next(settings):
    agent = make_agent("agent001", state=AgentState.ON_CALL)
    waiting = offer("waiting")

    close_silent_calls()

    waiting.refresh_from_db()
    assert waiting.agent_id == agent.user_id
    assert waiting.state == ContactState.OFFERED


@pytest.mark.django_db
def test_the_agent_ends_a_call_the_phone_system_never_ended():
    agent = make_agent("agent001", state=AgentState.AVAILABLE)
    stuck, _ = answered_call_and_one_waiting(agent)
    web = Client()
    web.force_login(agent.user)

    response = web.post(f"/console/contacts/{stuck.pk}/close-stranded")

    assert response.status_code == 200, response.content
    stuck.refresh_from_db()
    assert stuck.state == ContactState.ENDED  # after-call work is theirs to do
    assert stuck.end_reason == EndReason.CLOSED_BY_AGENT
    agent.refresh_from_db()
    assert agent.state == AgentState.WRAP_UP


@pytest.mark.django_db
def test_an_agent_cannot_end_another_agents_call():
    make_agent("agent001", state=AgentState.AVAILABLE)
    stuck = offer("stuck")
    other = make_agent("agent002")
    web = Client()
    web.force_login(other.user)

    response = web.post(f"/console/contacts/{stuck.pk}/close-stranded")

    assert response.status_code == 403
    stuck.refresh_from_db()
    assert stuck.end_reason == ""
