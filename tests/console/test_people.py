"""People: sign in and out, roles, languages."""

import pytest
from django.contrib.auth.models import Group

from console.roles import ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db


def test_login_page_is_japanese_by_default(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert '<html lang="ja">' in response.content.decode()
    assert "ログイン" in response.content.decode()


def test_language_can_be_switched_to_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    response = client.get("/accounts/login/")

    assert '<html lang="en">' in response.content.decode()
    assert "Sign in" in response.content.decode()


def test_home_requires_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_agent_signs_in_and_out(client, agent):
    response = client.post(
        "/accounts/login/", {"username": "agent001", "password": "pass-for-tests-1"}
    )
    assert response.status_code == 302

    # Without an agent profile (no desk yet) the agent lands on the welcome page, not on a
    # console that would refuse them.
    home = client.get("/")
    assert home.status_code == 200
    assert "agent001" in home.content.decode()

    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client, agent):
    response = client.post("/accounts/login/", {"username": "agent001", "password": "wrong"})

    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated is False


def test_roles_exist_with_their_permissions(db):
    for role, permissions in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert granted == set(permissions)


def test_only_stewards_and_admins_may_unmerge(agent, supervisor, steward, admin_user):
    assert not agent.has_perm("customers.unmerge_customer")
    assert not supervisor.has_perm("customers.unmerge_customer")
    assert steward.has_perm("customers.unmerge_customer")
    assert admin_user.has_perm("customers.unmerge_customer")


def test_admin_site_is_for_admins_only(client, agent, admin_user):
    client.force_login(agent)
    assert client.get("/admin/").status_code == 302

    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/console/apiclient/").status_code == 200
