"""Search as an agent types: every kind of query in any width or script, results in reading
order, a capped count, and a fixed number of queries however many people match."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer, SourceRecord
from customers.normalization import normalise_kana, normalise_name
from customers.queries import MAX_COUNTED_MATCHES, search_customer_page, search_customers
from customers.resolution import ingest_source_records
from tests.customers.people import TARO_LOAN

pytestmark = pytest.mark.django_db

TARO = {**TARO_LOAN, "external_id": "L-1"}
# Somebody else, who must not turn up for Taro's queries.
HANAKO = {
    "external_id": "L-2",
    "customer_number": "C0099999",
    "name": "鈴木 花子",
    "name_kana": "スズキ ハナコ",
    "birth_date": "1975-02-03",
    "phones": ["03-9876-5432"],
}


def found(query: str, page_number=1) -> list[Customer]:
    return list(search_customer_page(query, page_number=page_number, per_page=50).page)


def namesakes(count: int, *, family: str = "田中", reading: str = "タナカ") -> list[Customer]:
    """Many people with one family name, written straight to the table: only their number
    matters here, and the resolution of a thousand records would only slow the test."""
    people = [
        Customer(name=f"{family} {n}", name_kana=f"{reading} {n:04d}", customer_number=f"T{n:05d}")
        for n in range(count)
    ]
    for person in people:
        person.search_name = normalise_name(person.name)
        person.search_kana = normalise_kana(person.name_kana)
    return Customer.objects.bulk_create(people)


def person(name: str, kana: str, **fields) -> Customer:
    return Customer.objects.create(
        name=name,
        name_kana=kana,
        search_name=normalise_name(name),
        search_kana=normalise_kana(kana),
        **fields,
    )


@pytest.fixture
def taro():
    ingest_source_records(system="loan_cc", records=[TARO, HANAKO])
    return SourceRecord.objects.get(external_id="L-1").customer


@pytest.mark.parametrize(
    "query",
    [
        # the name in kanji, as far as typed
        "山",
        "山田",
        "山田 太",
        "山田　太郎",
        # the reading in katakana, hiragana, half-width kana
        "ヤ",
        "やまだ",
        "やまだ た",
        "ﾔﾏﾀﾞ ﾀﾛｳ",
        # the phone, complete, in full width, international, as far as typed, the last 8 digits
        "090-1234-5678",
        "０９０－１２３４－５６７８",
        "+81 90-1234-5678",
        "090-12",
        "１２３４－５６７８",
        # the customer number, in any case and width, as far as typed
        "C0012345",
        "c0012345",
        "Ｃ００１２",
    ],
)
def test_each_kind_of_query_finds_the_customer_in_any_width_or_script(taro, query):
    assert found(query) == [taro]


@pytest.mark.parametrize(
    "query", ["山本", "ヤマモト", "090-9", "5678", "C01", "\U0010ffff", "\ud7ff"]
)
def test_queries_that_fit_nobody_find_nobody(taro, query):
    assert found(query) == []


def test_an_absorbed_customer_is_not_found(taro):
    absorbed = person("山田 太郎", "ヤマダ タロウ", merged_into=taro)

    assert absorbed not in found("やまだ")


def test_readings_come_in_kana_order_then_by_id(taro):
    # given two more people read like Taro, and one whose reading sorts before his
    twins = [person("山田 太郎", "ヤマダ タロウ"), person("山田 多朗", "ヤマダ タロウ")]
    ayumi = person("山田 歩", "ヤマダ アユミ")

    results = found("ﾔﾏﾀﾞ")

    assert results == [ayumi, *sorted([taro, *twins], key=lambda customer: customer.pk)]


def test_an_exact_customer_number_or_phone_comes_before_namesakes(taro):
    namesakes(3, family="山田", reading="ヤマダ")

    assert found("C0012345")[0] == taro
    assert found("090-1234-5678") == [taro]


def test_pages_cover_every_match_once():
    people = namesakes(120)

    pages = [found("たなか", page_number=number) for number in (1, 2, 3)]

    assert [len(page) for page in pages] == [50, 50, 20]
    seen = [person.pk for page in pages for person in page]
    assert sorted(seen) == sorted(person.pk for person in people)


def test_the_count_stops_at_the_cap_and_says_there_are_more():
    namesakes(MAX_COUNTED_MATCHES + 5)

    search = search_customer_page("田中", page_number="999", per_page=50)

    assert search.more_matches
    assert search.page.paginator.count == MAX_COUNTED_MATCHES
    # Paging still works, up to the last counted page.
    assert search.page.number == MAX_COUNTED_MATCHES // 50
    assert len(search.page) == 50


def test_exactly_the_cap_is_counted_in_full():
    namesakes(MAX_COUNTED_MATCHES)

    search = search_customer_page("田中", page_number=1, per_page=50)

    assert not search.more_matches
    assert search.page.paginator.count == MAX_COUNTED_MATCHES


def test_the_partial_says_type_more_when_too_many_match(client, agent):
    namesakes(MAX_COUNTED_MATCHES + 1)
    client.force_login(agent)

    typed = client.get(reverse("customer-search"), {"q": "たな"}, headers={"HX-Request": "true"})
    second = client.get(
        reverse("customer-search"), {"q": "たな", "page": "2"}, headers={"HX-Request": "true"}
    )

    text = typed.content.decode()
    assert "<html" not in text
    assert f"{MAX_COUNTED_MATCHES} 件を超える顧客" in text
    assert "続けて入力して絞り込んでください" in text
    assert "先頭 20 ページ中 1 ページ目" in text
    assert second.context["page"].number == 2
    assert len(second.context["page"]) == 50


def test_the_queries_per_search_do_not_grow_with_the_matches(client, agent, taro):
    client.force_login(agent)

    def queries_for(query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("customer-search"), {"q": query})
        return len(captured)

    # One match, then a thousand and one (each answer's results are audited in one INSERT).
    namesakes(1, family="多仲", reading="タナカ")
    one = queries_for("たなか")
    namesakes(MAX_COUNTED_MATCHES + 1)
    many = queries_for("たなか")

    assert many <= one


def test_the_api_answers_the_first_thousand_matches():
    namesakes(MAX_COUNTED_MATCHES + 1)

    assert search_customers("たなか").count() == MAX_COUNTED_MATCHES
