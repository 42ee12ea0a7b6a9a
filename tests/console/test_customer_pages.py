"""Customer pages through the browser's door: search, one customer, unmerge, match review."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from customers.models import (
    Customer,
    DecisionKind,
    MergeDecision,
    ReviewCandidate,
    ReviewStatus,
    SourceRecord,
)
from customers.resolution import ingest_source_records
from customers.review import link_candidate
from tests.customers import people
from tests.customers.test_review import SHOTA_ATM, SHOTA_LOAN

pytestmark = pytest.mark.django_db

# One person known to both desks (tests/customers/people.py); here the ATM system also writes
# another kanji for the given name, and the loan desk knows the balance.
TARO_LOAN = {
    **people.TARO_LOAN,
    "accounts": [{**people.TARO_LOAN["accounts"][0], "balance": 120000}],
}
TARO_ATM = {**people.TARO_ATM, "name": "山田　太朗"}


def ingest(system: str, *records: dict) -> None:
    ingest_source_records(system=system, records=list(records))


def customer_of(system: str, external_id: str) -> Customer:
    return SourceRecord.objects.get(system=system, external_id=external_id).customer


def message_levels(response) -> list[str]:
    return [message.level_tag for message in get_messages(response.wsgi_request)]


@pytest.fixture
def taro():
    ingest("loan_cc", TARO_LOAN)
    ingest("atm_svc", TARO_ATM)
    return customer_of("loan_cc", "L-000123")


@pytest.fixture
def review_candidate():
    """Namesakes sharing only name and birth date: a steward decides."""
    ingest("loan_cc", SHOTA_LOAN)
    ingest("atm_svc", SHOTA_ATM)
    return ReviewCandidate.objects.get()


def detail_url(customer) -> str:
    return reverse("customer-detail", kwargs={"customer_id": customer.pk})


def opened(customer) -> str:
    """The customer page as opened outside a call: with the reason the person gives."""
    return f"{detail_url(customer)}?reason=折り返し電話の準備"


# Search


@pytest.mark.parametrize(
    "query",
    ["ﾔﾏﾀﾞ", "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ", "山田", "090-1234-5678", "０９０－１２３４－５６７８", "C0012345"],
)
def test_search_finds_a_customer_however_the_query_is_written(client, agent, taro, query):
    client.force_login(agent)

    response = client.get(reverse("customer-search"), {"q": query})

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [taro]
    assert detail_url(taro) in response.content.decode()


def test_search_without_a_query_lists_nobody(client, agent, taro):
    client.force_login(agent)

    response = client.get(reverse("customer-search"), {"q": "  "})

    assert response.status_code == 200
    assert response.context["page"] is None
    assert detail_url(taro) not in response.content.decode()


def test_search_with_an_overlong_query_is_a_form_error_not_a_500(client, agent):
    client.force_login(agent)

    response = client.get(reverse("customer-search"), {"q": "ヤ" * 500, "page": "x"})

    assert response.status_code == 200
    assert response.context["form"].errors["q"]
    assert response.context["page"] is None


def test_search_pages_by_fifty(client, agent):
    ingest(
        "loan_cc",
        *(
            {"external_id": f"L-{n}", "name": f"田中 {n}", "birth_date": f"19{10 + n}-01-01"}
            for n in range(55)
        ),
    )
    client.force_login(agent)

    first = client.get(reverse("customer-search"), {"q": "田中"})
    second = client.get(reverse("customer-search"), {"q": "田中", "page": "2"})
    beyond = client.get(reverse("customer-search"), {"q": "田中", "page": "999"})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert beyond.context["page"].number == 2


def test_search_as_you_type_answers_with_the_results_alone(client, agent, taro):
    client.force_login(agent)

    typed = client.get(reverse("customer-search"), {"q": "ﾔﾏﾀﾞ"}, headers={"HX-Request": "true"})
    restored = client.get(
        reverse("customer-search"),
        {"q": "ﾔﾏﾀﾞ"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert typed.status_code == 200
    assert detail_url(taro) in typed.content.decode()
    assert "<html" not in typed.content.decode()
    assert "HX-Request" in typed["Vary"]
    # htmx restoring the page from the address alone needs the whole page.
    assert "<html" in restored.content.decode()


def test_search_from_a_call_keeps_the_call_in_the_result_links(client, agent, taro):
    client.force_login(agent)
    contact = "5d7a8f2e-7f0b-4d6e-9c39-2f1d0b7e4a11"

    from_call = client.get(reverse("customer-search"), {"q": "やまだ", "contact": contact})
    bad_contact = client.get(reverse("customer-search"), {"q": "やまだ", "contact": "x"})

    assert f"{detail_url(taro)}?contact={contact}" in from_call.content.decode()
    assert list(bad_contact.context["page"].object_list) == [taro]
    assert "?contact=" not in bad_contact.content.decode()


def test_customer_pages_need_sign_in(client, taro):
    response = client.get(opened(taro))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# One customer


def test_detail_shows_identity_both_systems_names_and_masked_accounts(client, agent, taro):
    client.force_login(agent)

    response = client.get(opened(taro))

    page = response.content.decode()
    assert response.status_code == 200
    assert "山田 太郎" in page and "山田　太朗" in page  # what each desk calls him
    assert "ﾔﾏﾀﾞ ﾀﾛｳ" in page
    assert "証拠の重み付けで判定（モデル v1）" in page  # how the ATM record was linked
    assert "****3456" in page and "****1234" in page
    for full in ("4980-0012-3456", "498000123456", "4111 1111 1111 1234", "4111111111111234"):
        assert full not in page
    assert "ローンコンタクトセンター L-000123" in page  # the record the customer number came from


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "ja",
            [
                "証拠の重み付けで判定（モデル v1）",
                "片方に情報なし",
                "有効",
                "ローン",
                "カード",
                "ローンコンタクトセンター",
                "ATM・カードサービスセンター",
                "ATM・カードサービスセンター A-77",
            ],
        ),
        (
            "en",
            [
                "Weighed evidence (model v1)",
                "not known on both sides",
                "Active",
                "Loan",
                "Card",
                "Loan contact center",
                "ATM and card service center",
                "ATM and card service center A-77",
            ],
        ),
    ],
)
def test_detail_shows_codes_by_their_labels(client, agent, taro, language, words):
    client.force_login(agent)

    page = client.get(opened(taro), headers={"Accept-Language": language}).content.decode()

    for word in words:
        assert f"<td>{word}</td>" in page
    for code in ("name_birth_contact", "<td>active</td>", "<td>loan</td>", "loan_cc", "atm_svc"):
        assert code not in page


def test_detail_shows_a_system_without_a_label_by_its_code(client, agent, taro):
    # A new source may send records before anyone names it.
    ingest("web", {"external_id": "W-1", "customer_number": "C0012345"})
    client.force_login(agent)

    page = client.get(opened(taro)).content.decode()

    assert "<td>web</td>" in page  # its source record
    assert "<td>web W-1</td>" in page  # the decision that linked it


def test_detail_shows_times_in_tokyo(client, agent, taro):
    MergeDecision.objects.filter(customer=taro).update(
        created_at=dt.datetime(2026, 11, 1, 15, 30, tzinfo=dt.UTC)
    )
    client.force_login(agent)

    page = client.get(opened(taro)).content.decode()

    assert "2026-11-02 00:30" in page


def test_unknown_customer_is_404(client, agent):
    client.force_login(agent)

    response = client.get("/customers/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404


def test_absorbed_customer_id_redirects_to_the_survivor(client, agent, steward, review_candidate):
    absorbed = customer_of("atm_svc", "A-900")
    link_candidate(candidate=review_candidate, decided_by=steward, reason="Same person.")
    survivor = customer_of("loan_cc", "L-500")
    client.force_login(agent)

    response = client.get(detail_url(absorbed))

    assert response.status_code == 302
    assert response["Location"] == detail_url(survivor)


# Unmerge


@pytest.fixture
def steward_merge(steward, review_candidate):
    """The ATM namesake linked into the loan customer by a steward."""
    absorbed = customer_of("atm_svc", "A-900")
    link_candidate(candidate=review_candidate, decided_by=steward, reason="Looked alike.")
    merge = MergeDecision.objects.get(kind=DecisionKind.MERGED)
    return merge, merge.customer, absorbed


def unmerge_url(merge) -> str:
    return reverse(
        "customer-unmerge", kwargs={"customer_id": merge.customer_id, "decision_id": merge.pk}
    )


def test_steward_sees_the_merge_and_undoes_it_from_the_page(client, steward, steward_merge):
    merge, survivor, absorbed = steward_merge
    client.force_login(steward)
    page = client.get(opened(survivor)).content.decode()
    assert unmerge_url(merge) in page
    assert "csrfmiddlewaretoken" in page

    response = client.post(
        unmerge_url(merge), {"reason": "Different people after all.", "confirm": "yes"}
    )

    assert response.status_code == 302
    assert response["Location"] == detail_url(survivor)
    absorbed.refresh_from_db()
    assert absorbed.merged_into is None
    assert customer_of("atm_svc", "A-900") == absorbed
    undoing = MergeDecision.objects.get(kind=DecisionKind.UNMERGED)
    assert (undoing.decided_by, undoing.reason) == (steward, "Different people after all.")
    assert message_levels(response) == ["success"]


def test_agent_sees_no_unmerge_form_and_is_refused(client, agent, steward_merge):
    merge, survivor, absorbed = steward_merge
    client.force_login(agent)
    assert unmerge_url(merge) not in client.get(opened(survivor)).content.decode()

    response = client.post(unmerge_url(merge), {"reason": "I think they differ.", "confirm": "yes"})

    assert response.status_code == 403
    absorbed.refresh_from_db()
    assert absorbed.merged_into == survivor


def test_unmerge_without_a_reason_changes_nothing(client, steward, steward_merge):
    merge, survivor, absorbed = steward_merge
    client.force_login(steward)

    response = client.post(unmerge_url(merge), {"reason": "  ", "confirm": "yes"})

    assert response.status_code == 302
    assert message_levels(response) == ["error"]
    absorbed.refresh_from_db()
    assert absorbed.merged_into == survivor


def test_unmerging_twice_is_a_message_not_a_500(client, steward, steward_merge):
    merge, _, _ = steward_merge
    client.force_login(steward)
    client.post(unmerge_url(merge), {"reason": "Different people.", "confirm": "yes"})

    response = client.post(unmerge_url(merge), {"reason": "Again.", "confirm": "yes"}, follow=True)

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["success", "error"]
    assert MergeDecision.objects.filter(kind=DecisionKind.UNMERGED).count() == 1


def test_unmerge_of_another_customers_decision_is_404(client, steward, steward_merge, taro):
    merge, _, _ = steward_merge
    client.force_login(steward)

    url = reverse("customer-unmerge", kwargs={"customer_id": taro.pk, "decision_id": merge.pk})
    response = client.post(url, {"reason": "Wrong page.", "confirm": "yes"})

    assert response.status_code == 404


def test_unmerge_is_post_only(client, steward, steward_merge):
    merge, _, _ = steward_merge
    client.force_login(steward)

    assert client.get(unmerge_url(merge)).status_code == 405


# Match review


def decide_url(candidate) -> str:
    return reverse("steward-decide", kwargs={"candidate_id": candidate.pk})


def test_review_lists_open_candidates_side_by_side(client, steward, review_candidate):
    client.force_login(steward)

    response = client.get(reverse("steward-review"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "ATM・カードサービスセンター A-900" in page  # the incoming record, its system by label
    assert "atm_svc" not in page.split('id="review-count"')[1]  # (the filter's option values)
    assert "証拠の重み付けで判定（モデル v1）" in page  # the model that sent it, in words
    assert f"{review_candidate.score:.2f}" in page
    # The waterfall: a bar per comparison, in words, the weights adding up to the total.
    assert "判定に効いた項目とその重み（モデル v1）" in page
    assert "携帯電話" in page and "固定電話" in page and "生年月日" in page
    assert "重みの合計" in page
    assert "ｻﾄｳ ｼｮｳﾀ" in page and "サトウ ショウタ" in page
    assert decide_url(review_candidate) in page
    assert "csrfmiddlewaretoken" in page


def test_steward_links_a_candidate_from_the_page(client, steward, review_candidate):
    client.force_login(steward)

    response = client.post(
        decide_url(review_candidate), {"decision": "link", "reason": "Same card holder."}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("steward-review")
    review_candidate.refresh_from_db()
    assert review_candidate.status == ReviewStatus.LINKED
    assert customer_of("atm_svc", "A-900") == customer_of("loan_cc", "L-500")
    linked = MergeDecision.objects.get(kind=DecisionKind.STEWARD_LINKED)
    assert (linked.decided_by, linked.reason) == (steward, "Same card holder.")
    assert "atm_svc:A-900" not in client.get(reverse("steward-review")).content.decode()


def test_steward_keeps_a_candidate_apart_from_the_page(client, admin_user, review_candidate):
    client.force_login(admin_user)

    response = client.post(
        decide_url(review_candidate), {"decision": "keep_apart", "reason": "Twins."}
    )

    assert response.status_code == 302
    review_candidate.refresh_from_db()
    assert review_candidate.status == ReviewStatus.KEPT_APART
    assert customer_of("atm_svc", "A-900") != customer_of("loan_cc", "L-500")
    assert MergeDecision.objects.filter(
        kind=DecisionKind.STEWARD_KEPT_APART, decided_by=admin_user
    ).exists()


@pytest.mark.parametrize(
    "form",
    [
        {"decision": "link", "reason": ""},
        {"decision": "keep_apart"},
        {"decision": "merge_everything", "reason": "Why not."},
        {"reason": "No decision given."},
        {"decision": "link", "reason": "x" * 5000},
    ],
)
def test_bad_decisions_get_a_message_and_change_nothing(client, steward, review_candidate, form):
    client.force_login(steward)

    response = client.post(decide_url(review_candidate), form)

    assert response.status_code == 302
    assert "error" in message_levels(response)
    review_candidate.refresh_from_db()
    assert review_candidate.status == ReviewStatus.OPEN
    assert not MergeDecision.objects.filter(kind=DecisionKind.MERGED).exists()


def test_deciding_twice_from_the_page_is_a_message(client, steward, review_candidate):
    client.force_login(steward)
    client.post(decide_url(review_candidate), {"decision": "link", "reason": "Same."})

    response = client.post(
        decide_url(review_candidate), {"decision": "keep_apart", "reason": "No."}
    )

    assert response.status_code == 302
    assert message_levels(response) == ["success", "error"]
    review_candidate.refresh_from_db()
    assert review_candidate.status == ReviewStatus.LINKED


def test_unknown_candidate_is_404(client, steward):
    client.force_login(steward)

    response = client.post("/review/999999/", {"decision": "link", "reason": "Same."})

    assert response.status_code == 404


def test_agent_may_not_review(client, agent, review_candidate):
    client.force_login(agent)

    assert client.get(reverse("steward-review")).status_code == 403
    response = client.post(decide_url(review_candidate), {"decision": "link", "reason": "Same."})

    assert response.status_code == 403
    review_candidate.refresh_from_db()
    assert review_candidate.status == ReviewStatus.OPEN
    assert customer_of("atm_svc", "A-900") != customer_of("loan_cc", "L-500")


def test_an_unmerge_needs_its_confirmation(client, steward, steward_merge):
    merge, survivor, _absorbed = steward_merge
    client.force_login(steward)

    page = client.get(opened(survivor)).content.decode()
    response = client.post(unmerge_url(merge), {"reason": "Different people."})

    assert 'name="confirm"' in page and "required" in page
    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.undone_by_id is None
