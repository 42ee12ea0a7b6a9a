"""Demo people who use the console: users with their roles and agents with their desks."""

from django.contrib.auth import get_user_model

from console.agents.models import Agent
from console.roles import assign_role
from contacts.models import Desk

# Three in five demo agents sit on the contact center, the rest on the service center.
CONTACT_CENTER_SHARE = 0.6


def ensure_demo_agents(*, usernames: list[str]) -> dict:
    """Agent profiles for the demo agents; returns their users by desk."""
    by_desk: dict = {Desk.CONTACT_CENTER: [], Desk.SERVICE_CENTER: []}
    on_contact_center = max(1, round(len(usernames) * CONTACT_CENTER_SHARE))
    for index, username in enumerate(usernames):
        desk = Desk.CONTACT_CENTER if index < on_contact_center else Desk.SERVICE_CENTER
        user = get_user_model().objects.get(username=username)
        Agent.objects.get_or_create(user=user, defaults={"desk": desk})
        by_desk[Agent.objects.get(user=user).desk].append(user)
    return by_desk


def ensure_user(*, username: str, role: str, password: str) -> str:
    """The user with this role and password; says whether it was created, had its password
    reset, or was already so (hashing is slow and salted, so an equal password is kept)."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        change = "created"
    elif user.check_password(password):
        change = "unchanged"
    else:
        change = "password_reset"
    if change != "unchanged":
        user.set_password(password)
        user.save(update_fields=["password"])
    assign_role(user=user, role=role)
    return change
