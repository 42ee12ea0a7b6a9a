"""Training the matcher on stored records: a new version is stored with who, when and on how
many records; new links use it, earlier links keep the version that made them; every link's
stored explanation sums to its stored score."""

import io

import pytest
from django.core.management import call_command

from customers.fellegi_sunter import probability
from customers.match_models import current_weights
from customers.models import MatchModel, MergeDecision, SourceRecord, SourceSystem
from customers.resolution import ingest_source_records

pytestmark = pytest.mark.django_db

HANAKO = {
    "name": "佐藤 花子",
    "name_kana": "サトウ ハナコ",
    "birth_date": "1988-06-12",
    "phones": ["080-2222-3333"],
    "emails": ["hanako@example.jp"],
    "postal_code": "530-0001",
    "address": "大阪府大阪市北区梅田1-1-1",
}


def people(count: int) -> list[dict]:
    """Distinct people, each known to the loan desk and (for every other one) the ATM desk."""
    family = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村"]
    given = ["花子", "太郎", "一郎", "美咲", "翔太", "陽菜", "健", "優"]
    records = []
    for n in range(count):
        records.append(
            {
                "external_id": f"P{n}",
                "name": f"{family[n % 8]} {given[(n // 8) % 8]}",
                "birth_date": f"19{50 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "phones": [f"090-{n:04d}-{n * 7 % 10000:04d}"],
                "emails": [f"person{n}@example.jp"],
            }
        )
    return records


def ingest(system, *records):
    return ingest_source_records(system=system, records=list(records)).results


def test_a_fresh_install_links_with_the_shipped_weights_and_records_the_version():
    ingest("loan_cc", {"external_id": "L1", **HANAKO})

    (result,) = ingest("atm_svc", {"external_id": "A1", **HANAKO, "emails": []})

    shipped = MatchModel.objects.get(version=1)
    assert shipped.trained_by_name == "shipped defaults"
    assert result.action == "linked"
    record = SourceRecord.objects.get(external_id="A1")
    assert record.link_model_version == 1
    assert record.link_rule == "fellegi_sunter_v1"
    assert MergeDecision.objects.get(source_record=record).model_version == 1


def test_stored_explanation_sums_to_the_stored_score():
    ingest("loan_cc", {"external_id": "L1", **HANAKO})
    married = {"name": "鈴木 花子", "name_kana": "スズキ ハナコ", "phones": []}
    ingest("atm_svc", {"external_id": "A1", **HANAKO, **married})

    record = SourceRecord.objects.get(external_id="A1")
    explanation = record.link_explanation
    weights = {c["comparison"]: c["weight"] for c in explanation["comparisons"]}
    total = explanation["prior"] + sum(weights.values())
    assert total == pytest.approx(explanation["match_weight"])
    assert probability(total) == pytest.approx(record.link_score)
    assert weights["email"] > 0 and weights["mobile"] == 0  # missing weighs nothing
    decision = MergeDecision.objects.get(source_record=record)
    assert decision.explanation == explanation
    assert decision.score == record.link_score


def test_train_matcher_stores_a_new_version_and_earlier_links_stay():
    ingest("loan_cc", *people(120))
    ingest("atm_svc", *[{**p, "external_id": f"A{p['external_id']}"} for p in people(120)[::2]])
    before = set(
        SourceRecord.objects.values_list(
            "external_id", "customer_id", "link_rule", "link_score", "link_model_version"
        )
    )
    stderr = io.StringIO()

    call_command("train_matcher", "--by", "steward001", stdout=io.StringIO(), stderr=stderr)

    model = MatchModel.objects.order_by("-version").first()
    assert model.version == 2
    assert (model.trained_by_name, model.record_count) == ("steward001", 180)
    assert model.pair_count > 0
    assert "pairs" in stderr.getvalue()  # the progress bars
    assert current_weights().version == 2
    after = set(
        SourceRecord.objects.values_list(
            "external_id", "customer_id", "link_rule", "link_score", "link_model_version"
        )
    )
    assert after == before
    # A new record is decided by the new version.
    (result,) = ingest("web", {**people(120)[3], "external_id": "W3"})
    assert result.action == "linked"
    assert SourceRecord.objects.get(external_id="W3").link_model_version == 2


def test_trained_u_makes_a_shared_landline_weigh_less_than_a_mobile():
    records = people(200)
    # Households: four people to a landline.
    for n, record in enumerate(records):
        record["phones"] = [*record["phones"], f"03-5555-{n // 4:04d}"]
    ingest("loan_cc", *records)
    # Every other person is known to the ATM desk too, by name, birth date and mobile.
    ingest(
        "atm_svc",
        *[{**r, "external_id": f"A{n}", "emails": []} for n, r in enumerate(records[::2])],
    )

    call_command("train_matcher", stdout=io.StringIO(), stderr=io.StringIO())

    weights = current_weights()
    assert weights.weight("landline", "exact") < weights.weight("mobile", "exact")


def test_a_declared_identifier_links_and_a_different_one_keeps_apart():
    SourceSystem.objects.create(code="card", identifier_attributes=["member_no"])
    SourceSystem.objects.create(code="web", identifier_attributes=["member_no"])
    ingest(
        "card", {"external_id": "C1", "name": "Maria Garcia", "attributes": {"member_no": "M-77"}}
    )

    (same,) = ingest(
        "web", {"external_id": "W1", "name": "GARCIA Maria", "attributes": {"member_no": "m-77"}}
    )
    (other,) = ingest(
        "web",
        {**HANAKO, "external_id": "W2", "attributes": {"member_no": "M-78"}},
    )
    (namesake,) = ingest(
        "web", {**HANAKO, "external_id": "W3", "attributes": {"member_no": "M-79"}}
    )

    assert same.action == "linked"
    assert namesake.action == "created"
    assert namesake.customer_id != other.customer_id
