"""The customer-360 context: alerts and next best actions from explicit rules, and a fixed number
of queries whatever the customer's history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console.calls.screen import customer_360
from contacts.models import Case, CaseKind, Channel, Contact, ContactState, Desk
from customers.merging import merge_customers
from customers.models import Customer
from customers.resolution import ingest_source_records

pytestmark = pytest.mark.django_db


def customer_with(*, accounts: list[dict], name: str = "山田 太郎") -> Customer:
    outcome = ingest_source_records(
        system="loan_cc", records=[{"external_id": name, "name": name, "accounts": accounts}]
    )
    return Customer.objects.get(pk=outcome.results[0].customer_id)


def codes(items: list[dict]) -> list[str]:
    return [item["code"] for item in items]


def test_past_due_customer_is_offered_a_repayment_consultation_not_more_credit():
    customer = customer_with(accounts=[{"kind": "loan", "number": "11112222", "days_past_due": 30}])

    context = customer_360(customer_id=customer.pk)

    assert codes(context["alerts"]) == ["payment_past_due"]
    assert codes(context["next_best_actions"]) == ["repayment_consultation"]


def test_customer_in_good_standing_may_be_offered_a_limit_increase():
    customer = customer_with(accounts=[{"kind": "loan", "number": "11112222", "status": "active"}])

    assert codes(customer_360(customer_id=customer.pk)["next_best_actions"]) == [
        "offer_limit_increase"
    ]


def test_card_retained_at_an_atm_this_week_raises_an_alert_and_the_reissue_path():
    customer = customer_with(accounts=[{"kind": "card", "number": "4111000011112222"}])
    Case.objects.create(
        customer=customer,
        kind=CaseKind.CARD_RETAINED,
        owner_desk=Desk.SERVICE_CENTER,
        subject="ATM-0042 card retained",
        opened_at=timezone.now() - timedelta(days=2),
    )

    context = customer_360(customer_id=customer.pk)

    assert "recent_card_retained" in codes(context["alerts"])
    assert "apologise_and_reissue_card" in codes(context["next_best_actions"])
    assert context["open_cases"][0]["subject"] == "ATM-0042 card retained"


def add_contacts(customer: Customer, count: int) -> None:
    now = timezone.now()
    Contact.objects.bulk_create(
        Contact(
            channel=Channel.PHONE,
            source="pbx",
            call_id=f"{customer.pk}-{n}",
            customer=customer,
            state=ContactState.WRAPPED_UP,
            offered_at=now - timedelta(minutes=n),
            answered_at=now - timedelta(minutes=n),
            ended_at=now - timedelta(minutes=n) + timedelta(seconds=90),
            wrapped_up_at=now - timedelta(minutes=n) + timedelta(seconds=120),
        )
        for n in range(count)
    )


def queries_for(customer: Customer) -> int:
    with CaptureQueriesContext(connection) as captured:
        customer_360(customer_id=customer.pk)
    return len(captured)


def test_context_takes_the_same_queries_for_1_and_1000_contacts():
    small = customer_with(accounts=[], name="少 一")
    big = customer_with(accounts=[], name="多 百")
    add_contacts(small, 1)
    add_contacts(big, 1000)

    assert queries_for(small) == queries_for(big)
    assert len(customer_360(customer_id=big.pk)["recent_contacts"]) == 10


def test_context_carries_the_calls_and_cases_of_customers_merged_into_it():
    survivor = customer_with(accounts=[], name="山田 太郎")
    absorbed = customer_with(accounts=[], name="ヤマダ タロウ")
    add_contacts(survivor, 1)
    add_contacts(absorbed, 2)
    Case.objects.create(
        customer=absorbed,
        kind=CaseKind.CARD_RETAINED,
        owner_desk=Desk.SERVICE_CENTER,
        subject="ATM-0042 card retained",
        opened_at=timezone.now(),
    )
    merge_customers(survivor=survivor, absorbed=absorbed, rule="steward")

    by_survivor = customer_360(customer_id=survivor.pk)
    by_absorbed = customer_360(customer_id=absorbed.pk)

    assert len(by_survivor["recent_contacts"]) == 3
    assert [case["subject"] for case in by_survivor["open_cases"]] == ["ATM-0042 card retained"]
    assert by_absorbed["id"] == str(survivor.pk)
    assert by_absorbed["merged_from"] == str(absorbed.pk)
    assert by_absorbed["recent_contacts"] == by_survivor["recent_contacts"]
    assert by_absorbed["open_cases"] == by_survivor["open_cases"]
