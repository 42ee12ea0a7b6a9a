"""Messages to agents are kept for replay, and forgotten once older than a shift."""

from datetime import timedelta

import pytest
from django.utils import timezone

from console.agents.models import AgentMessage
from console.agents.tasks import forget_old_agent_messages_task
from console.realtime import MESSAGES_KEPT_FOR, messages_after, send_to_agent
from tests.factories import make_agent

pytestmark = pytest.mark.django_db


def test_each_message_gets_the_next_sequence_number_of_its_agent():
    first, second = make_agent("agent001"), make_agent("agent002")

    sent = [
        send_to_agent(agent_id=first.pk, body={"type": "x"}),
        send_to_agent(agent_id=second.pk, body={"type": "x"}),
        send_to_agent(agent_id=first.pk, body={"type": "y"}),
    ]

    assert [m["seq"] for m in sent] == [1, 1, 2]
    assert messages_after(agent_id=first.pk, seq=1) == [{"type": "y", "seq": 2}]


def test_old_messages_are_forgotten_and_running_twice_changes_nothing_more():
    agent = make_agent("agent001")
    send_to_agent(agent_id=agent.pk, body={"type": "old"})
    send_to_agent(agent_id=agent.pk, body={"type": "new"})
    AgentMessage.objects.filter(seq=1).update(
        created_at=timezone.now() - MESSAGES_KEPT_FOR - timedelta(minutes=1)
    )

    assert forget_old_agent_messages_task.apply().get() == 1
    assert forget_old_agent_messages_task.apply().get() == 0
    assert list(AgentMessage.objects.values_list("seq", flat=True)) == [2]
