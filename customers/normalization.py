"""Normalised match keys for identity resolution.

Source systems write the same person in many ways: full- or half-width, hiragana or katakana,
old or new kanji, "+81" or a leading 0, "1丁目1番1号" or "1-1-1". Matching never looks at raw
text; it compares the keys built here. Everything in this module is pure (no ORM, no Django)
and never raises on odd text: a value it cannot make sense of becomes "" (missing).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import jaconv
import pykakasi

# Old-form (kyūjitai) and itaiji kanji that the same family writes either way; registries, card
# embossers and legacy systems pick one or the other, so 髙橋 and 高橋 must compare equal. NFKC
# already folds the CJK compatibility block, except the twelve "unified" compatibility ideographs
# such as 﨑 (U+FA11), which are listed here. Values are never keys, so folding is idempotent.
KANJI_VARIANTS: dict[str, str] = {
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "碕": "崎",
    "齋": "斎",
    "齊": "斎",
    "斉": "斎",
    "邊": "辺",
    "邉": "辺",
    "澤": "沢",
    "濱": "浜",
    "濵": "浜",
    "廣": "広",
    "國": "国",
    "櫻": "桜",
    "壽": "寿",
    "惠": "恵",
    "眞": "真",
    "德": "徳",
    "藏": "蔵",
    "龍": "竜",
    "嶋": "島",
    "嶌": "島",
    "槇": "槙",
    "冨": "富",
    "條": "条",
    "瀨": "瀬",
    "增": "増",
    "淺": "浅",
    "會": "会",
    "圓": "円",
    "實": "実",
    "榮": "栄",
    "鐵": "鉄",
    "曾": "曽",
    "兒": "児",
    "縣": "県",
    "將": "将",
    "萬": "万",
    "彌": "弥",
    "豐": "豊",
    "來": "来",
    "靜": "静",
    "黑": "黒",
    "傳": "伝",
    "檜": "桧",
    "穗": "穂",
    "峯": "峰",
    "栁": "柳",
    "桒": "桑",
    "舘": "館",
    "渕": "淵",
    "藪": "薮",
    "鷗": "鴎",
    "埜": "野",
    "𠮷": "吉",
    "﨔": "欅",
}
_KANJI_FOLDING = str.maketrans(KANJI_VARIANTS)

# A fold can expose another one (NFKC can compose a base letter with a combining mark that a
# removed space used to separate; "1丁目丁目" loses one 丁目 per pass), so each normaliser runs to
# a fixed point. Real input settles in one or two passes; the cap only guards against a cycle.
_MAX_PASSES = 8


def _remembered(normalise: Callable[[object], str]) -> Callable[[object], str]:
    """Normalise each distinct text once: a batch normalises a record's values for its match
    keys and again for survivorship, and phones, names and dates recur across records. The
    normalisers are pure, so a remembered answer is the answer."""
    remembered = functools.lru_cache(maxsize=_REMEMBERED_VALUES)(normalise)

    @functools.wraps(normalise)
    def normalise_text_once(value: object) -> str:
        return remembered(value) if type(value) is str else normalise(value)

    return normalise_text_once


# Enough for the distinct values of several 1,000-record batches, a few MB per normaliser.
_REMEMBERED_VALUES = 1 << 14


def _until_stable(fold: Callable[[str], str], value: str) -> str:
    for _ in range(_MAX_PASSES):
        folded = fold(value)
        if folded == value:
            break
        value = folded
    return value


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _is_invisible(character: str) -> bool:
    # Whitespace (U+3000, tabs, NBSP ...) and format/control characters such as a zero-width
    # space pasted from a web form carry no meaning in a name, number or address.
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf")


@functools.cache
def _invisible_removal() -> dict[int, None]:
    """A str.translate table that deletes every invisible character: one pass in C instead of
    a test per character. Built on first use from _is_invisible itself (about 0.2 s)."""
    return {code: None for code in range(sys.maxunicode + 1) if _is_invisible(chr(code))}


def _without_invisible(value: str) -> str:
    return value.translate(_invisible_removal())


def _fold_text(value: str) -> str:
    value = unicodedata.normalize("NFKC", value)
    return _without_invisible(value).upper().translate(_KANJI_FOLDING)


@_remembered
def normalise_text(value: object) -> str:
    """NFKC, no whitespace, Latin upper-cased, common kanji variants folded."""
    return _until_stable(_fold_text, _as_text(value))


def normalise_name(value: object) -> str:
    """A name in kanji or Latin letters, ready to compare."""
    return normalise_text(value)


# A middle dot separates the parts of a foreign name in kana (ジョン・スミス); like a space it is
# a separator some systems keep and others drop.
_KANA_SEPARATORS = str.maketrans("", "", "・")


def _fold_kana(value: str) -> str:
    return jaconv.hira2kata(_fold_text(value)).translate(_KANA_SEPARATORS)


@_remembered
def normalise_kana(value: object) -> str:
    """A kana reading in full-width katakana. Long vowels and small kana are left as written."""
    return _until_stable(_fold_kana, _as_text(value))


_NAME_SEPARATOR = re.compile(r"\s+")


def split_name(
    value: object, *, normalise: Callable[[object], str] = normalise_name
) -> tuple[str, str]:
    """(family, given) when the raw value separates them with whitespace, else (whole, "").

    Japanese order is assumed (family first), which is how both desks key names in.
    """
    parts = _NAME_SEPARATOR.split(_as_text(value).strip(), maxsplit=1)
    if len(parts) == 2:
        family, given = normalise(parts[0]), normalise(parts[1])
        if family and given:
            return family, given
    return normalise(value), ""


# Fewer digits than a Japanese number with its area code cannot be dialled back, so it cannot
# identify anybody.
_MIN_PHONE_DIGITS = 9
_JAPAN_COUNTRY_CODE = "81"


def _decimal_digits(value: str) -> str:
    return "".join(str(unicodedata.decimal(c)) for c in value if c.isdecimal())


@_remembered
def normalise_phone(value: object) -> str:
    """Digits only, with the Japanese country code turned back into the trunk prefix 0."""
    text = unicodedata.normalize("NFKC", _as_text(value)).strip()
    digits = _decimal_digits(text)
    if text.startswith("+"):
        if digits.startswith(_JAPAN_COUNTRY_CODE):
            national = digits[len(_JAPAN_COUNTRY_CODE) :]
            # "+81 (0)3-..." keeps the trunk 0 in brackets; do not add a second one.
            digits = national if national.startswith("0") else "0" + national
    elif digits.startswith(_JAPAN_COUNTRY_CODE):
        # No domestic number starts with 81 (they start with 0), so 81 followed by a
        # national number's worth of digits is the country code written without "+".
        national = digits[len(_JAPAN_COUNTRY_CODE) :]
        if national.startswith("0") and len(national) in (10, 11):
            digits = national
        elif not national.startswith("0") and len(national) in (9, 10):
            digits = "0" + national
    return digits if len(digits) >= _MIN_PHONE_DIGITS else ""


def _fold_email(value: str) -> str:
    return _without_invisible(unicodedata.normalize("NFKC", value)).lower()


@_remembered
def normalise_email(value: object) -> str:
    """Lower-cased address; "" when it has no "@"."""
    email = _until_stable(_fold_email, _as_text(value))
    return email if "@" in email else ""


_POSTAL_CODE_DIGITS = 7


@_remembered
def normalise_postal_code(value: object) -> str:
    """Seven digits ("〒160-0022" → "1600022"); "" for anything else, never a guess."""
    digits = _decimal_digits(unicodedata.normalize("NFKC", _as_text(value)))
    return digits if len(digits) == _POSTAL_CODE_DIGITS else ""


_GREGORIAN_DATE = re.compile(
    r"(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?(?:[T\s].*)?"
)
_COMPACT_DATE = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})")
_ERA_DATE = re.compile(
    r"(?P<era>明治|大正|昭和|平成|令和|[MTSHR])\.?\s*(?P<year>\d{1,2}|元)\s*[-/.年]\s*"
    r"(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
)
# Gregorian year of each era's first year (元年); year n of an era is start + n - 1.
ERA_FIRST_YEARS: dict[str, int] = {
    "明治": 1868,
    "M": 1868,
    "大正": 1912,
    "T": 1912,
    "昭和": 1926,
    "S": 1926,
    "平成": 1989,
    "H": 1989,
    "令和": 2019,
    "R": 2019,
}


def _iso_date(*, year: int, month: int, day: int) -> str:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


@_remembered
def normalise_date(value: object) -> str:
    """ISO "YYYY-MM-DD" from a date, an ISO/slashed/年月日 string or a Japanese era date."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", _as_text(value)).strip().upper()
    if match := _GREGORIAN_DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text):
        year = int(match["year"])
    elif match := _ERA_DATE.fullmatch(text):
        year_of_era = 1 if match["year"] == "元" else int(match["year"])
        if year_of_era < 1:
            return ""
        year = ERA_FIRST_YEARS[match["era"]] + year_of_era - 1
    else:
        return ""
    return _iso_date(year=year, month=int(match["month"]), day=int(match["day"]))


# Dashes that people and legacy systems type between block numbers: the katakana long-vowel mark
# (ー, the most common), minus signs, hyphens and dashes of every width.
_ADDRESS_DASHES = "ー‐‑‒–—―−﹣－⁃"
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=\d)[{_ADDRESS_DASHES}](?=\d)")
_KANJI_DIGITS = {c: n for n, c in enumerate("〇一二三四五六七八九")}
_KANJI_CHOME = re.compile(r"([〇一二三四五六七八九十百]+)丁目")
_BLOCK_SEPARATOR = re.compile(r"(\d+)(?:丁目|番地の|番地|番の|番|の)(?=-?\d)")
# A trailing 丁目/番地/号 goes, but not the 号 of a room ("101号室"), which is part of its name.
_BLOCK_SUFFIX = re.compile(r"(\d+)(?:丁目|番地|番|号)(?=$|[^\d\-室])")
_REPEATED_DASH = re.compile(r"-{2,}")
_POSTAL_MARK = re.compile(r"〒\d{3}-?\d{4}")


def _kanji_number(numeral: str) -> str:
    """ "三" → "3", "十二" → "12", "二十" → "20": enough for a chōme."""
    total, current = 0, 0
    for character in numeral:
        if character == "百":
            total += (current or 1) * 100
            current = 0
        elif character == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _KANJI_DIGITS[character]
    return str(total + current)


def _fold_address(value: str) -> str:
    value = _fold_text(value)
    value = _POSTAL_MARK.sub("", value)
    value = _DASH_BETWEEN_DIGITS.sub("-", value)
    value = _KANJI_CHOME.sub(lambda match: _kanji_number(match[1]) + "丁目", value)
    value = _BLOCK_SEPARATOR.sub(r"\1-", value)
    value = _BLOCK_SUFFIX.sub(r"\1", value)
    return _REPEATED_DASH.sub("-", value)


@_remembered
def normalise_address(value: object) -> str:
    """Text normalisation plus block numbers folded: "新宿１丁目１番１号" → "新宿1-1-1".

    Best effort: it does not add an omitted prefecture or resolve a building name.
    """
    return _until_stable(_fold_address, _as_text(value))


# Source systems code gender as text, as ISO 5218 digits (1 male, 2 female) or in Japanese.
_GENDER_CODES: dict[str, str] = {
    "M": "M",
    "MALE": "M",
    "1": "M",
    "男": "M",
    "男性": "M",
    "F": "F",
    "FEMALE": "F",
    "2": "F",
    "女": "F",
    "女性": "F",
}


def normalise_gender(value: object) -> str:
    """ "M", "F", or "" when unknown or not stated."""
    return _GENDER_CODES.get(normalise_text(value), "")


_LATIN_LETTER = re.compile(r"[A-Z]")


def is_latin(name: str) -> bool:
    """A name typed in Latin letters (normalised names are upper-cased)."""
    return bool(_LATIN_LETTER.search(name))


# Hepburn, Kunrei and passport spellings of one reading (Satō, Satou, Satoh, Sato; Shun, Syun)
# fold to one form. Applied to both sides, so a non-Japanese name only changes on both alike.
_ROMAJI_FOLDS = (
    ("tch", "ch"),
    ("sh", "sy"),
    ("syi", "si"),
    ("ch", "ty"),
    ("tyi", "ti"),
    ("ts", "t"),
    ("j", "zy"),
    ("zyi", "zi"),
    ("f", "h"),
    ("mb", "nb"),
    ("mp", "np"),
    ("mm", "nm"),
    ("ou", "o"),
    ("oo", "o"),
    ("uu", "u"),
    ("aa", "a"),
    ("ii", "i"),
    ("ee", "e"),
)
_OH_BEFORE_CONSONANT = re.compile(r"oh(?=[^aeiou]|$)")
_NOT_A_LETTER = re.compile(r"[^a-z]")


@functools.lru_cache(maxsize=_REMEMBERED_VALUES)
def fold_romaji(text: str) -> str:
    """Lower case, no spaces, hyphens, dots or accents, long vowels and spelling systems folded:
    "SATOH Ken-ichi", "Satō Kenichi" and "satou kenichi" all give "satokenichi"."""
    decomposed = unicodedata.normalize("NFKD", text).lower()
    folded = _NOT_A_LETTER.sub("", decomposed)
    folded = _OH_BEFORE_CONSONANT.sub("o", folded)
    for spelling, canonical in _ROMAJI_FOLDS:
        folded = folded.replace(spelling, canonical)
    return folded


@functools.cache
def _kakasi() -> pykakasi.kakasi:
    return pykakasi.kakasi()


@functools.lru_cache(maxsize=_REMEMBERED_VALUES)
def kana_to_romaji(kana: str) -> str:
    """A katakana reading in folded romaji (ヤマダタロウ → "yamadataro")."""
    if not kana:
        return ""
    return fold_romaji("".join(part["hepburn"] for part in _kakasi().convert(kana)))


@dataclass(frozen=True)
class MatchKeys:
    """A source record's normalised identity, stored as JSON beside the record."""

    customer_number: str = ""
    name: str = ""
    family_name: str = ""
    given_name: str = ""
    name_kana: str = ""
    family_kana: str = ""
    given_kana: str = ""
    birth_date: str = ""
    gender: str = ""
    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    postal_code: str = ""
    address: str = ""
    # "name=value" of each attribute the record's source system declares an identifier.
    identifiers: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, str | list[str]]:
        """JSON-ready: sets become sorted lists, so equal keys serialise identically. Records
        without declared identifiers are stored as they were before identifiers existed."""
        data: dict[str, str | list[str]] = {}
        for name in _MATCH_KEY_FIELDS:
            value = getattr(self, name)
            if name == "identifiers" and not value:
                continue
            data[name] = sorted(value) if isinstance(value, frozenset) else value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> MatchKeys:
        """Read keys back from JSON; fields it does not know or lacks are ignored or empty."""
        values: dict[str, Any] = {}
        for name in _MATCH_KEY_FIELDS:
            stored = data.get(name)
            if name in _SET_FIELDS:
                values[name] = frozenset(_as_text(item) for item in _as_list(stored))
            else:
                # Stored keys are text already; only odd JSON takes the conversion.
                values[name] = stored if type(stored) is str else _as_text(stored)
        return cls(**values)


# Looked up once: dataclasses.fields() on every record read was a visible share of a batch.
_MATCH_KEY_FIELDS = tuple(field.name for field in fields(MatchKeys))
_SET_FIELDS = frozenset({"phones", "emails", "identifiers"})


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if type(value) is list:
        return value  # the usual case, spared the slower check against the Iterable ABC
    if isinstance(value, Iterable):
        return list(value)
    return [value]


def declared_identifiers(
    attributes: object, identifier_attributes: Iterable[str]
) -> frozenset[str]:
    """ "name=value" for each declared identifier the record's `attributes` hold a value for."""
    if not isinstance(attributes, Mapping):
        return frozenset()
    found = set()
    for name in identifier_attributes:
        value = normalise_text(attributes.get(name))
        if value:
            found.add(f"{name}={value}")
    return frozenset(found)


def match_keys(
    record: Mapping[str, object], *, identifier_attributes: Iterable[str] = ()
) -> MatchKeys:
    """Keys of one source record (customer_number, name, name_kana, birth_date, gender,
    phones, emails, postal_code, address, and the `attributes` its system declared
    identifiers; every field optional)."""
    family_name, given_name = split_name(record.get("name"), normalise=normalise_name)
    family_kana, given_kana = split_name(record.get("name_kana"), normalise=normalise_kana)
    phones = {normalise_phone(phone) for phone in _as_list(record.get("phones"))}
    emails = {normalise_email(email) for email in _as_list(record.get("emails"))}
    return MatchKeys(
        customer_number=normalise_text(record.get("customer_number")),
        name=normalise_name(record.get("name")),
        family_name=family_name if given_name else "",
        given_name=given_name,
        name_kana=normalise_kana(record.get("name_kana")),
        family_kana=family_kana if given_kana else "",
        given_kana=given_kana,
        birth_date=normalise_date(record.get("birth_date")),
        gender=normalise_gender(record.get("gender")),
        phones=frozenset(phones - {""}),
        emails=frozenset(emails - {""}),
        postal_code=normalise_postal_code(record.get("postal_code")),
        address=normalise_address(record.get("address")),
        identifiers=declared_identifiers(record.get("attributes"), identifier_attributes),
    )


# Keys go into an indexed column of this width; cutting a rare over-long name or e-mail keeps
# equal values equal and only widens the block a little.
BLOCKING_KEY_MAX_LENGTH = 200

# How many leading kana of the reading go into the birth-date block: enough to keep a block to
# a handful of people, few enough that a typo later in the name still lands in the same block.
_KANA_PREFIX_LENGTH = 2


# Keys for finding a caller, not for matching: the rules compare whole phone numbers, so two
# records that share only these can never be linked, and resolution neither reads nor locks them.
LOOKUP_ONLY_KEYS = ("tel8:",)


def _latin_parts(keys: MatchKeys) -> tuple[str, ...]:
    """The name's parts in folded romaji, as typed in Latin letters or read from the kana,
    sorted: Latin names come in either order."""
    if keys.name and is_latin(keys.name):
        parts = (keys.family_name, keys.given_name) if keys.given_name else (keys.name,)
        folded = [fold_romaji(part) for part in parts]
    elif keys.name_kana:
        parts = (keys.family_kana, keys.given_kana) if keys.given_kana else (keys.name_kana,)
        folded = [kana_to_romaji(part) for part in parts]
    else:
        return ()
    return tuple(sorted(part for part in folded if part))


def blocking_keys(keys: MatchKeys) -> set[str]:
    """Short keys that two records of one person very likely share at least one of.

    Candidates are fetched by these with one indexed lookup, so none of them is broad on its
    own: a name always comes with a birth date, a postal code or an address. Between them they
    find the pairs the matcher can link: a shared identifier, phone or e-mail (a record without
    a birth date); a name part with the birth date (a changed phone, a married name, a typo in
    the other part, kana against romaji); a name with the postal code or the address (a
    birth-date typo). A typo in both the name and the birth date with nothing else shared is
    not found, nor a kana typo in the first two kana of an unsplit reading with only the
    address shared.
    """
    blocks: set[str] = set()
    if keys.customer_number:
        blocks.add(f"num:{keys.customer_number}")
    blocks.update(f"id:{identifier}" for identifier in keys.identifiers)
    blocks.update(f"tel:{phone}" for phone in keys.phones)
    # The number's last eight digits: finds a caller whose number another system wrote with a
    # different prefix (LOOKUP_ONLY_KEYS).
    blocks.update(f"tel8:{phone[-8:]}" for phone in keys.phones if len(phone) > 8)
    blocks.update(f"mail:{email}" for email in keys.emails)
    latin = _latin_parts(keys)
    typed_latin = bool(keys.name) and is_latin(keys.name)
    if birth := keys.birth_date:
        name_parts = {
            "nb": keys.name,  # whole name in kanji: a changed phone, kanji variants
            "kb": keys.name_kana,  # whole reading: records with kana only (ATM card names)
            "gn": keys.given_name,  # given name: a surname changed by marriage
            "gk": keys.given_kana,
            "fk": keys.family_kana,  # family reading: a typo in the given name
            "kp": keys.name_kana[:_KANA_PREFIX_LENGTH],  # reading prefix: a typo later on
            "lb": "|".join(latin),  # romaji, either order: a Latin name against the kana
        }
        blocks.update(f"{kind}:{part}:{birth}" for kind, part in name_parts.items() if part)
        if typed_latin and len(latin) > 1:
            # Each part of a Latin name: a married name, a typo in the other part.
            blocks.update(f"lp:{part}:{birth}" for part in latin)
    # Without the birth date (a typo in it, or none on one side): the name with where they live.
    whole = keys.name_kana or keys.name
    family = keys.family_kana or keys.family_name or whole
    if whole and keys.postal_code:
        blocks.add(f"np:{whole}:{keys.postal_code}")
    if family and keys.address:
        blocks.add(f"af:{keys.address}:{family}")
    if typed_latin and latin:
        # Latin names are rare enough here to be blocks on their own, whole and by part (a typo
        # in the other part and in the birth date).
        blocks.add(f"ln:{'|'.join(latin)}")
        blocks.update(f"lq:{part}" for part in latin if len(latin) > 1)
    return {block[:BLOCKING_KEY_MAX_LENGTH] for block in blocks}
