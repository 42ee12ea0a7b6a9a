"""`simulate` drives a running server through the public telephony API."""

import pytest
from django.core.management import call_command

from console.agents.models import Agent, AgentState
from contacts.models import CallEvent, Contact, ContactState, Touchpoint
from customers.resolution import ingest_source_records
from tests.factories import make_agent
from tests.live_server import running_daphne

pytestmark = pytest.mark.django_db(transaction=True)


def test_simulated_calls_reach_agents_and_finish(transactional_db):
    ingest_source_records(
        system="loan_cc",
        records=[
            {
                "external_id": "L1",
                "customer_number": "C0000001",
                "name": "山田 太郎",
                "phones": ["09012345678"],
            }
        ],
    )
    for n, desk in enumerate(["contact_center", "service_center"] * 3):
        make_agent(f"agent{n:03d}", desk=desk, state=AgentState.AVAILABLE)

    with running_daphne() as server:
        # 6 calls in 3 seconds, each lasting well under a second at this speed.
        call_command(
            "simulate",
            "--url",
            server,
            "--calls-per-minute",
            "120",
            "--minutes",
            "0.05",
            "--speed",
            "1000",
            "--seed",
            "7",
            "--interactions-per-minute",
            "0",
        )

    assert Contact.objects.count() >= 5
    assert CallEvent.objects.filter(type="offered").count() == Contact.objects.filter(leg=0).count()
    assert Contact.objects.filter(state=ContactState.WRAPPED_UP).exists()


def test_the_simulator_sends_app_and_web_interactions(transactional_db):
    ingest_source_records(
        system="loan_cc",
        records=[{"external_id": "L1", "customer_number": "C0000001", "name": "山田 太郎"}],
    )

    with running_daphne() as server:
        call_command(
            "simulate",
            "--url",
            server,
            "--calls-per-minute",
            "1",
            "--minutes",
            "0.05",
            "--interactions-per-minute",
            "120",
            "--seed",
            "3",
        )

    touchpoints = Touchpoint.objects.select_related("contact")
    assert touchpoints.count() >= 3
    assert {t.contact.channel for t in touchpoints} <= {"app", "web"}
    assert {t.contact.customer.customer_number for t in touchpoints} == {"C0000001"}


def test_the_simulator_puts_its_agents_to_work_and_leaves_the_persons_calls_to_them(
    transactional_db,
):
    """Demo agents start offline: the simulator sets every one but the person's available, so
    the queues are answered (few abandoned), and a call routed to the person only rings."""
    make_agent("agent001", state=AgentState.AVAILABLE)  # the person at the demo
    for n in range(2, 6):
        make_agent(f"agent{n:03d}", desk="contact_center", state=AgentState.OFFLINE)
    for n in range(6, 9):
        make_agent(f"agent{n:03d}", desk="service_center", state=AgentState.OFFLINE)

    with running_daphne() as server:
        call_command(
            "simulate",
            "--url",
            server,
            "--calls-per-minute",
            "120",
            "--minutes",
            "0.05",
            "--speed",
            "1000",
            "--seed",
            "3",
            "--interactions-per-minute",
            "0",
        )

    simulated = Contact.objects.exclude(agent__username="agent001").filter(agent__isnull=False)
    assert simulated.exists()
    assert set(simulated.values_list("state", flat=True)) == {ContactState.WRAPPED_UP}
    # The person's calls were never answered for them.
    assert not Contact.objects.filter(
        agent__username="agent001", answered_at__isnull=False
    ).exists()
    assert Contact.objects.filter(state=ContactState.ABANDONED).count() <= 1
    # After the run the simulated agents leave their desks.
    assert set(
        Agent.objects.exclude(user__username="agent001").values_list("state", flat=True)
    ) == {AgentState.OFFLINE}
