"""Demo users and demo customers: `manage.py seed_demo`.

Safe to run again: users are looked up by name (a password is only re-set when it differs) and
records are ingested by (system, external_id), so a second run with the same seed changes nothing.
"""

import random

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contacts.defaults import ensure_defaults
from customers.models import Customer, SourceRecord
from demo.customers import generate_people, load_demo_people
from demo.history import create_demo_history
from demo.touchpoints import create_demo_follow_ups, create_demo_touchpoints
from demo.users import ensure_demo_agents, ensure_user

DEFAULT_PASSWORD = "demo-pass-2026"


class Command(BaseCommand):
    help = (
        "Create demo users (agent001…, super001…, steward001, admin) and demo customers from "
        "both desks, deterministic for a seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=200, help="true people to generate")
        parser.add_argument("--agents", type=int, default=5)
        parser.add_argument("--supervisors", type=int, default=1)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument("--seed", type=int, default=1)

    def handle(
        self,
        *args,
        customers: int,
        agents: int,
        supervisors: int,
        password: str,
        seed: int,
        **options,
    ):
        if min(customers, agents, supervisors) < 0:
            raise CommandError("--customers, --agents and --supervisors cannot be negative.")
        if not password:
            raise CommandError("--password cannot be empty.")
        people_by_role = [
            *((f"agent{n:03d}", "agent") for n in range(1, agents + 1)),
            *((f"super{n:03d}", "supervisor") for n in range(1, supervisors + 1)),
            ("steward001", "steward"),
            ("admin", "admin"),
        ]
        refused_password(password=password, usernames=[name for name, _ in people_by_role])
        user_changes = {"created": 0, "password_reset": 0, "unchanged": 0}
        with transaction.atomic():
            # Queues and wrap-up codes named in both languages, even in a database whose rows
            # predate the English names.
            ensure_defaults()
            for username, role in people_by_role:
                user_changes[ensure_user(username=username, role=role, password=password)] += 1
            agent_profiles = ensure_demo_agents(
                usernames=[name for name, role in people_by_role if role == "agent"]
            )

        people = generate_people(count=customers, rng=random.Random(seed))
        load = load_demo_people(people=people, decided_by_system="seed_demo")
        for error in load.errors:
            self.stderr.write(f"Record {error['external_id']} refused: {error['fields']}")

        history = create_demo_history(
            customers=list(Customer.objects.filter(merged_into__isnull=True).order_by("pk")),
            agents_by_desk=agent_profiles,
            rng=random.Random(seed),
        )
        live_customers = list(Customer.objects.filter(merged_into__isnull=True).order_by("pk"))
        touchpoints = create_demo_touchpoints(customers=live_customers, rng=random.Random(seed))
        follow_ups = create_demo_follow_ups(customers=live_customers, rng=random.Random(seed))
        actions = ", ".join(f"{count} {action}" for action, count in sorted(load.actions.items()))
        self.stdout.write(
            f"Users: {len(people_by_role)} ({user_changes['created']} created, "
            f"{user_changes['password_reset']} password reset, "
            f"{user_changes['unchanged']} unchanged); password {password!r}."
        )
        records = sum(load.actions.values())
        self.stdout.write(f"Demo people: {len(people)}; records: {records} ({actions or 'none'}).")
        self.stdout.write(f"Demo call history: {history} contacts added.")
        self.stdout.write(
            f"Demo touchpoints on other channels: {touchpoints} added; "
            f"follow-ups sent after calls: {follow_ups} added."
        )
        self.stdout.write(
            f"Now {SourceRecord.objects.count()} source records resolve to "
            f"{Customer.objects.filter(merged_into__isnull=True).count()} customers."
        )


def refused_password(*, password: str, usernames: list[str]) -> None:
    """The demo users sign in like everyone: their password must pass AUTH_PASSWORD_VALIDATORS
    (for each user, since one checks the password against the user name)."""
    problems: dict[str, None] = {}
    for username in usernames:
        try:
            validate_password(password, user=get_user_model()(username=username))
        except ValidationError as error:
            problems.update(dict.fromkeys(error.messages))
    if problems:
        raise CommandError(f"--password refused: {' '.join(problems)}")
