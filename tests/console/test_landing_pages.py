"""Each role lands on the page of its day's work, after signing in and at /: agents on the
console, supervisors on the wallboard, stewards on the review queue, administrators on the admin;
someone without a role on the welcome page, with nothing of the others'."""

import pytest

from tests.factories import UserFactory, make_agent

PASSWORD = "pass-for-tests-1"  # tests.factories.UserFactory's password


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("agent", "/console/"),
        ("supervisor", "/wallboard/"),
        ("steward", "/review/"),
        ("admin", "/admin/"),
    ],
)
def test_each_role_lands_on_its_page_after_signing_in_and_at_the_root(db, client, role, landing):
    # An agent also needs the profile (desk) that routing uses.
    user = (
        make_agent("agent-1").user
        if role == "agent"
        else UserFactory(username=f"{role}-1", role=role)
    )
    signed_in = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get(signed_in["Location"], follow=True).redirect_chain[-1] == (landing, 302)
    assert client.get("/", follow=True).redirect_chain[-1] == (landing, 302)
    assert client.get(landing).status_code == 200


def test_someone_without_a_role_sees_the_welcome_page_without_the_api_docs_link(db, client):
    user = UserFactory(username="newcomer")
    client.force_login(user)
    page = client.get("/")
    assert page.status_code == 200
    assert "/api/docs/" not in page.content.decode()
