"""The steward's view of a match: the stored explanation as a bar per comparison in words, and
the source systems' identifier declarations edited in the admin."""

import pytest
from django.urls import reverse
from django.utils import translation

from customers.explanations import waterfall
from customers.models import SourceSystem
from customers.resolution import ingest_source_records

HANAKO = {
    "name": "佐藤 花子",
    "name_kana": "サトウ ハナコ",
    "birth_date": "1988-06-12",
    "phones": ["080-2222-3333"],
    "emails": ["hanako@example.jp"],
}


@pytest.mark.django_db
def test_waterfall_bars_are_the_stored_weights_in_words_and_add_up_to_the_total():
    ingest_source_records(system="loan_cc", records=[{"external_id": "L1", **HANAKO}])
    (result,) = ingest_source_records(
        system="atm_svc", records=[{"external_id": "A1", **HANAKO, "emails": []}]
    ).results

    with translation.override("en"):
        chart = waterfall(result.match.explanation())

    assert [bar.label for bar in chart.bars][:3] == [
        "Starting point (how rare a match is)",
        "Customer number or identifier",
        "Name",
    ]
    by_label = {bar.label: bar for bar in chart.bars}
    assert (by_label["Mobile phone"].level, by_label["Mobile phone"].direction) == (
        "the same",
        "for",
    )
    assert by_label["E-mail"].level == "not known on both sides"
    assert by_label["E-mail"].weight == 0
    assert sum(bar.weight for bar in chart.bars) == pytest.approx(chart.match_weight)
    assert chart.probability == result.match.score
    assert all(0 <= bar.start <= 100 and bar.start + bar.width <= 100.01 for bar in chart.bars)


def test_a_decision_without_an_explanation_has_no_waterfall():
    assert waterfall({}) is None
    assert waterfall(None) is None


@pytest.mark.django_db
def test_identifier_attributes_are_declared_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:customers_sourcesystem_add"),
        {"code": "card", "name": "Card system", "identifier_attributes": '["member_no"]'},
    )

    assert response.status_code == 302
    assert SourceSystem.objects.get(code="card").identifier_attributes == ["member_no"]


@pytest.mark.django_db
def test_the_admin_refuses_identifier_attributes_that_are_not_names(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:customers_sourcesystem_add"),
        {"code": "card", "identifier_attributes": '{"member_no": 1}'},
    )

    assert response.status_code == 200
    assert not SourceSystem.objects.exists()
