"""`simulate --format` drives a running server as Amazon Connect, Twilio TaskRouter or a PBX
with the CTI push would: calls reach agents and finish through each connector."""

import pytest
from django.core.management import call_command

from console.agents.models import AgentState
from contacts.models import Contact, ContactState
from customers.resolution import ingest_source_records
from tests.factories import make_agent
from tests.live_server import running_daphne

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "simulated-twilio-token"


@pytest.mark.parametrize(
    ("format_", "source"),
    [
        ("connect", "amazon-connect:demo-instance"),
        ("twilio", "taskrouter:WS" + "d" * 32),
        ("cti-push", "simulator"),
    ],
)
def test_simulated_platform_calls_reach_agents_and_finish(
    transactional_db, settings, format_, source
):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    ingest_source_records(
        system="loan_cc",
        records=[{"external_id": "L1", "name": "山田 太郎", "phones": ["09012345678"]}],
    )
    for n, desk in enumerate(["contact_center", "service_center"] * 3):
        make_agent(f"agent{n:03d}", desk=desk, state=AgentState.AVAILABLE)

    with running_daphne(TWILIO_AUTH_TOKEN=TOKEN) as server:
        call_command(
            "simulate",
            "--url",
            server,
            "--format",
            format_,
            "--calls-per-minute",
            "120",
            "--minutes",
            "0.05",
            "--speed",
            "1000",
            "--seed",
            "7",
        )

    contacts = Contact.objects.filter(source=source)
    assert contacts.count() >= 5
    # The CTI push reports no wrap-up: its agents finish theirs in the console.
    done = ContactState.ENDED if format_ == "cti-push" else ContactState.WRAPPED_UP
    assert contacts.filter(state=done).exists()
    assert contacts.filter(agent__isnull=False).exists()
