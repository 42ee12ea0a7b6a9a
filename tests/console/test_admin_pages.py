"""The admin as the administrator role uses it, and the error pages: roles set exactly, no way to
a superuser's account, a webhook subscription's secret shown once and a private address refused;
403, 404 and 500 in Japanese and English."""

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.utils import translation

from console.integrations.models import WebhookSubscription
from console.roles import roles_of, set_roles
from console.views import server_error
from tests.factories import UserFactory, api_key

pytestmark = pytest.mark.django_db


def test_set_roles_gives_exactly_the_roles_and_staff_only_to_admins(agent):
    set_roles(user=agent, roles=["supervisor", "admin"])
    assert roles_of(agent) == ["admin", "supervisor"]
    assert agent.is_staff

    set_roles(user=agent, roles=["agent"])
    assert roles_of(agent) == ["agent"]
    assert not get_user_model().objects.get(pk=agent.pk).is_staff
    with pytest.raises(ValueError):
        set_roles(user=agent, roles=["owner"])


def test_an_administrator_cannot_reach_a_superusers_account(client, admin_user):
    root = get_user_model().objects.create_superuser("root", password="x-long-pass-2026")
    client.force_login(admin_user)

    assert client.get("/admin/auth/user/").status_code == 200
    assert client.get(f"/admin/auth/user/{root.pk}/change/").status_code == 302  # "no such"
    assert client.get(f"/admin/auth/user/{root.pk}/password/").status_code == 404
    page = client.get(f"/admin/auth/user/{admin_user.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page


def test_a_webhook_subscription_made_in_the_admin_shows_its_secret_once(client, admin_user):
    api_key(scopes=["webhooks", "read"], name="crm")
    client.force_login(admin_user)
    from console.integrations.models import ApiClient

    crm = ApiClient.objects.get(name="crm")
    form = {"client": crm.pk, "event_types": ["case.created"], "is_active": "on", "_save": "1"}

    refused = client.post(
        "/admin/console/webhooksubscription/add/", {**form, "url": "http://127.0.0.1/hook"}
    )
    assert refused.status_code == 200
    assert not WebhookSubscription.objects.exists()

    made = client.post(
        "/admin/console/webhooksubscription/add/", {**form, "url": "https://93.184.215.14/hook"}
    )
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in made.content.decode()
    assert subscription.event_types == ["case.created"]
    again = client.get(f"/admin/console/webhooksubscription/{subscription.pk}/change/")
    assert subscription.secret not in again.content.decode()


@pytest.mark.parametrize("language, words", [("ja", "許可されていません"), ("en", "Not allowed")])
def test_the_403_page_is_in_the_persons_language(client, agent, language, words):
    client.force_login(agent)
    page = client.get("/reports/", HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 403
    assert words in page.content.decode()


@pytest.mark.parametrize(
    "language, words", [("ja", "ページが見つかりません"), ("en", "Page not found")]
)
def test_the_404_page_is_in_the_persons_language(client, agent, language, words):
    client.force_login(agent)
    page = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 404
    assert words in page.content.decode()


@pytest.mark.parametrize(
    "language, words", [("ja", "問題が発生しました"), ("en", "Something went wrong")]
)
def test_the_500_page_is_in_the_persons_language(language, words):
    with translation.override(language):
        page = server_error(RequestFactory().get("/customers/"))

    assert page.status_code == 500
    assert words in page.content.decode()


def test_an_agent_is_not_let_into_the_admin(client):
    client.force_login(UserFactory(username="agent009", role="agent"))

    assert client.get("/admin/auth/user/").status_code == 302
