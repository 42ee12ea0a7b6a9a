"""`seed_demo` and the demo people it loads: users with their roles, customers resolved across
both desks, the same result for a seed, nothing changed by a second run; and the generated
people themselves: valid records, true matches that link, traps that stay apart."""

import random
import re
from collections import defaultdict
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from console.agents.models import Agent
from console.roles import roles_of
from contacts.models import Case, Contact, Desk
from customers.models import Account, Customer, MergeDecision, ReviewCandidate, SourceRecord
from customers.record_input import validate_records
from demo.customers import (
    LOAN_DESK,
    SERVICE_DESK,
    SYSTEMS,
    Trap,
    generate_people,
    load_demo_people,
    records_by_system,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher takes a noticeable fraction of a second per user; its strength is not
    # what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def database_counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "records": SourceRecord.objects.count(),
        "accounts": Account.objects.count(),
        "decisions": MergeDecision.objects.count(),
        "reviews": ReviewCandidate.objects.count(),
        "users": get_user_model().objects.count(),
        "agents": Agent.objects.count(),
        "contacts": Contact.objects.count(),
        "cases": Case.objects.count(),
    }


def test_seed_demo_creates_the_demo_users_with_their_roles_and_password():
    seed(customers=20, agents=2, supervisors=1, password="pw-for-demo-9")

    users = {user.username: user for user in get_user_model().objects.all()}
    assert set(users) == {"agent001", "agent002", "super001", "steward001", "admin"}
    expected_roles = {
        "agent001": ["agent"],
        "agent002": ["agent"],
        "super001": ["supervisor"],
        "steward001": ["steward"],
        "admin": ["admin"],
    }
    assert {name: roles_of(user) for name, user in users.items()} == expected_roles
    assert all(user.check_password("pw-for-demo-9") for user in users.values())
    assert users["admin"].is_staff
    assert not users["agent001"].is_staff


def test_seed_demo_resolves_customers_across_both_desks():
    seed(customers=40)

    systems_by_customer = defaultdict(set)
    for customer_id, system in SourceRecord.objects.values_list("customer_id", "system"):
        systems_by_customer[customer_id].add(system)
    assert any(systems == {LOAN_DESK, SERVICE_DESK} for systems in systems_by_customer.values())
    live = Customer.objects.filter(merged_into__isnull=True).count()
    assert live < SourceRecord.objects.count()
    assert Account.objects.filter(kind="loan").exists()
    assert Account.objects.filter(kind="card").exists()


def test_running_seed_demo_twice_changes_nothing():
    seed(customers=30, agents=2)
    before = database_counts()

    out = seed(customers=30, agents=2)

    assert database_counts() == before
    assert "0 created, 0 password reset, 5 unchanged" in out
    assert re.search(r"records: \d+ \(\d+ unchanged\)", out)


def test_running_seed_demo_with_another_password_resets_it():
    seed(customers=0, agents=1, password="first-pass-1")

    out = seed(customers=0, agents=1, password="second-pass-2")

    assert "4 password reset" in out
    assert get_user_model().objects.get(username="agent001").check_password("second-pass-2")


def test_seed_demo_is_deterministic_for_a_seed():
    seed(customers=25, seed=7)
    first = sorted(SourceRecord.objects.values_list("system", "external_id", "payload_hash"))
    SourceRecord.objects.all().delete()  # cascades to accounts and keys; customers stay

    seed(customers=25, seed=7)

    again = sorted(SourceRecord.objects.values_list("system", "external_id", "payload_hash"))
    assert again == first


# --- the generated people -------------------------------------------------------------------


def test_same_seed_gives_the_same_people_and_another_seed_others():
    first = generate_people(count=60, rng=random.Random(3))

    assert generate_people(count=60, rng=random.Random(3)) == first
    assert generate_people(count=60, rng=random.Random(4)) != first


def test_every_generated_record_is_valid_for_the_batch_api():
    people = generate_people(count=400, rng=random.Random(11))

    for labelled in records_by_system(people).values():
        checked = validate_records([record for _, record in labelled])
        assert checked.errors == []


def test_generated_records_look_like_each_desks_records():
    people = generate_people(count=400, rng=random.Random(5))
    by_system = records_by_system(people)
    loans = [record for _, record in by_system[LOAN_DESK]]
    cards = [record for _, record in by_system[SERVICE_DESK]]

    assert all(re.fullmatch(r"C\d{7}", record["customer_number"]) for record in loans)
    assert all("customer_number" not in record for record in cards)
    assert {a["kind"] for record in loans for a in record["accounts"]} == {"loan"}
    assert {a["kind"] for record in cards for a in record["accounts"]} == {"card"}
    assert any(a["days_past_due"] > 0 for record in loans for a in record["accounts"])
    assert any(re.search("[ｦ-ﾟ]", record["name_kana"]) for record in cards)  # half-width kana
    assert any(phone.startswith("+81") for record in cards for phone in record["phones"])
    assert any(
        record["name"].startswith(("髙", "齋", "齊", "渡邊", "渡邉")) for record in loans + cards
    )


def test_every_trap_kind_is_generated_even_for_a_small_demo():
    people = generate_people(count=10, rng=random.Random(1))

    assert len(people) == 10
    assert {person.trap for person in people} >= {
        Trap.FAMILY,
        Trap.TWINS,
        Trap.NAMESAKES,
        Trap.COLLEAGUES,
    }


def customers_by_person(people) -> dict[str, set]:
    customer_of = {
        (system, external_id): customer_id
        for system, external_id, customer_id in SourceRecord.objects.values_list(
            "system", "external_id", "customer_id"
        )
    }
    current = dict(Customer.objects.values_list("id", "merged_into_id"))
    return {
        person.person_id: {
            current[customer_of[(system, record["external_id"])]]
            or customer_of[(system, record["external_id"])]
            for system, record in person.records
        }
        for person in people
    }


def test_demo_people_resolve_to_fewer_customers_than_records_and_traps_stay_apart():
    people = generate_people(count=150, rng=random.Random(2))
    load = load_demo_people(people=people)
    assert load.errors == []

    customers = customers_by_person(people)

    records = sum(len(person.records) for person in people)
    resolved = set().union(*customers.values())
    assert len(resolved) < records
    # Most people known to both desks end up as one customer.
    at_both = [p for p in people if {system for system, _ in p.records} == set(SYSTEMS)]
    single = [p for p in at_both if len(customers[p.person_id]) == 1]
    assert len(single) >= 0.85 * len(at_both)
    # Members of a look-alike group (family, twins, namesakes, colleagues) never share one.
    groups = defaultdict(list)
    for person in people:
        if person.group_id:
            groups[person.group_id].append(person)
    kinds = {members[0].trap for members in groups.values() if len(members) > 1}
    assert kinds == {Trap.FAMILY, Trap.TWINS, Trap.NAMESAKES, Trap.COLLEAGUES}
    for members in groups.values():
        members_of_customer = defaultdict(set)
        for person in members:
            for customer in customers[person.person_id]:
                members_of_customer[customer].add(person.person_id)
        merged = [found for found in members_of_customer.values() if len(found) > 1]
        assert merged == [], f"{members[0].trap} members merged: {merged}"


def test_seed_demo_gives_agents_desks_and_customers_a_call_history():
    seed(customers=60, agents=5)

    desks = dict(Agent.objects.values_list("user__username", "desk"))
    assert desks["agent001"] == Desk.CONTACT_CENTER
    assert desks["agent005"] == Desk.SERVICE_CENTER
    assert Contact.objects.filter(desk=Desk.CONTACT_CENTER).exists()
    assert Contact.objects.filter(desk=Desk.SERVICE_CENTER).exists()
    assert Contact.objects.filter(notes__isnull=False).exists()
    assert Case.objects.exists()


def test_seed_demo_adds_touchpoints_on_every_channel_and_answered_follow_ups():
    from console.follow_ups.models import Survey
    from contacts.models import TOUCHPOINT_CHANNELS, Touchpoint

    seed(customers=60, agents=5)
    touchpoints_before = Touchpoint.objects.count()
    seed(customers=60, agents=5)

    channels = set(Touchpoint.objects.values_list("contact__channel", flat=True))
    assert set(TOUCHPOINT_CHANNELS) <= channels
    assert Survey.objects.filter(answered_at__isnull=False).exists()
    assert Survey.objects.filter(answered_at__isnull=True).exists()
    assert Touchpoint.objects.filter(source="follow_up", direction="outbound").exists()
    assert Touchpoint.objects.count() == touchpoints_before
