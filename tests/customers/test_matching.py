"""The matcher's decisions on pairs of records: what links, what a steward sees, what stays
apart whatever else it shares (the traps)."""

from dataclasses import replace
from itertools import combinations

import pytest

from customers.fellegi_sunter import probability
from customers.match_models import default_weights
from customers.matching import LINK, REVIEW, MatchVerdict
from customers.matching import compare as compare_with
from customers.normalization import MatchKeys, blocking_keys, match_keys

WEIGHTS = default_weights()


def compare(a: MatchKeys, b: MatchKeys) -> MatchVerdict | None:
    return compare_with(a, b, weights=WEIGHTS)


# The loan contact center's record of a customer; other records are variations of it.
HANAKO = {
    "name": "佐藤 花子",
    "name_kana": "サトウ ハナコ",
    "birth_date": "1985-03-14",
    "gender": "F",
    "phones": ["090-1234-5678"],
    "emails": ["hanako.sato@example.jp"],
    "postal_code": "160-0022",
    "address": "東京都新宿区新宿1-1-1",
}


def keys(**fields: object) -> MatchKeys:
    return match_keys(fields)


def hanako(**changes: object) -> MatchKeys:
    return match_keys({**HANAKO, **changes})


def assert_verdict(verdict: MatchVerdict | None, *, decision: str) -> None:
    assert verdict is not None, f"expected {decision}, got no match"
    assert verdict.decision == decision, verdict.explanation()


# Pairs that are one person and must link automatically: (loan_cc record, atm_svc record).
MUST_LINK = {
    "married_surname_change_same_mobile": (
        hanako(emails=[]),
        hanako(name="鈴木 花子", name_kana="スズキ ハナコ", emails=[], address="横浜市中区1-2-3"),
    ),
    "married_surname_change_same_email": (
        hanako(),
        hanako(
            name="鈴木 花子",
            name_kana="すずき はなこ",
            phones=["080-9999-0000"],
            postal_code="231-0001",
            address="横浜市中区1-2-3",
        ),
    ),
    "changed_phone_same_email": (hanako(), hanako(phones=["080-9999-0000"])),
    "changed_phone_same_address": (
        hanako(),
        hanako(phones=["080-9999-0000"], emails=[], address="東京都新宿区新宿１丁目１番１号"),
    ),
    "half_width_kana_from_legacy_system": (
        keys(
            name="山田 太郎",
            name_kana="ヤマダ タロウ",
            birth_date="1970-01-02",
            phones=["03-3333-4444"],
        ),
        keys(name_kana="ﾔﾏﾀﾞ ﾀﾛｳ", birth_date="S45.1.2", phones=["0333334444"]),
    ),
    "hiragana_reading": (
        keys(name_kana="ﾔﾏﾀﾞ ﾀﾛｳ", birth_date="1970-01-02", phones=["03-3333-4444"]),
        keys(name_kana="やまだ たろう", birth_date="1970/1/2", emails=[], phones=["0333334444"]),
    ),
    "kanji_variant_takahashi": (
        keys(name="髙橋 一郎", birth_date="1960-05-05", phones=["090-1111-2222"]),
        keys(name="高橋 一郎", birth_date="1960-05-05", phones=["09011112222"]),
    ),
    "kanji_variant_watanabe_same_address": (
        keys(
            name="渡邊 健",
            name_kana="ワタナベ ケン",
            birth_date="1975-07-07",
            postal_code="530-0001",
            address="大阪市北区梅田2丁目4番9号",
        ),
        keys(
            name="渡辺 健",
            name_kana="ワタナベ ケン",
            birth_date="1975-07-07",
            postal_code="5300001",
            address="大阪市北区梅田2-4-9",
        ),
    ),
    "full_width_and_international_phone": (
        hanako(emails=[], phones=["０９０－１２３４－５６７８"]),
        hanako(emails=[], phones=["+81 90-1234-5678"]),
    ),
}

# A one-kana slip at one desk: the reading is all that differs.
KANA_TYPO = (
    keys(name_kana="ヤマダ タロウ", birth_date="1970-01-02", phones=["090-5555-6666"]),
    keys(name_kana="ヤマダ タロオ", birth_date="1970-01-02", phones=["09055556666"]),
)


# --- decisions ------------------------------------------------------------------------------


def test_same_customer_number_links():
    verdict = compare(keys(customer_number="C-1001"), keys(customer_number="ｃ－１００１"))

    assert_verdict(verdict, decision=LINK)
    assert verdict.rule == "fellegi_sunter_v1"


def test_different_customer_numbers_never_match_even_with_everything_else_equal():
    assert compare(hanako(customer_number="C-1001"), hanako(customer_number="C-1002")) is None


def test_same_customer_number_with_a_contradicting_birth_date_goes_to_review():
    verdict = compare(
        hanako(customer_number="C-1001"), hanako(customer_number="C-1001", birth_date="1979-11-30")
    )

    assert_verdict(verdict, decision=REVIEW)
    assert verdict.explanation()["held_back"] == "identifier_with_contradiction"


def test_same_name_birth_date_and_mobile_links():
    a, b = hanako(emails=[], address=""), hanako(emails=[], address="")

    assert_verdict(compare(a, b), decision=LINK)


def test_surname_change_sharing_only_a_landline_goes_to_review():
    # The landline may be her parents': she could be a cousin with the same given name.
    a = hanako(phones=["03-1234-5678"], emails=[])
    b = hanako(name="鈴木 花子", name_kana="スズキ ハナコ", phones=["03-1234-5678"], emails=[])

    assert_verdict(compare(a, b), decision=REVIEW)


def test_kana_typo_with_the_same_mobile_links():
    assert_verdict(compare(*KANA_TYPO), decision=LINK)


def test_kana_typo_with_different_kanji_goes_to_review():
    a = keys(
        name="山田 太郎",
        name_kana="ヤマダ タロウ",
        birth_date="1970-01-02",
        address="東京都港区芝1-1-1",
    )
    b = keys(
        name="山田 太朗",
        name_kana="ヤマダ タロオ",
        birth_date="1970-01-02",
        address="東京都港区芝１丁目１番１号",
    )

    assert_verdict(compare(a, b), decision=REVIEW)


def test_kana_typo_with_equal_kanji_links():
    a = keys(
        name="中島 健",
        name_kana="ナカジマ ケン",
        birth_date="1980-02-02",
        address="東京都港区芝1-1-1",
    )
    b = keys(
        name="中島 健",
        name_kana="ナカシマ ケン",
        birth_date="1980-02-02",
        address="東京都港区芝1-1-1",
    )

    assert_verdict(compare(a, b), decision=LINK)


def test_same_name_and_birth_date_alone_goes_to_review():
    a = hanako()
    b = hanako(phones=["080-9999-0000"], emails=["h.sato@example.com"], address="札幌市中央区1-1")

    assert_verdict(compare(a, b), decision=REVIEW)


def test_a_slip_in_a_short_given_name_links_on_the_same_mobile_and_email():
    # ユミ / ユキ is another name as far as the name goes; her own mobile and e-mail say it is her.
    a = keys(name_kana="コバヤシ ユミ", birth_date="1970-03-01", phones=["080-4955-7345"])
    b = keys(name_kana="コバヤシ ユキ", birth_date="1970-03-01", phones=["08049557345"])

    assert_verdict(compare(a, b), decision=LINK)


def test_birth_dates_further_apart_than_a_typo_never_match():
    assert compare(hanako(), hanako(birth_date="1985-07-22")) is None


def test_known_different_gender_never_matches():
    assert compare(hanako(), hanako(gender="M")) is None


def test_record_without_birth_date_links_on_name_mobile_and_email():
    atm = hanako(birth_date="", address="", postal_code="")

    assert_verdict(compare(hanako(), atm), decision=LINK)


def test_married_name_links_on_given_name_birth_date_and_email():
    married = hanako(
        name="鈴木 花子", name_kana="スズキ ハナコ", phones=["080-9999-0000"], address=""
    )

    assert_verdict(compare(hanako(), married), decision=LINK)


def test_latin_script_typo_links():
    a = keys(name="Jonathan Smith", birth_date="1979-05-30", emails=["jsmith@example.com"])
    b = keys(
        name="SMITH  Jonathon",
        birth_date="1979-05-30",
        emails=["JSmith@example.com"],
        phones=["090-4444-3333"],
    )

    assert_verdict(compare(a, b), decision=LINK)


def test_latin_name_links_with_the_kana_reading():
    a = hanako(emails=[])
    b = keys(name="Hanako SATOU", birth_date="1985-03-14", phones=["+81 90 1234 5678"])

    assert_verdict(compare(a, b), decision=LINK)


@pytest.mark.parametrize("typed", ["1985-03-15", "1958-03-14"])
def test_birth_date_one_digit_off_links(typed):
    # One digit wrong, or two neighbouring digits typed the other way round.
    assert_verdict(compare(hanako(), hanako(birth_date=typed)), decision=LINK)


def test_birth_date_with_day_and_month_swapped_links():
    a = hanako(birth_date="1985-03-04")
    b = hanako(birth_date="1985-04-03")

    assert_verdict(compare(a, b), decision=LINK)


def test_explanation_sums_to_the_match_weight_and_gives_the_score():
    verdict = compare(*MUST_LINK["married_surname_change_same_email"])
    explanation = verdict.explanation()

    total = explanation["prior"] + sum(c["weight"] for c in explanation["comparisons"])
    assert total == pytest.approx(explanation["match_weight"])
    assert probability(total) == pytest.approx(verdict.score)
    assert explanation["probability"] == verdict.score


def test_without_hard_stops_a_contradiction_only_weighs():
    a, b = hanako(), hanako(birth_date="1979-11-30")
    weighing = replace(WEIGHTS, hard_stops=False)

    verdict = compare_with(a, b, weights=weighing)

    assert compare(a, b) is None
    assert_verdict(verdict, decision=LINK)
    assert verdict.explanation()["comparisons"][2] == {
        "comparison": "birth_date",
        "level": "different",
        "weight": WEIGHTS.weight("birth_date", "different"),
    }


def test_thresholds_order_link_above_review():
    assert 0 < WEIGHTS.review_probability < WEIGHTS.link_probability < 1


# --- traps ----------------------------------------------------------------------------------


def test_shared_landline_does_not_merge_family_members():
    home = {"phones": ["03-5555-1234"], "postal_code": "160-0022", "address": "新宿1-1-1"}
    father = keys(name="佐藤 一郎", name_kana="サトウ イチロウ", birth_date="1955-01-20", **home)
    daughter = keys(name="佐藤 花子", name_kana="サトウ ハナコ", birth_date="1985-03-14", **home)

    assert compare(father, daughter) is None


def test_twins_sharing_landline_and_address_do_not_link():
    home = {"phones": ["03-5555-1234"], "postal_code": "160-0022", "address": "新宿1-1-1"}
    born = {"birth_date": "2001-06-01", "gender": ""}
    sho = keys(name="佐藤 翔太", name_kana="サトウ ショウタ", **born, **home)
    misaki = keys(name="佐藤 美咲", name_kana="サトウ ミサキ", **born, **home)

    assert compare(sho, misaki) is None


def test_twins_with_readings_one_kana_apart_only_reach_review():
    home = {"phones": ["03-5555-1234"], "address": "新宿1-1-1", "birth_date": "2001-06-01"}
    yuta = keys(name="佐藤 優太", name_kana="サトウ ユウタ", **home)
    yuto = keys(name="佐藤 優斗", name_kana="サトウ ユウト", **home)

    verdict = compare(yuta, yuto)

    assert verdict is not None
    assert verdict.decision == "review"


def test_namesakes_with_same_birth_date_only_reach_review():
    a = keys(
        name="佐藤 翔太",
        name_kana="サトウ ショウタ",
        birth_date="1990-04-01",
        phones=["090-1111-1111"],
        emails=["shota@example.jp"],
        address="札幌市北区1-1",
    )
    b = keys(
        name="佐藤 翔太",
        name_kana="サトウ ショウタ",
        birth_date="1990-04-01",
        phones=["090-2222-2222"],
        emails=["sato.s@example.com"],
        address="福岡市中央区2-2",
    )

    assert_verdict(compare(a, b), decision=REVIEW)


def test_company_switchboard_number_does_not_merge_colleagues():
    switchboard = ["03-6789-0000"]
    a = keys(name="田中 誠", name_kana="タナカ マコト", birth_date="1972-08-08", phones=switchboard)
    b = keys(
        name="中村 誠", name_kana="ナカムラ マコト", birth_date="1983-11-30", phones=switchboard
    )

    assert compare(a, b) is None


# --- must-link pairs ------------------------------------------------------------------------


def test_married_surname_change_with_same_mobile_links():
    a, b = MUST_LINK["married_surname_change_same_mobile"]

    assert_verdict(compare(a, b), decision=LINK)


def test_married_surname_change_with_same_email_links():
    a, b = MUST_LINK["married_surname_change_same_email"]

    assert_verdict(compare(a, b), decision=LINK)


def test_changed_phone_with_same_email_links():
    a, b = MUST_LINK["changed_phone_same_email"]

    assert_verdict(compare(a, b), decision=LINK)


def test_changed_phone_with_same_address_links():
    a, b = MUST_LINK["changed_phone_same_address"]

    assert_verdict(compare(a, b), decision=LINK)


def test_half_width_kana_from_legacy_system_links():
    a, b = MUST_LINK["half_width_kana_from_legacy_system"]

    assert_verdict(compare(a, b), decision=LINK)


def test_hiragana_reading_links_with_half_width_kana():
    a, b = MUST_LINK["hiragana_reading"]

    assert_verdict(compare(a, b), decision=LINK)


def test_old_kanji_takahashi_links_with_common_form():
    a, b = MUST_LINK["kanji_variant_takahashi"]

    assert_verdict(compare(a, b), decision=LINK)


def test_old_kanji_watanabe_links_with_common_form():
    a, b = MUST_LINK["kanji_variant_watanabe_same_address"]

    assert_verdict(compare(a, b), decision=LINK)


def test_full_width_and_international_phone_forms_link():
    a, b = MUST_LINK["full_width_and_international_phone"]

    assert_verdict(compare(a, b), decision=LINK)


@pytest.mark.parametrize(
    ("a", "b"), [*MUST_LINK.values(), KANA_TYPO], ids=[*MUST_LINK, "kana_typo"]
)
def test_every_must_link_pair_shares_a_blocking_key(a, b):
    assert blocking_keys(a) & blocking_keys(b)


def test_compare_gives_the_same_verdict_either_way_round():
    records = [record for pair in [*MUST_LINK.values(), KANA_TYPO] for record in pair]

    for a, b in combinations(records, 2):
        assert compare(a, b) == compare(b, a)
