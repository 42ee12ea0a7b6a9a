"""Phones, postal codes and durations in the one format people read, whatever each source sent;
and the pages that show them."""

import pytest

from console.labels import format_duration, format_phone, format_postal_code
from contacts.models import Queue, WrapUpCode
from customers.resolution import ingest_source_records


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("０９０－４４８８－４４３３", "090-4488-4433"),
        ("0340969914", "03-4096-9914"),
        ("+81 90 1234 5678", "090-1234-5678"),
        ("+81-3-4096-9914", "03-4096-9914"),
        ("0120000000", "0120-000-000"),
        ("06-6123-4567", "06-6123-4567"),
        ("+1 415 555 0100", "+1 415-555-0100"),
        ("not a number", "not a number"),
        ("", ""),
    ],
)
def test_phones_are_shown_in_one_japanese_format(sent, shown):
    assert format_phone(sent) == shown


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("1600022", "〒160-0022"),
        ("160-0022", "〒160-0022"),
        ("１６０－００２２", "〒160-0022"),
        ("16002", "16002"),
    ],
)
def test_postal_codes_are_shown_with_the_mark_and_hyphen(sent, shown):
    assert format_postal_code(sent) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(435, "7:15"), (5.4, "0:05"), (59.6, "1:00"), (3725, "1:02:05"), (None, "")],
)
def test_durations_are_minutes_and_seconds(seconds, shown):
    assert format_duration(seconds) == shown


def test_the_customer_page_shows_every_source_phone_and_the_postal_code_formatted(
    db, client, django_user_model
):
    from console.roles import assign_role

    outcome = ingest_source_records(
        system="loan_cc",
        records=[
            {
                "external_id": "L-1",
                "customer_number": "C0000001",
                "name": "佐藤 花子",
                "phones": ["０９０－４４８８－４４３３", "0340969914"],
                "postal_code": "1600022",
            }
        ],
    )
    agent = django_user_model.objects.create_user(username="agent001", password="x-pass-12345")
    assign_role(user=agent, role="agent")
    client.force_login(agent)
    customer_id = outcome.results[0].customer_id
    page = client.get(f"/customers/{customer_id}/", {"reason": "callback"}).content.decode()
    assert "090-4488-4433" in page
    assert "03-4096-9914" in page
    assert "〒160-0022" in page
    assert "０９０－４４８８" not in page
    assert "0340969914" not in page


def test_queue_and_wrap_up_names_follow_the_active_language(db, settings):
    from django.utils import translation

    queue = Queue.objects.get(name="loans")
    code = WrapUpCode.objects.get(desk="contact_center", code="loan_applied")
    with translation.override("ja"):
        assert (str(queue), str(code)) == ("ローン申込", "申込受付")
    with translation.override("en"):
        assert (str(queue), str(code)) == ("Loan applications", "Application taken")
    # A name not yet translated shows in the language there is.
    queue.label_en = ""
    queue.save()
    with translation.override("en"):
        assert str(queue) == "ローン申込"
