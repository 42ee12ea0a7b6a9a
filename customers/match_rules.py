"""Ordered, explainable rules that decide whether two source records are one customer.

Each rule looks at two records' normalised MatchKeys and, when it applies, gives a score; the
first rule that applies decides, and its name is stored with the link so a steward can see why
two records were joined. Strong combinations link on their own; weaker ones go to the review
queue; the rest stay apart. Pure: no ORM, no Django.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from customers.normalization import MatchKeys

# A wrong merge shows one customer's loans and card to another caller, which is far worse than a
# missed one (a steward can still join them later), so only rules whose score reaches 0.9 link
# without a person looking; the rest, down to 0.6, wait in the steward queue.
AUTO_LINK_THRESHOLD = 0.9
REVIEW_THRESHOLD = 0.6

LINK = "link"
REVIEW = "review"


@dataclass(frozen=True)
class MatchVerdict:
    rule: str
    score: float
    decision: str  # "link" | "review"


def _verdict(*, rule: str, score: float) -> MatchVerdict | None:
    if score >= AUTO_LINK_THRESHOLD:
        return MatchVerdict(rule=rule, score=score, decision=LINK)
    if score >= REVIEW_THRESHOLD:
        return MatchVerdict(rule=rule, score=score, decision=REVIEW)
    return None


def _same(left: str, right: str) -> bool:
    return bool(left) and left == right


def _differ(left: str, right: str) -> bool:
    """Both known and not equal: a contradiction, unlike a value missing on one side."""
    return bool(left) and bool(right) and left != right


def _contradict(a: MatchKeys, b: MatchKeys) -> bool:
    # A person keeps their birth date and, in these records, their gender; a difference in
    # either means two people, however much else they share.
    return _differ(a.birth_date, b.birth_date) or _differ(a.gender, b.gender)


def _agree(*spellings: tuple[str, str]) -> bool:
    """Equal in at least one spelling (kanji, kana) and contradicted in none."""
    return any(_same(a, b) for a, b in spellings) and not any(_differ(a, b) for a, b in spellings)


def _names_agree(a: MatchKeys, b: MatchKeys) -> bool:
    return _agree((a.name, b.name), (a.name_kana, b.name_kana))


def _shares_contact(a: MatchKeys, b: MatchKeys) -> bool:
    return bool(a.phones & b.phones or a.emails & b.emails)


# Mobile numbers (060/070/080/090, 11 digits) belong to one person; a landline belongs to a
# household or an office, so it says less about who is calling.
_MOBILE_PREFIXES = ("060", "070", "080", "090")
_MOBILE_DIGITS = 11


def _is_mobile(phone: str) -> bool:
    return len(phone) == _MOBILE_DIGITS and phone.startswith(_MOBILE_PREFIXES)


def _shares_personal_contact(a: MatchKeys, b: MatchKeys) -> bool:
    return bool(a.emails & b.emails) or any(_is_mobile(phone) for phone in a.phones & b.phones)


def _same_address(a: MatchKeys, b: MatchKeys) -> bool:
    # A postal code missing on one side does not contradict; a different one does, because
    # the same block number exists in many towns.
    return _same(a.address, b.address) and not _differ(a.postal_code, b.postal_code)


def _name_birth_contact(a: MatchKeys, b: MatchKeys) -> float | None:
    """Same name (kanji or reading), birth date and a phone or e-mail: the everyday duplicate,
    a customer known to both desks."""
    same_name = _same(a.name, b.name) or _same(a.name_kana, b.name_kana)
    return 0.95 if same_name and _shares_contact(a, b) else None


def _name_birth_address(a: MatchKeys, b: MatchKeys) -> float | None:
    """Same name, birth date and address but no shared phone: the customer changed numbers.
    (A shared e-mail was already caught by name_birth_contact.)"""
    return 0.92 if _names_agree(a, b) and _same_address(a, b) else None


def _surname_change(a: MatchKeys, b: MatchKeys) -> float | None:
    """Same given name and birth date under another family name: most often a marriage.

    Only a shared mobile or e-mail links; a shared landline could be a relative's, so it
    only asks a steward.
    """
    given_agree = _agree((a.given_name, b.given_name), (a.given_kana, b.given_kana))
    family_changed = _differ(a.family_name, b.family_name) or _differ(a.family_kana, b.family_kana)
    if not (given_agree and family_changed):
        return None
    if _shares_personal_contact(a, b):
        return 0.9
    if _shares_contact(a, b):
        return 0.7
    return None


# Below this many kana, one edit is a different name rather than a slip (ユキ / ユミ).
_MIN_KANA_FOR_TYPO = 4


def _kana_typo(a: MatchKeys, b: MatchKeys) -> float | None:
    """Readings one keystroke apart (ヤマダタロウ / ヤマダタロオ) with the same birth date and a
    shared contact or address: a typing slip at one desk.

    Equal kanji confirm it; without kanji it is a steward's call; different kanji (twins
    named ユウタ and ユウト) make it the weakest suggestion.
    """
    kana_a, kana_b = a.name_kana, b.name_kana
    if min(len(kana_a), len(kana_b)) < _MIN_KANA_FOR_TYPO:
        return None
    if Levenshtein.distance(kana_a, kana_b, score_cutoff=1) != 1:
        return None
    if not (_shares_contact(a, b) or _same_address(a, b)):
        return None
    if _same(a.name, b.name):
        return 0.9
    if _differ(a.name, b.name):
        return 0.65
    return 0.75


def _name_birth_only(a: MatchKeys, b: MatchKeys) -> float | None:
    """Same name and birth date, nothing else in common: possibly namesakes (佐藤翔太 is a
    common name), so a steward decides."""
    return 0.65 if _names_agree(a, b) else None


# Tried in this order after the customer number; the first that applies decides.
RULES: tuple[tuple[str, Callable[[MatchKeys, MatchKeys], float | None]], ...] = (
    ("name_birth_contact", _name_birth_contact),
    ("name_birth_address", _name_birth_address),
    ("surname_change", _surname_change),
    ("kana_typo", _kana_typo),
    ("name_birth_only", _name_birth_only),
)


def compare(a: MatchKeys, b: MatchKeys) -> MatchVerdict | None:
    """The first rule that applies to the pair, or None when they stay apart."""
    if a.customer_number and b.customer_number:
        # The customer number is issued once per person: two different numbers are two
        # customers whatever else they share, and the same number is the same customer
        # unless the records contradict each other, which a steward must look at.
        if a.customer_number != b.customer_number:
            return None
        if _contradict(a, b):
            return _verdict(rule="customer_number_conflict", score=0.7)
        return _verdict(rule="customer_number", score=1.0)
    # Every rule below leans on the birth date, so it must be known and equal.
    if _contradict(a, b) or not _same(a.birth_date, b.birth_date):
        return None
    for rule, score_of in RULES:
        score = score_of(a, b)
        if score is not None:
            return _verdict(rule=rule, score=score)
    return None
