import datetime as dt
import json

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.normalization import (
    MatchKeys,
    blocking_keys,
    match_keys,
    normalise_address,
    normalise_date,
    normalise_email,
    normalise_kana,
    normalise_name,
    normalise_phone,
    normalise_postal_code,
    normalise_text,
    split_name,
)

NORMALISERS = [
    normalise_text,
    normalise_name,
    normalise_kana,
    normalise_phone,
    normalise_email,
    normalise_postal_code,
    normalise_date,
    normalise_address,
]

# Characters that real Japanese records are made of, weighted towards the ones normalisation
# has to fold: kana of both widths, full-width digits and Latin, old kanji, every kind of space
# and dash, and the words of addresses and era dates.
JAPANESE_ISH = (
    "あいうえおかがきぎくぐさざしじたただちぢっつづてでとどなにのはばぱひびぴふぶぷへべぺほぼぽ"
    "まみむめもゃやゅゆょよらりるれろわをんゔゝゞ"
    "アイウエオカガキギクグサザシジタダチヂッツヅテデトドナニノハバパヒビピフブプヘベペホボポ"
    "マミムメモャヤュユョヨラリルレロワヲンヴヵヶー・"
    "ｱｲｳｴｵｶｷｸｻｼﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｯｬｰﾞﾟ･"
    "０１２３４５６７８９ＡＢＣａｂｃ＠．＋（）－0123456789abcXYZ@.+()-"
    "髙高﨑崎嵜齋齊斉斎邊邉辺澤沢濱浜廣広國国櫻桜佐藤鈴木田中山太郎花子𠮷"
    "東京都新宿区丁目番地号の〒室年月日明治大正昭和平成令和元MTSHR"
    " \u3000\t\u00a0\u200b‐―−－ー"
)
japanese_ish_text = st.text(alphabet=JAPANESE_ISH, max_size=30)
KATAKANA = (
    "アイウエオカガキギクグサザシジタダチヂツヅテデトドナニヌネノ"
    "ハバパヒビピフブプヘベペホボポマミムメモヤユヨラリルレロワヲンヴッャュョー"
)
katakana_names = st.text(alphabet=KATAKANA, min_size=1, max_size=12)


# --- text and names -------------------------------------------------------------------------


def test_missing_values_normalise_to_empty():
    for normalise in NORMALISERS:
        assert normalise(None) == ""
        assert normalise("") == ""


def test_full_width_latin_and_digits_become_half_width_upper_case():
    assert normalise_text("ｙａｍａｄａ　Ｔａｒｏ １２３") == "YAMADATARO123"


def test_every_kind_of_space_is_removed():
    assert normalise_name("山田\u3000太郎") == "山田太郎"
    assert normalise_name(" 山田\t太郎\u00a0") == "山田太郎"
    assert normalise_name("山田  \u3000 太郎") == "山田太郎"


@pytest.mark.parametrize(
    ("variant", "common"),
    [
        ("髙橋", "高橋"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("山﨑", "山崎"),
        ("山嵜", "山崎"),
        ("齋藤", "斎藤"),
        ("齊藤", "斎藤"),
        ("斉藤", "斎藤"),
        ("小澤", "小沢"),
        ("濱田", "浜田"),
        ("廣田", "広田"),
        ("櫻井", "桜井"),
        ("𠮷田", "吉田"),
    ],
)
def test_kanji_variants_fold_to_the_common_form(variant, common):
    assert normalise_name(variant) == normalise_name(common)


def test_half_width_kana_equals_full_width():
    assert normalise_kana("ﾔﾏﾀﾞ ﾀﾛｳ") == "ヤマダタロウ"
    assert normalise_kana("ｶﾞｷﾞﾊﾟﾋﾟｳﾞ") == "ガギパピヴ"


def test_hiragana_equals_katakana():
    assert normalise_kana("やまだ　たろう") == normalise_kana("ヤマダ タロウ")


def test_long_vowels_and_small_kana_are_kept():
    assert normalise_kana("ｷｮｰｺ") == "キョーコ"
    assert normalise_kana("きょうこ") != normalise_kana("きょーこ")


def test_split_name_on_any_space():
    assert split_name("佐藤 花子") == ("佐藤", "花子")
    assert split_name("佐藤\u3000花子") == ("佐藤", "花子")
    assert split_name("  髙橋   一郎 ") == ("高橋", "一郎")
    assert split_name("ｻﾄｳ ﾊﾅｺ", normalise=normalise_kana) == ("サトウ", "ハナコ")


def test_split_name_without_space_keeps_the_whole_name():
    assert split_name("佐藤花子") == ("佐藤花子", "")
    assert split_name(None) == ("", "")


# --- phones, e-mail, postal codes -----------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "090-1234-5678",
        "０９０－１２３４－５６７８",
        "090ー1234ー5678",
        "090‐1234―5678",
        "(090) 1234 5678",
        "+81 90-1234-5678",
        "+81-90-1234-5678",
        "+81 (0)90 1234 5678",
        "81-90-1234-5678",
    ],
)
def test_mobile_number_in_any_form_normalises_to_national_digits(written):
    assert normalise_phone(written) == "09012345678"


def test_international_landline_gets_the_trunk_zero():
    assert normalise_phone("+81-3-1234-5678") == "0312345678"


def test_too_short_phone_is_missing():
    assert normalise_phone("1234-5678") == ""
    assert normalise_phone("内線 123") == ""


def test_email_is_lower_cased_and_needs_an_at_sign():
    assert normalise_email(" Taro.Yamada@Example.JP ") == "taro.yamada@example.jp"
    assert normalise_email("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ") == "taro@example.jp"
    assert normalise_email("taro.example.jp") == ""


def test_postal_code_is_seven_digits_or_missing():
    assert normalise_postal_code("〒160-0022") == "1600022"
    assert normalise_postal_code("１６０－００２２") == "1600022"
    # A letter O typed for a zero is not guessed at.
    assert normalise_postal_code("１６００Ｏ２２") == ""
    assert normalise_postal_code("160-002") == ""


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        dt.date(1980, 4, 1),
        dt.datetime(1980, 4, 1, 9, 30),
        "1980-04-01",
        "1980/4/1",
        "1980.04.01",
        "19800401",
        "1980年4月1日",
        "１９８０年４月１日",
        "1980-04-01T09:30:00+09:00",
        "昭和55年4月1日",
        "S55.4.1",
        "s55/04/01",
    ],
)
def test_birth_date_in_any_form_normalises_to_iso(written):
    assert normalise_date(written) == "1980-04-01"


def test_heisei_and_reiwa_dates():
    assert normalise_date("平成2年1月5日") == "1990-01-05"
    assert normalise_date("H2.1.5") == "1990-01-05"
    assert normalise_date("令和元年5月1日") == "2019-05-01"
    assert normalise_date("R3.4.1") == "2021-04-01"


@pytest.mark.parametrize("written", ["2021-02-29", "1980-13-01", "昭和0年1月1日", "unknown", "0"])
def test_impossible_or_unreadable_date_is_missing(written):
    assert normalise_date(written) == ""


# --- addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "東京都新宿区新宿１丁目１番１号",
        "東京都新宿区新宿1-1-1",
        "東京都 新宿区 新宿一丁目1番地1",
        "東京都新宿区新宿1ー1ー1",
        "東京都新宿区新宿１－１－１",
        "〒160-0022 東京都新宿区新宿1丁目1-1",
    ],
)
def test_block_number_styles_normalise_equal(written):
    assert normalise_address(written) == "東京都新宿区新宿1-1-1"


def test_room_number_keeps_its_suffix():
    assert normalise_address("新宿1-1-1 新宿ビル101号室") == "新宿1-1-1新宿ビル101号室"


# --- match keys -----------------------------------------------------------------------------

HANAKO = {
    "customer_number": "c-0012",
    "name": "佐藤　花子",
    "name_kana": "さとう はなこ",
    "birth_date": "S60.3.14",
    "gender": "女",
    "phones": ["090-1234-5678", "", "03-1234-5678"],
    "emails": ["Hanako@Example.jp"],
    "postal_code": "〒160-0022",
    "address": "新宿1丁目1番1号",
}


def test_match_keys_of_a_source_record():
    keys = match_keys(HANAKO)

    assert keys == MatchKeys(
        customer_number="C-0012",
        name="佐藤花子",
        family_name="佐藤",
        given_name="花子",
        name_kana="サトウハナコ",
        family_kana="サトウ",
        given_kana="ハナコ",
        birth_date="1985-03-14",
        gender="F",
        phones=frozenset({"09012345678", "0312345678"}),
        emails=frozenset({"hanako@example.jp"}),
        postal_code="1600022",
        address="新宿1-1-1",
    )


def test_match_keys_of_an_empty_record_are_empty():
    assert match_keys({}) == MatchKeys()


def test_name_without_space_leaves_family_and_given_unknown():
    keys = match_keys({"name": "佐藤花子", "name_kana": "サトウハナコ"})

    assert (keys.family_name, keys.given_name, keys.family_kana, keys.given_kana) == ("",) * 4


def test_match_keys_survive_a_json_round_trip():
    keys = match_keys(HANAKO)

    stored = json.loads(json.dumps(keys.as_dict()))

    assert stored["phones"] == ["0312345678", "09012345678"]
    assert MatchKeys.from_dict(stored) == keys


def test_match_keys_from_older_json_fill_missing_fields():
    assert MatchKeys.from_dict({"name": "佐藤花子"}) == MatchKeys(name="佐藤花子")


def test_blocking_keys_pair_the_birth_date_with_a_name_part():
    blocks = blocking_keys(match_keys(HANAKO))

    assert {"num:C-0012", "tel:09012345678", "mail:hanako@example.jp"} <= blocks
    assert {"nb:佐藤花子:1985-03-14", "gk:ハナコ:1985-03-14"} <= blocks
    assert not any(block.endswith(":") or block == "1985-03-14" for block in blocks)


def test_blocking_keys_without_birth_date_are_only_identifiers():
    keys = match_keys({"name": "佐藤花子", "phones": ["090-1234-5678"]})

    assert blocking_keys(keys) == {"tel:09012345678", "tel8:12345678"}


# --- properties -----------------------------------------------------------------------------


@pytest.mark.parametrize("normalise", NORMALISERS, ids=lambda f: f.__name__)
@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=40))
def test_normalising_twice_changes_nothing_for_any_text(normalise, value):
    once = normalise(value)
    assert normalise(once) == once


@pytest.mark.parametrize("normalise", NORMALISERS, ids=lambda f: f.__name__)
@settings(max_examples=200, deadline=None)
@given(value=japanese_ish_text)
def test_normalising_twice_changes_nothing_for_japanese_text(normalise, value):
    once = normalise(value)
    assert normalise(once) == once


@settings(max_examples=200, deadline=None)
@given(katakana=katakana_names)
def test_half_width_and_hiragana_spellings_normalise_to_the_same_kana(katakana):
    half_width = jaconv.z2h(katakana, kana=True, ascii=False, digit=False)
    hiragana = jaconv.kata2hira(katakana)

    assert normalise_kana(half_width) == normalise_kana(katakana)
    assert normalise_kana(hiragana) == normalise_kana(katakana)


@settings(max_examples=200, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=9, max_size=11))
def test_full_width_digits_normalise_to_the_same_phone(digits):
    full_width = jaconv.h2z(digits, kana=False, ascii=False, digit=True)

    assert normalise_phone(full_width) == normalise_phone(digits)


@settings(max_examples=200, deadline=None)
@given(national=st.from_regex(r"[1-9][0-9]{8,9}", fullmatch=True))
def test_plus_81_form_equals_the_national_number(national):
    # After the country code a number drops its trunk 0, so it starts with 1-9.
    assert normalise_phone(f"+81 {national}") == normalise_phone(f"0{national}")


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_date_spellings_normalise_equal(day):
    written = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        jaconv.h2z(f"{day.year}年{day.month}月{day.day}日", digit=True),
    ]

    assert {normalise_date(text) for text in written} == {day.isoformat()}


@settings(max_examples=200, deadline=None)
@given(
    record=st.fixed_dictionaries(
        {},
        optional={
            "customer_number": japanese_ish_text,
            "name": japanese_ish_text,
            "name_kana": japanese_ish_text,
            "birth_date": st.one_of(japanese_ish_text, st.dates().map(str)),
            "gender": st.sampled_from(["M", "F", "男", "女性", "", "9"]),
            "phones": st.lists(japanese_ish_text, max_size=3),
            "emails": st.lists(japanese_ish_text, max_size=3),
            "postal_code": japanese_ish_text,
            "address": japanese_ish_text,
        },
    )
)
def test_match_keys_of_any_record_round_trip_through_json(record):
    keys = match_keys(record)

    assert MatchKeys.from_dict(json.loads(json.dumps(keys.as_dict()))) == keys
