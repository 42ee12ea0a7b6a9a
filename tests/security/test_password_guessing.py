"""Password guessing is stopped: after five wrong passwords for one account from one address, that
account is locked at that address for the cool-off (429, Retry-After, JSON for scripts), the
right password included; each lockout is written down once. The address is the client's as our
own proxies tell it. Passwords are changed on a page that runs the validators, and `seed_demo`
refuses a password they refuse."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client

from console.audit.models import SignInLockout
from demo.management.commands.seed_demo import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RIGHT = "pass-for-tests-1"  # tests.factories.UserFactory's password


def sign_in(web: Client, password: str, *, address: str = "198.51.100.7", **headers):
    return web.post(
        LOGIN, {"username": "agent001", "password": password}, REMOTE_ADDR=address, **headers
    )


def test_three_hundred_wrong_passwords_lock_the_account_at_that_address(agent):
    web = Client()

    answers = [sign_in(web, f"guess-{n}").status_code for n in range(300)]
    right = sign_in(web, RIGHT)

    assert answers[:4] == [200] * 4  # the form again, with its error
    assert set(answers[4:]) == {429}
    assert right.status_code == 429
    assert right["Retry-After"] == str(15 * 60)
    assert "_auth_user_id" not in web.session
    (lockout,) = SignInLockout.objects.all()
    assert (lockout.username, lockout.address) == ("agent001", "198.51.100.7")


def test_the_locked_account_still_signs_in_from_another_address(agent):
    for n in range(5):
        sign_in(Client(), f"guess-{n}", address="203.0.113.9")

    office = Client()
    answer = sign_in(office, RIGHT, address="198.51.100.7")

    assert answer.status_code == 302
    assert office.session["_auth_user_id"] == str(agent.pk)


def test_after_the_cool_off_the_right_password_works_and_clears_the_count(agent):
    web = Client()
    for n in range(5):
        sign_in(web, f"guess-{n}")
    assert sign_in(web, RIGHT).status_code == 429

    # Fifteen minutes pass.
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=16)
        attempt.save()

    assert sign_in(web, RIGHT).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_a_script_gets_the_lockout_as_json(agent):
    for n in range(5):
        sign_in(Client(), f"guess-{n}")

    answer = sign_in(Client(), RIGHT, HTTP_ACCEPT="application/json")

    assert answer.status_code == 429
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["error"]["code"] == "locked_out"


def test_the_lockout_page_is_japanese_and_english(agent):
    for n in range(5):
        sign_in(Client(), f"guess-{n}")

    japanese = sign_in(Client(), RIGHT).content.decode()
    english = Client()
    english.cookies["django_language"] = "en"
    in_english = sign_in(english, RIGHT).content.decode()

    assert "パスワードの誤りが続いた" in japanese
    assert "Too many wrong passwords. Try again in 15 minutes." in in_english


def test_addresses_come_from_trusted_proxies_only(agent, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # Behind our proxy, each client is counted by the address the proxy saw.
    for n in range(5):
        sign_in(Client(), f"guess-{n}", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    behind_proxy = sign_in(Client(), RIGHT, address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    # A client writing its own X-Forwarded-For is still counted by its own address.
    for n in range(5):
        sign_in(Client(), f"guess-{n}", address="192.0.2.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    pretending = sign_in(Client(), RIGHT, address="192.0.2.1", HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert behind_proxy.status_code == 302
    assert pretending.status_code == 429
    assert set(SignInLockout.objects.values_list("address", flat=True)) == {
        "203.0.113.9",
        "192.0.2.1",
    }


def test_the_password_change_page_runs_the_validators(agent):
    web = Client()
    web.force_login(agent)

    refused = web.post(
        "/accounts/password/",
        {"old_password": RIGHT, "new_password1": "password", "new_password2": "password"},
    )
    changed = web.post(
        "/accounts/password/",
        {
            "old_password": RIGHT,
            "new_password1": "longer-and-rarer-7",
            "new_password2": "longer-and-rarer-7",
        },
    )

    assert refused.status_code == 200
    assert "よく使われるパスワード" in refused.content.decode()
    assert changed.status_code == 302
    assert changed["Location"] == "/accounts/password/done/"
    agent.refresh_from_db()
    assert agent.check_password("longer-and-rarer-7")


@pytest.mark.parametrize("password", ["password", "12345678", "agent001x", "short"])
def test_seed_demo_refuses_a_password_the_validators_refuse(password):
    with pytest.raises(CommandError, match="--password refused"):
        call_command("seed_demo", customers=0, agents=1, password=password)


def test_the_demo_password_passes_the_validators():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    demo_password = re.search(r"^DEMO_PASSWORD \?= (\S+)$", makefile, re.MULTILINE).group(1)

    for password in {demo_password, DEFAULT_PASSWORD}:
        for username in ("agent001", "super001", "steward001", "admin"):
            validate_password(password, user=type("Demo", (), {"username": username})())


def test_admins_read_the_lockouts_in_the_admin(agent, admin_user):
    for n in range(5):
        sign_in(Client(), f"guess-{n}")
    web = Client()
    web.force_login(admin_user)

    page = web.get("/admin/console/signinlockout/")

    assert page.status_code == 200
    assert "198.51.100.7" in page.content.decode()
