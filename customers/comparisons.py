"""Field-by-field comparisons of two records' match keys, each giving a level.

The Fellegi-Sunter model (customers.fellegi_sunter) weighs each level by how often it occurs
between records of one person (m) and between records of two people (u); this module only says
which level a pair is at. A level is one of a few words: `exact`, `close` (a string similarity
from rapidfuzz above a threshold), `different` and `missing` (a value absent on either side,
which the model counts as neither for nor against), plus a few a field has of its own: a birth
date one digit off (`typo`) or with day and month swapped (`swapped`), a name whose given name
agrees while the family name changed (`given_only`, most often a marriage), where the family
name agrees and the given name does not (`family_only`: a relative), or where only one part is
known on one side (`partial`). Names are compared in kanji, in kana and in Latin script;
kana is turned into romaji with pykakasi so that "Yamada Taro" typed by an agent meets
ヤマダ タロウ. Pure: no ORM, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler, Levenshtein

from customers.normalization import MatchKeys, fold_romaji, is_latin, kana_to_romaji

EXACT = "exact"
CLOSE = "close"
DIFFERENT = "different"
MISSING = "missing"
TYPO = "typo"
SWAPPED = "swapped"
GIVEN_ONLY = "given_only"
PARTIAL = "partial"
POSTAL_ONLY = "postal_only"
NEARBY = "nearby"
FAMILY_ONLY = "family_only"

# Jaro-Winkler similarities from which two spellings count as one name or address typed twice:
# "Jonathon Smith" / "Jonathan Smith" is 0.97, サトウハナコ / サトウハナユ 0.93, while two
# different given names under one family name (サトウショウタ / サトウミサキ) stay near 0.7.
NAME_CLOSE = 0.92
ADDRESS_CLOSE = 0.9
# A given name alone is short: one edit in three or more letters is a slip (ユウタ / ユウト),
# in two kanji it is another name (優太 / 優斗).
GIVEN_CLOSE = 0.85
_MIN_LENGTH_FOR_ONE_EDIT = 3

# --- names ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NameForm:
    """A name in one script: the whole, and its family and given parts when they are known."""

    whole: str
    family: str = ""
    given: str = ""

    @property
    def split(self) -> bool:
        return bool(self.family and self.given)


def kanji_form(keys: MatchKeys) -> NameForm | None:
    if not keys.name or is_latin(keys.name):
        return None
    return NameForm(keys.name, keys.family_name, keys.given_name)


def kana_form(keys: MatchKeys) -> NameForm | None:
    if not keys.name_kana:
        return None
    return NameForm(keys.name_kana, keys.family_kana, keys.given_kana)


def latin_form(keys: MatchKeys) -> NameForm | None:
    """The name in folded romaji: as typed when it is in Latin letters, else read from the kana."""
    # A split name's whole is its parts' romaji joined: the parts recur across records and are
    # read once each (pykakasi takes a millisecond for a reading it has not seen).
    if keys.name and is_latin(keys.name):
        read, whole, family, given = fold_romaji, keys.name, keys.family_name, keys.given_name
    elif keys.name_kana:
        read, whole = kana_to_romaji, keys.name_kana
        family, given = keys.family_kana, keys.given_kana
    else:
        return None
    if family and given:
        family, given = read(family), read(given)
        return NameForm(family + given, family, given)
    return NameForm(read(whole))


def _swapped(a: NameForm, b: NameForm) -> bool:
    # Latin names come in either order ("TARO YAMADA", "YAMADA TARO").
    return a.split and b.split and a.family == b.given and a.given == b.family


def compare_name_forms(a: NameForm | None, b: NameForm | None) -> str:
    """exact / close / different / missing for a whole name in one script."""
    if a is None or b is None or not a.whole or not b.whole:
        return MISSING
    if a.whole == b.whole or _swapped(a, b):
        return EXACT
    if (
        min(len(a.whole), len(b.whole)) > _MIN_LENGTH_FOR_ONE_EDIT
        and Levenshtein.distance(a.whole, b.whole, score_cutoff=1) <= 1
    ):
        return CLOSE
    similarity = JaroWinkler.similarity(a.whole, b.whole)
    if a.split and b.split:
        similarity = max(similarity, JaroWinkler.similarity(a.whole, b.given + b.family))
    return CLOSE if similarity >= NAME_CLOSE else DIFFERENT


def compare_kanji_names(a: MatchKeys, b: MatchKeys) -> str:
    return compare_name_forms(kanji_form(a), kanji_form(b))


def compare_kana_names(a: MatchKeys, b: MatchKeys) -> str:
    return compare_name_forms(kana_form(a), kana_form(b))


def compare_latin_names(a: MatchKeys, b: MatchKeys) -> str:
    """Romaji against romaji; kana is read as romaji when only one side is in Latin letters
    (two kana readings are compared as kana, not twice)."""
    if not (is_latin(a.name) or is_latin(b.name)):
        return MISSING
    return compare_name_forms(latin_form(a), latin_form(b))


def _given_level(a: str, b: str) -> str:
    if not a or not b:
        return MISSING
    if a == b:
        return EXACT
    if min(len(a), len(b)) >= _MIN_LENGTH_FOR_ONE_EDIT and Levenshtein.distance(a, b) <= 1:
        return CLOSE
    return CLOSE if JaroWinkler.similarity(a, b) >= GIVEN_CLOSE else DIFFERENT


def _forms(keys: MatchKeys, *, latin: bool) -> dict[str, NameForm | None]:
    return {
        "kanji": kanji_form(keys),
        "kana": kana_form(keys),
        "latin": latin_form(keys) if latin else None,
    }


def _forms_of_pair(a: MatchKeys, b: MatchKeys) -> tuple[dict, dict]:
    # Romaji is compared only when one side is typed in Latin letters; two kana readings are
    # compared as kana, not a second time as their romaji.
    latin = is_latin(a.name) or is_latin(b.name)
    return _forms(a, latin=latin), _forms(b, latin=latin)


def _given_level_of_forms(a: NameForm, b: NameForm) -> str:
    # A Latin name written in the other order has its given name where the family name is.
    return EXACT if _swapped(a, b) else _given_level(a.given, b.given)


def compare_given_names(a: MatchKeys, b: MatchKeys) -> str:
    """The given name alone: exact or close in any script both sides have it in, else
    different when it is known on both sides in one."""
    return _given_level_of_pair(*_forms_of_pair(a, b))


def _given_level_of_pair(forms_a: dict, forms_b: dict) -> str:
    levels = [
        _given_level_of_forms(forms_a[s], forms_b[s])
        for s in ("kanji", "kana", "latin")
        if forms_a[s] is not None and forms_b[s] is not None
    ]
    known = [level for level in levels if level != MISSING]
    if not known:
        return MISSING
    for level in (EXACT, CLOSE):
        if level in known:
            return level
    return DIFFERENT


@dataclass(frozen=True, slots=True)
class NameComparison:
    level: str
    # Same family name, both given names known and unlike in every script: a relative (a
    # parent, a sibling, a twin), never the same person.
    relative: bool = False
    # Both names written in kanji and the kanji are not the same: kanji are picked from the
    # input method's list, so 優太 / 優斗 is two names (twins), whatever the readings say.
    kanji_differs: bool = False
    # The family name is the same and the given name only close (ミサト / ミサキ): a slip, or a
    # twin.
    given_name_slip: bool = False


def _family_agrees(forms_a: dict, forms_b: dict) -> bool:
    return any(
        forms_a[s] is not None
        and forms_b[s] is not None
        and forms_a[s].family
        and forms_a[s].family == forms_b[s].family
        for s in forms_a
    )


def _family_close(forms_a: dict, forms_b: dict) -> bool:
    return any(
        forms_a[s] is not None
        and forms_b[s] is not None
        and _given_level(forms_a[s].family, forms_b[s].family) == CLOSE
        for s in forms_a
    )


def _one_part_agrees(forms_a: dict, forms_b: dict) -> bool:
    """One side has a single part (a missing given name, a name without a space) and it is a
    part of the other side's name."""
    for s in forms_a:
        a, b = forms_a[s], forms_b[s]
        if a is None or b is None or a.split == b.split:
            continue
        single, split = (a, b) if b.split else (b, a)
        if single.whole in (split.family, split.given):
            return True
    return False


def compare_names(a: MatchKeys, b: MatchKeys) -> NameComparison:
    """The name comparison the model weighs: one level from the kanji, kana and Latin
    comparisons (so that one name agreeing in two scripts is not counted twice), and the
    given name for a married name."""
    forms_a, forms_b = _forms_of_pair(a, b)
    by_script = {script: compare_name_forms(forms_a[script], forms_b[script]) for script in forms_a}
    known = {script: level for script, level in by_script.items() if level != MISSING}
    given = _given_level_of_pair(forms_a, forms_b)
    relative = given == DIFFERENT and _family_agrees(forms_a, forms_b)
    kanji_differs = by_script["kanji"] in (CLOSE, DIFFERENT)
    if not known:
        level = MISSING
    elif EXACT in known.values() and DIFFERENT not in known.values():
        level = EXACT
    elif EXACT in known.values() or CLOSE in known.values():
        level = CLOSE
    elif given == EXACT and _family_close(forms_a, forms_b):
        level = CLOSE  # a slip in the family name, not another family
    elif given == EXACT:
        level = GIVEN_ONLY
    elif relative:
        level = FAMILY_ONLY
    elif _one_part_agrees(forms_a, forms_b):
        level = PARTIAL
    else:
        level = DIFFERENT
    given_name_slip = given == CLOSE and _family_agrees(forms_a, forms_b)
    return NameComparison(
        level=level,
        relative=relative,
        kanji_differs=kanji_differs,
        given_name_slip=given_name_slip,
    )


# --- birth date, gender ---------------------------------------------------------------------


def _digits(iso_date: str) -> str:
    return iso_date.replace("-", "")


def _one_digit_typo(a: str, b: str) -> bool:
    """One digit wrong, or two neighbouring digits typed the other way round."""
    differing = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(differing) == 1:
        return True
    return (
        len(differing) == 2
        and differing[1] == differing[0] + 1
        and a[differing[0]] == b[differing[1]]
        and a[differing[1]] == b[differing[0]]
    )


def compare_birth_dates(a: str, b: str) -> str:
    """exact / typo (one digit off) / swapped (day and month) / different / missing; `a` and
    `b` are ISO dates as normalisation gives them."""
    if not a or not b:
        return MISSING
    if a == b:
        return EXACT
    year_a, month_a, day_a = a.split("-")
    year_b, month_b, day_b = b.split("-")
    if year_a == year_b and month_a == day_b and day_a == month_b:
        return SWAPPED
    if _one_digit_typo(_digits(a), _digits(b)):
        return TYPO
    return DIFFERENT


def compare_genders(a: str, b: str) -> str:
    if not a or not b:
        return MISSING
    return EXACT if a == b else DIFFERENT


# --- phones, e-mail -------------------------------------------------------------------------

# Mobile numbers (060/070/080/090, 11 digits) belong to one person; a landline to a household
# or an office, which is why the two are separate comparisons with weights of their own.
_MOBILE_PREFIXES = ("060", "070", "080", "090")
_MOBILE_DIGITS = 11


def is_mobile(phone: str) -> bool:
    return len(phone) == _MOBILE_DIGITS and phone.startswith(_MOBILE_PREFIXES)


def mobiles(keys: MatchKeys) -> frozenset[str]:
    return frozenset(phone for phone in keys.phones if is_mobile(phone))


def landlines(keys: MatchKeys) -> frozenset[str]:
    return frozenset(phone for phone in keys.phones if not is_mobile(phone))


def compare_value_sets(a: frozenset[str], b: frozenset[str]) -> str:
    """exact when the two share a value, different when both have values and share none."""
    if not a or not b:
        return MISSING
    return EXACT if a & b else DIFFERENT


def compare_mobiles(a: MatchKeys, b: MatchKeys) -> str:
    return compare_value_sets(mobiles(a), mobiles(b))


def compare_landlines(a: MatchKeys, b: MatchKeys) -> str:
    return compare_value_sets(landlines(a), landlines(b))


def compare_emails(a: frozenset[str], b: frozenset[str]) -> str:
    """exact / close (one character apart: a slip in one address) / different / missing."""
    level = compare_value_sets(a, b)
    if level != DIFFERENT:
        return level
    close = any(Levenshtein.distance(x, y, score_cutoff=1) <= 1 for x in a for y in b)
    return CLOSE if close else DIFFERENT


# --- postal code, address, identifiers ------------------------------------------------------

_POSTAL_AREA_DIGITS = 3
_NUMBERS = re.compile(r"\d+")


def compare_postal_codes(a: str, b: str) -> str:
    """exact / close (same first three digits: the same area) / different / missing."""
    if not a or not b:
        return MISSING
    if a == b:
        return EXACT
    return CLOSE if a[:_POSTAL_AREA_DIGITS] == b[:_POSTAL_AREA_DIGITS] else DIFFERENT


def compare_addresses(a: str, b: str) -> str:
    """exact / close / nearby / different / missing on normalised addresses. An address written
    without its prefecture or city ("新宿区新宿1-1-1" for "東京都新宿区新宿1-1-1") ends the full
    one, and is close; so is one with a slip in its words."""
    if not a or not b:
        return MISSING
    if a == b:
        return EXACT
    shorter, longer = sorted((a, b), key=len)
    if longer.endswith(shorter):
        return CLOSE
    # A slip in the words of an address is close; the same words with other numbers is another
    # block or room in the same street or town (or a slip in a number): "nearby", weighed apart.
    if JaroWinkler.similarity(_NUMBERS.sub("", a), _NUMBERS.sub("", b)) >= ADDRESS_CLOSE:
        return CLOSE if _NUMBERS.findall(a) == _NUMBERS.findall(b) else NEARBY
    return DIFFERENT


def compare_places(a: MatchKeys, b: MatchKeys) -> str:
    """Where the two live, as one comparison: the address when both have one, else the postal
    code (`postal_only` when it is equal). One comparison, because an equal address and an
    equal postal code are one fact about a household, not two."""
    address = compare_addresses(a.address, b.address)
    if address != MISSING:
        return address
    postal_code = compare_postal_codes(a.postal_code, b.postal_code)
    if postal_code == EXACT:
        return POSTAL_ONLY
    return DIFFERENT if postal_code == DIFFERENT else MISSING


def identifiers(keys: MatchKeys) -> dict[str, str]:
    """The customer number and the identifiers a source system declared, by name."""
    found = dict(item.split("=", 1) for item in keys.identifiers)
    if keys.customer_number:
        found["customer_number"] = keys.customer_number
    return found


def compare_identifiers(a: MatchKeys, b: MatchKeys) -> str:
    """exact when an identifier both sides have is equal and none differs; different when one
    differs (a contradiction); missing when they have none in common."""
    ids_a, ids_b = identifiers(a), identifiers(b)
    shared = ids_a.keys() & ids_b.keys()
    if not shared:
        return MISSING
    return EXACT if all(ids_a[name] == ids_b[name] for name in shared) else DIFFERENT


# --- a pair of records ----------------------------------------------------------------------

# The comparisons the model weighs, in the order they are stored and shown. The kanji, kana,
# Latin and given-name comparisons above are folded into `name`, so that one name agreeing in
# two scripts counts once.
COMPARISONS: tuple[str, ...] = (
    "identifier",
    "name",
    "birth_date",
    "gender",
    "mobile",
    "landline",
    "email",
    "address",
)

# The levels each comparison can take besides `missing`, strongest first.
LEVELS: dict[str, tuple[str, ...]] = {
    "identifier": (EXACT, DIFFERENT),
    "name": (EXACT, CLOSE, GIVEN_ONLY, FAMILY_ONLY, PARTIAL, DIFFERENT),
    "birth_date": (EXACT, TYPO, SWAPPED, DIFFERENT),
    "gender": (EXACT, DIFFERENT),
    "mobile": (EXACT, DIFFERENT),
    "landline": (EXACT, DIFFERENT),
    "email": (EXACT, CLOSE, DIFFERENT),
    "address": (EXACT, CLOSE, NEARBY, POSTAL_ONLY, DIFFERENT),
}


@dataclass(frozen=True, slots=True)
class RecordComparison:
    """The level of every comparison for a pair, aligned with COMPARISONS."""

    levels: tuple[str, ...]
    name: NameComparison = NameComparison(level=MISSING)

    def level(self, comparison: str) -> str:
        return self.levels[COMPARISONS.index(comparison)]


def compare_records(a: MatchKeys, b: MatchKeys) -> RecordComparison:
    name = compare_names(a, b)
    levels = (
        compare_identifiers(a, b),
        name.level,
        compare_birth_dates(a.birth_date, b.birth_date),
        compare_genders(a.gender, b.gender),
        compare_mobiles(a, b),
        compare_landlines(a, b),
        compare_emails(a.emails, b.emails),
        compare_places(a, b),
    )
    return RecordComparison(levels=levels, name=name)
