"""Agents for the screen-pop benchmark, signed in and available; prints them as JSON.

    DATABASE_URL=... REDIS_URL=... DEBUG=true ENV_FILE=/dev/null \\
        .venv/bin/python bench/screen_pop_agents.py --agents 200 --service-center 20

Run by bench/screen_pop.py before every measurement (also with --reuse): it makes the users
`agent001`... with the agent role and their `Agent` profiles if missing, closes calls an earlier,
interrupted run left live (a waiting call would be handed to the first agent set free and never
ended), sets every agent available with staggered idle times (and any other agent offline), and
signs each one in with a new session. Prints `[{"username", "agent_id", "desk", "session"}]` on
the last line.
"""

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def prepare_agents(*, agents: int, service_center: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from console.agents.models import Agent, AgentState
    from console.roles import assign_role
    from contacts.models import Contact, ContactState, Desk

    now = timezone.now()
    prepared = []
    with transaction.atomic():
        Contact.objects.filter(
            state__in=[
                ContactState.WAITING,
                ContactState.OFFERED,
                ContactState.ANSWERED,
                ContactState.HOLD,
            ]
        ).update(state=ContactState.ABANDONED)
        for number in range(1, agents + 1):
            user, created = get_user_model().objects.get_or_create(username=f"agent{number:03d}")
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                assign_role(user=user, role="agent")
            # The last ones sit on the service center, which answers the `atm` queue.
            desk = Desk.SERVICE_CENTER if number > agents - service_center else Desk.CONTACT_CENTER
            agent, _ = Agent.objects.update_or_create(
                user=user,
                defaults={
                    "desk": desk,
                    "state": AgentState.AVAILABLE,
                    # Distinct idle times, so routing order is defined from the first call.
                    "state_since": now - timedelta(seconds=agents - number),
                },
            )
            prepared.append({"username": user.username, "agent_id": agent.pk, "desk": desk})
        # Agents an earlier run with more of them left available would be offered calls that
        # no socket of this run hears.
        Agent.objects.exclude(pk__in=[p["agent_id"] for p in prepared]).update(
            state=AgentState.OFFLINE, state_since=now
        )
    for entry, user in zip(
        prepared,
        get_user_model()
        .objects.filter(username__in=[p["username"] for p in prepared])
        .order_by("username"),
        strict=True,
    ):
        browser = Client()
        browser.force_login(user)
        entry["session"] = browser.cookies["sessionid"].value
    return prepared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--service-center", type=int, default=20)
    options = parser.parse_args()
    sys.path.insert(0, str(PROJECT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    import django

    django.setup()
    prepared = prepare_agents(agents=options.agents, service_center=options.service_center)
    print(json.dumps(prepared))


if __name__ == "__main__":
    main()
