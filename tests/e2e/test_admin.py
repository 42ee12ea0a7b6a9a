"""The Django admin in headless Chromium, in Japanese, as an administrator runs the floor: a person
with a role and an agent desk, a queue with its targets, a wrap-up code and an API client whose key
is shown once and works. And the API docs, loaded with every host but the server blocked."""

import json
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import expect

from console.agents.models import Agent
from console.integrations.models import ApiClient
from console.roles import roles_of
from contacts.models import Queue, WrapUpCode
from tests.e2e.conftest import screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def save(page) -> None:
    page.locator('input[name="_save"]').click()


def test_an_administrator_sets_up_a_person_a_queue_a_wrap_up_code_and_an_api_client(
    daphne_server, logged_in_page, browser_errors
):
    UserFactory(username="admin001", role="admin")
    page = logged_in_page("admin001", "/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    # A queue first, so the new agent can be given it as a skill.
    page.goto(f"{daphne_server.url}/admin/contacts/queue/add/")
    page.fill("#id_name", "campaign")
    page.fill("#id_label_ja", "キャンペーン")
    page.fill("#id_label_en", "Campaign")
    page.select_option("#id_desk", "contact_center")
    page.fill("#id_service_level_seconds", "30")
    page.fill("#id_service_level_target", "85")
    page.fill("#id_abandonment_target", "4")
    save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    campaign = Queue.objects.get(name="campaign")
    assert (campaign.desk, campaign.service_level_target, campaign.abandonment_target) == (
        "contact_center",
        85,
        4,
    )
    assert (campaign.label_ja, campaign.label_en) == ("キャンペーン", "Campaign")

    page.goto(f"{daphne_server.url}/admin/auth/user/add/")
    page.fill("#id_username", "agent777")
    page.fill("#id_last_name", "佐藤")
    page.fill("#id_first_name", "花子")
    page.fill("#id_password1", "a-long-pass-2026-x")
    page.fill("#id_password2", "a-long-pass-2026-x")
    page.locator('input[name="roles"][value="agent"]').check()
    page.select_option("#id_agent-0-desk", "contact_center")
    page.locator('input[name="agent-0-skills"][value="campaign"]').check()
    screenshot(page, "admin_add_person")
    save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    agent = Agent.objects.select_related("user").get(user__username="agent777")
    assert (agent.desk, agent.skills) == ("contact_center", ["campaign"])
    assert roles_of(agent.user) == ["agent"]
    assert agent.user.has_perm("console.use_agent_console")
    assert not agent.user.is_staff

    page.goto(f"{daphne_server.url}/admin/contacts/wrapupcode/add/")
    page.select_option("#id_desk", "contact_center")
    page.fill("#id_code", "limit_raised")
    page.fill("#id_label_ja", "増枠済み")
    page.fill("#id_label_en", "Limit raised")
    save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    limit_raised = WrapUpCode.objects.get(desk="contact_center", code="limit_raised")
    assert (limit_raised.label_ja, limit_raised.label_en) == ("増枠済み", "Limit raised")

    page.goto(f"{daphne_server.url}/admin/console/apiclient/add/")
    page.fill("#id_name", "pbx-tokyo")
    page.locator('input[name="scopes"][value="cti"]').check()
    page.locator('input[name="scopes"][value="read"]').check()
    save(page)
    key = page.locator("#shown-once").inner_text().strip()
    assert key.startswith("cck_")
    client = ApiClient.objects.get(name="pbx-tokyo")
    assert client.scopes == ["cti", "read"]
    assert client.key_hash == ApiClient.hash_key(key)
    request = Request(
        f"{daphne_server.url}/api/v1/customers/?q=x", headers={"Authorization": f"Bearer {key}"}
    )
    with urlopen(request, timeout=10) as answer:
        assert answer.status == 200
        assert "results" in json.loads(answer.read())

    # The list names scopes in words, and the key is nowhere to be read again.
    page.goto(f"{daphne_server.url}/admin/console/apiclient/")
    row = page.locator("#result_list tr", has_text="pbx-tokyo")
    expect(row).to_contain_text("電話")
    page.goto(f"{daphne_server.url}/admin/console/apiclient/{client.pk}/change/")
    assert key not in page.content()
    screenshot(page, "admin_api_client")
    assert browser_errors.errors == []


@pytest.mark.parametrize(
    "path, ready", [("/api/redoc/", "h1"), ("/api/docs/", ".swagger-ui .title")]
)
def test_the_api_docs_load_with_every_other_host_blocked(
    daphne_server, new_page, browser_errors, path, ready
):
    page = new_page()
    outside = []
    # Redoc's "powered by" badge from cdn.redoc.ly: the page's policy refuses it unrequested.
    # Chromium words it "Refused to load the image '…'" or "Loading the image '…' violates".
    browser_errors.allow(r"the image 'https://cdn\.redoc\.ly/[^']*'")

    def only_the_server(route):
        if route.request.url.startswith(daphne_server.url) or route.request.url.startswith(
            ("data:", "blob:")
        ):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_the_server)
    page.goto(f"{daphne_server.url}{path}")

    expect(page.locator(ready).first).to_contain_text("Unified contact-center console API")
    assert outside == []
    assert browser_errors.errors == []
