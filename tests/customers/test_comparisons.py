"""Each comparison's levels on plain pairs of values: exact, close, different, missing, and the
levels some fields have of their own."""

import pytest

from customers.comparisons import (
    CLOSE,
    DIFFERENT,
    EXACT,
    FAMILY_ONLY,
    GIVEN_ONLY,
    MISSING,
    NEARBY,
    PARTIAL,
    POSTAL_ONLY,
    SWAPPED,
    TYPO,
    compare_addresses,
    compare_birth_dates,
    compare_emails,
    compare_genders,
    compare_given_names,
    compare_identifiers,
    compare_kana_names,
    compare_kanji_names,
    compare_landlines,
    compare_latin_names,
    compare_mobiles,
    compare_names,
    compare_places,
    compare_postal_codes,
    compare_records,
)
from customers.normalization import fold_romaji, kana_to_romaji, match_keys


def keys(**fields):
    return match_keys(fields)


# --- kanji ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("髙橋 一郎", "高橋　一郎", EXACT),
        ("佐藤 優太", "佐藤 優斗", CLOSE),
        ("長谷川 健太郎", "長谷川 健次郎", CLOSE),
        ("佐藤 翔太", "佐藤 美咲", DIFFERENT),
        ("佐藤 花子", "鈴木 一郎", DIFFERENT),
        ("佐藤 花子", "", MISSING),
        ("佐藤 花子", "Hanako Sato", MISSING),  # no kanji on one side
    ],
)
def test_kanji_name_levels(left, right, level):
    assert compare_kanji_names(keys(name=left), keys(name=right)) == level


# --- kana -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ たろう", EXACT),
        ("サトウ ハナコ", "サトウ ハナユ", CLOSE),
        ("ナカジマ ケン", "ナカシマ ケン", CLOSE),
        ("サトウ ショウタ", "サトウ ミサキ", DIFFERENT),
        ("", "サトウ ハナコ", MISSING),
    ],
)
def test_kana_name_levels(left, right, level):
    assert compare_kana_names(keys(name_kana=left), keys(name_kana=right)) == level


# --- Latin script ---------------------------------------------------------------------------


def test_romaji_folds_case_spaces_hyphens_long_vowels_and_spelling_systems():
    assert (
        fold_romaji("SATOH Ken-ichi") == fold_romaji("Satō Kenichi") == fold_romaji("satoukenichi")
    )
    assert fold_romaji("Shun") == fold_romaji("Syun")
    assert kana_to_romaji("ヤマダタロウ") == fold_romaji("Yamada Taro")


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ({"name": "Jonathan Smith"}, {"name": "jonathan  SMITH"}, EXACT),
        ({"name": "Jonathan Smith"}, {"name": "Smith Jonathan"}, EXACT),  # either order
        ({"name": "Jonathon Smith"}, {"name": "Jonathan Smith"}, CLOSE),
        ({"name": "Taro Yamada"}, {"name_kana": "ヤマダ タロウ"}, EXACT),  # romaji and kana
        ({"name": "Satoh Hanako"}, {"name_kana": "サトウ ハナコ"}, EXACT),
        ({"name": "Maria Garcia"}, {"name": "Ivan Petrov"}, DIFFERENT),
        ({"name_kana": "ヤマダ タロウ"}, {"name_kana": "ヤマダ タロウ"}, MISSING),  # kana's job
        ({"name": "Maria Garcia"}, {}, MISSING),
    ],
)
def test_latin_name_levels(left, right, level):
    assert compare_latin_names(keys(**left), keys(**right)) == level


# --- given name -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ({"name": "佐藤 花子"}, {"name": "鈴木 花子"}, EXACT),
        ({"name_kana": "サトウ ユウタ"}, {"name_kana": "サトウ ユウト"}, CLOSE),
        ({"name": "佐藤 翔太"}, {"name": "佐藤 美咲"}, DIFFERENT),
        ({"name": "Taro Yamada"}, {"name": "Yamada Taro"}, EXACT),
        ({"name": "佐藤花子"}, {"name": "佐藤 花子"}, MISSING),  # not split on one side
    ],
)
def test_given_name_levels(left, right, level):
    assert compare_given_names(keys(**left), keys(**right)) == level


# --- the name comparison the model weighs ---------------------------------------------------


def test_name_exact_in_one_script_without_contradiction_is_exact():
    comparison = compare_names(
        keys(name="中島 健", name_kana="ナカジマ ケン"),
        keys(name="中島 健", name_kana="ナカジマ ケン"),
    )
    assert comparison.level == EXACT


def test_a_reading_slip_does_not_undo_equal_kanji():
    a = keys(name="中島 健", name_kana="ナカジマ ケン")
    b = keys(name="中島 健", name_kana="ナカシマ ケン")
    assert compare_names(a, b).level == EXACT


def test_married_name_is_given_only():
    a = keys(name="佐藤 花子", name_kana="サトウ ハナコ")
    b = keys(name="鈴木 花子", name_kana="スズキ ハナコ")
    comparison = compare_names(a, b)
    assert comparison.level == GIVEN_ONLY
    assert not comparison.relative


def test_same_family_and_another_given_name_is_a_relative():
    comparison = compare_names(keys(name="佐藤 翔太"), keys(name="佐藤 美咲"))
    assert comparison.level == FAMILY_ONLY
    assert comparison.relative


def test_twins_with_readings_one_kana_apart_differ_in_kanji():
    a = keys(name="佐藤 優太", name_kana="サトウ ユウタ")
    b = keys(name="佐藤 優斗", name_kana="サトウ ユウト")
    comparison = compare_names(a, b)
    assert comparison.level == CLOSE
    assert comparison.kanji_differs
    assert not comparison.relative


def test_one_part_known_on_one_side_is_partial():
    assert compare_names(keys(name="Smith"), keys(name="John Smith")).level == PARTIAL


def test_no_script_in_common_is_missing():
    assert compare_names(keys(name="佐藤 花子"), keys(name="")).level == MISSING


# --- birth date, gender ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("1985-03-14", "1985-03-14", EXACT),
        ("1985-03-14", "1985-03-15", TYPO),
        ("1985-03-14", "1958-03-14", TYPO),  # neighbouring digits typed the other way round
        ("1985-03-04", "1985-04-03", SWAPPED),
        ("1985-03-14", "1985-07-22", DIFFERENT),
        ("1985-03-14", "1975-03-15", DIFFERENT),  # two digits
        ("1985-03-14", "", MISSING),
    ],
)
def test_birth_date_levels(left, right, level):
    assert compare_birth_dates(left, right) == level


@pytest.mark.parametrize(
    ("left", "right", "level"), [("F", "F", EXACT), ("F", "M", DIFFERENT), ("", "M", MISSING)]
)
def test_gender_levels(left, right, level):
    assert compare_genders(left, right) == level


# --- phones, e-mail -------------------------------------------------------------------------


def test_mobile_levels_look_only_at_mobile_numbers():
    home_and_mobile = keys(phones=["03-1234-5678", "090-1111-2222"])
    assert compare_mobiles(home_and_mobile, keys(phones=["+81 90 1111 2222"])) == EXACT
    assert compare_mobiles(home_and_mobile, keys(phones=["080-9999-0000"])) == DIFFERENT
    assert compare_mobiles(home_and_mobile, keys(phones=["03-1234-5678"])) == MISSING


def test_landline_levels_look_only_at_landlines():
    home_and_mobile = keys(phones=["03-1234-5678", "090-1111-2222"])
    assert compare_landlines(home_and_mobile, keys(phones=["0312345678"])) == EXACT
    assert compare_landlines(home_and_mobile, keys(phones=["06-1234-5678"])) == DIFFERENT
    assert compare_landlines(home_and_mobile, keys(phones=["090-1111-2222"])) == MISSING


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        (["Taro@Example.jp"], ["taro@example.jp"], EXACT),
        (["taro@example.jp"], ["tar0@example.jp"], CLOSE),
        (["taro@example.jp"], ["hanako@example.com"], DIFFERENT),
        ([], ["taro@example.jp"], MISSING),
    ],
)
def test_email_levels(left, right, level):
    assert compare_emails(keys(emails=left).emails, keys(emails=right).emails) == level


# --- postal code, address, identifiers ------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("160-0022", "〒1600022", EXACT),
        ("160-0022", "160-0023", CLOSE),
        ("160-0022", "530-0001", DIFFERENT),
        ("160-0022", "", MISSING),
    ],
)
def test_postal_code_levels(left, right, level):
    a, b = keys(postal_code=left), keys(postal_code=right)
    assert compare_postal_codes(a.postal_code, b.postal_code) == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("東京都新宿区新宿1-1-1", "東京都新宿区新宿１丁目１番１号", EXACT),
        ("東京都新宿区新宿1-1-1", "新宿区新宿1-1-1", CLOSE),  # prefecture left out
        ("東京都新宿区新宿1-1-1", "東京都新宿区新宮1-1-1", CLOSE),  # a slip in a word
        ("東京都新宿区新宿1-1-1", "東京都新宿区新宿1-1-7", NEARBY),  # the neighbours
        ("東京都新宿区新宿1-1-1", "大阪府大阪市北区梅田2-4-9", DIFFERENT),
        ("東京都新宿区新宿1-1-1", "", MISSING),
    ],
)
def test_address_levels(left, right, level):
    a, b = keys(address=left), keys(address=right)
    assert compare_addresses(a.address, b.address) == level


def test_place_falls_back_to_the_postal_code_when_an_address_is_missing():
    with_address = keys(postal_code="160-0022", address="東京都新宿区新宿1-1-1")
    assert compare_places(with_address, keys(postal_code="1600022")) == POSTAL_ONLY
    assert compare_places(with_address, keys(postal_code="530-0001")) == DIFFERENT
    assert compare_places(with_address, keys()) == MISSING
    # Where both have an address, the address decides: one fact about a household, not two.
    elsewhere = keys(postal_code="160-0022", address="札幌市中央区1-1")
    assert compare_places(with_address, elsewhere) == DIFFERENT


def test_identifier_levels_cover_customer_numbers_and_declared_identifiers():
    def member(number, **fields):
        record = {"attributes": {"member_no": number}, **fields}
        return match_keys(record, identifier_attributes=["member_no"])

    assert compare_identifiers(member("M-1"), member("m－1")) == EXACT
    assert compare_identifiers(member("M-1"), member("M-2")) == DIFFERENT
    assert compare_identifiers(member("M-1"), keys()) == MISSING
    assert compare_identifiers(member("M-1", customer_number="C1"), keys(customer_number="C2")) == (
        DIFFERENT
    )
    # An attribute the system did not declare is not an identifier.
    assert match_keys({"attributes": {"member_no": "M-1"}}).identifiers == frozenset()


def test_record_comparison_is_the_same_either_way_round():
    a = keys(
        name="佐藤 花子", name_kana="サトウ ハナコ", birth_date="1985-03-04", phones=["0312345678"]
    )
    b = keys(name="Hanako Sato", birth_date="1985-04-03", phones=["03-1234-5678"])
    assert compare_records(a, b) == compare_records(b, a)
