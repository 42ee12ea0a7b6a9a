"""A call whose `ended` never comes, under a live Daphne: the sweeper (run as beat runs it, in a
process of its own) closes it with the reason on the contact, and its agent's browser is offered
the call that waited meanwhile."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Contact, ContactState, EndReason
from tests.faults.live import post_event
from tests.faults.services import manage
from tests.live_server import database_url

pytestmark = pytest.mark.django_db(transaction=True)

SWEEP = "from console.calls.tasks import close_silent_calls_task; print(close_silent_calls_task())"


def test_a_call_whose_ended_never_comes_is_closed_and_the_agent_offered_the_next(
    console, redis, settings
):
    def send(call_id: str, type_: str, **fields) -> int:
        event = {"event_id": f"{call_id}-{type_}", "call_id": call_id, "type": type_, **fields}
        return post_event(console.url, console.key, **event).status

    assert send("stuck", "offered", queue="loans", **{"from": "0312345678"}) == 202
    assert send("stuck", "answered") == 202
    assert send("next", "offered", queue="loans", **{"from": "0398765432"}) == 202
    console.browser.wait_for(lambda b: b.popped_calls() == ["stuck"])
    assert Contact.objects.get(call_id="next").state == ContactState.WAITING
    last_event = timezone.now() - timedelta(minutes=settings.CALL_SILENCE_LIMIT_MINUTES + 1)
    Contact.objects.filter(call_id="stuck").update(updated_at=last_event)

    closed = manage("shell", "-c", SWEEP, DATABASE_URL=database_url(), REDIS_URL=redis.url)

    assert closed.strip().splitlines()[-1] == "1"
    console.browser.wait_for(lambda b: b.popped_calls() == ["stuck", "next"])
    stuck = Contact.objects.get(call_id="stuck")
    assert (stuck.state, stuck.end_reason) == (ContactState.WRAPPED_UP, EndReason.SILENT)
    assert Contact.objects.get(call_id="next").state == ContactState.OFFERED
