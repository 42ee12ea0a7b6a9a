"""The people who use the console, as Django groups with permissions.

Groups are (re)made after every `migrate`, so a new permission reaches its role without a manual
step; admins are also staff (the Django admin is theirs).
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import Group, Permission

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "agent": [
        "customers.view_customer",
        "console.use_agent_console",
        "contacts.change_case",
    ],
    "supervisor": [
        "customers.view_customer",
        "console.view_wallboard",
        "console.view_contact_reports",
        "console.configure_service_level",
        "console.view_audit_summary",
        "console.join_calls",
    ],
    "steward": [
        "customers.view_customer",
        "customers.review_matches",
        "customers.unmerge_customer",
    ],
    "admin": [
        "customers.view_customer",
        "customers.review_matches",
        "customers.unmerge_customer",
        "console.view_apiclient",
        "console.change_apiclient",
        "console.add_apiclient",
        # The floor in the Django admin: people and their roles, agents, queues, wrap-up codes.
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "console.view_agent",
        "console.add_agent",
        "console.change_agent",
        "contacts.view_queue",
        "contacts.add_queue",
        "contacts.change_queue",
        "contacts.view_wrapupcode",
        "contacts.add_wrapupcode",
        "contacts.change_wrapupcode",
        "console.view_audit_log",
        "console.view_audit_summary",
        "console.view_signinlockout",
        "console.view_viewalert",
        "contacts.change_case",
        "console.view_wallboard",
        "console.join_calls",
        "console.view_contact_reports",
        "console.configure_service_level",
        "console.view_webhookdelivery",
        "console.view_webhookattempt",
        "console.view_webhooksubscription",
        "console.add_webhooksubscription",
        "console.change_webhooksubscription",
        # Matching: which source-system attributes are identifiers; the model versions.
        "customers.view_sourcesystem",
        "customers.add_sourcesystem",
        "customers.change_sourcesystem",
        "customers.view_matchmodel",
        # Follow-ups: the admins write what customers are sent and when.
        "console.view_messagetemplate",
        "console.add_messagetemplate",
        "console.change_messagetemplate",
        "console.view_followuprule",
        "console.add_followuprule",
        "console.change_followuprule",
        "console.delete_followuprule",
        "console.view_followup",
    ],
}
ROLES = list(ROLE_PERMISSIONS)


def ensure_roles() -> None:
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            # All rows of the codename: a permission that moved to another model may leave its
            # old row behind when an older release migrates the same database.
            rows = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            if not rows:
                raise Permission.DoesNotExist(f"No permission {name} for the {role} role.")
            permissions.extend(rows)
        group.permissions.set(permissions)


def ensure_roles_after_migrate(**kwargs) -> None:
    ensure_roles()


def assign_role(*, user, role: str) -> None:
    if role not in ROLE_PERMISSIONS:
        raise ValueError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
    user.groups.add(Group.objects.get(name=role))
    if role == "admin" and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def set_roles(*, user, roles: list[str]) -> None:
    """Exactly these roles; groups that are not roles stay. An admin is also staff."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown roles {', '.join(unknown)} (known: {', '.join(ROLES)})")
    user.groups.remove(*Group.objects.filter(name__in=set(ROLES) - set(roles)))
    for role in roles:
        assign_role(user=user, role=role)
    if "admin" not in roles and user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])


def roles_of(user) -> list[str]:
    return sorted(group.name for group in user.groups.all() if group.name in ROLE_PERMISSIONS)


def display_name(*, username: str, last_name: str | None = "", first_name: str | None = "") -> str:
    """How a person is named on screens: family name first, as in Japan; the user name only for
    someone whose name was never entered."""
    name = " ".join(part for part in (last_name or "", first_name or "") if part.strip())
    return name or username


def requires(permission: str):
    """Signed-in people only (others go to the login page); without the permission, 403."""

    def decorate(view):
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorate


# Where each role starts its day, first match wins: an agent's console, a supervisor's wallboard,
# a steward's review queue, an administrator's admin. URL names of console.urls.
LANDING_PAGES = [
    ("agent", "agent-console"),
    ("supervisor", "wallboard"),
    ("steward", "steward-review"),
    ("admin", "admin:index"),
]


def landing_page(user) -> str | None:
    """The URL name of the page a person lands on after signing in and at /, by role; None for
    someone with no role (they see the welcome page)."""
    roles = set(roles_of(user))
    # The console needs the agent's profile (their desk): an agent without one, not yet seated,
    # would only meet a refusal there.
    if not hasattr(user, "agent"):
        roles.discard("agent")
    for role, url_name in LANDING_PAGES:
        if role in roles:
            return url_name
    return "admin:index" if user.is_superuser else None
