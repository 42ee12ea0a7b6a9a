"""Whether two source records are one customer: evidence weighed, contradictions stopping.

Each comparison of the pair (customers.comparisons) is weighed by the Fellegi-Sunter model
(customers.fellegi_sunter); the sum, with the prior, is the pair's match weight and gives the
probability stored as the link's score. Above the model's link threshold a record links on its
own, between it and the review threshold it waits for a steward, below it stays apart. The
weights of the comparisons are kept with the decision, so a steward sees what counted and how
much. Some things no amount of other evidence outweighs, because a family or a namesake shares
everything else:

- a contradiction keeps two records apart: two different customer numbers or declared
  identifiers, birth dates further apart than a one-digit slip or a day and month swapped, two
  genders, or a relative (same family name, another given name, and no mobile, e-mail or
  identifier in common);
- when an identifier agrees despite such a contradiction, a steward looks (never a link);
- without a mobile, an e-mail or an identifier in common, a name that differs in kanji (優太 /
  優斗, twins), a given name one slip apart under the same family name when a mobile or an
  e-mail differs (ミサト / ミサキ, twins with phones of their own), or a married name with only
  a landline or an address in common (her parents' home) reaches the steward at most.

Pure: no ORM, no Django.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from customers.comparisons import (
    CLOSE,
    DIFFERENT,
    EXACT,
    GIVEN_ONLY,
    RecordComparison,
    compare_records,
)
from customers.fellegi_sunter import Contribution, MatchWeights, probability
from customers.normalization import MatchKeys

LINK = "link"
REVIEW = "review"

# Why a pair that scored a link was sent to a steward instead (stored with the explanation).
IDENTIFIER_WITH_CONTRADICTION = "identifier_with_contradiction"
KANJI_DIFFERS = "kanji_differs"
HOUSEHOLD_ONLY = "household_only"
GIVEN_NAME_SLIP = "given_name_slip"


@dataclass(frozen=True)
class MatchVerdict:
    rule: str  # the model that decided, e.g. "fellegi_sunter_v3"
    score: float  # the probability that the two records are one person
    decision: str  # "link" | "review"
    match_weight: float = 0.0
    model_version: int | None = None
    prior_weight: float = 0.0
    contributions: tuple[Contribution, ...] = ()
    held_back: str = ""  # why a link-worthy score only reached review

    @cached_property
    def explanation_json(self) -> str:
        """The explanation as stored: encoded once, for the link and its decision alike."""
        return json.dumps(self.explanation(), ensure_ascii=False)

    def explanation(self) -> dict:
        """What is stored with the link: the weight of every comparison, which with the prior
        sum to the match weight, and the probability that weight gives (the score)."""
        return {
            "model_version": self.model_version,
            "prior": self.prior_weight,
            "comparisons": [
                {"comparison": c.comparison, "level": c.level, "weight": c.weight}
                for c in self.contributions
            ],
            "match_weight": self.match_weight,
            "probability": self.score,
            "held_back": self.held_back,
        }


def _contradiction(comparison: RecordComparison) -> bool:
    return (
        comparison.level("birth_date") == DIFFERENT
        or comparison.level("gender") == DIFFERENT
        # Same family, another given name: a relative, unless they share a mobile, an e-mail
        # or an identifier, when the "other" given name is a slip in a short one (ユミ / ユキ).
        or (comparison.name.relative and not _personal_evidence(comparison))
    )


def _personal_evidence(comparison: RecordComparison) -> bool:
    """Something one person has and their household does not: a mobile, an e-mail, an id."""
    return any(comparison.level(name) == EXACT for name in ("mobile", "email", "identifier"))


def _personal_contact_differs(comparison: RecordComparison) -> bool:
    return any(comparison.level(name) == DIFFERENT for name in ("mobile", "email"))


def _held_back(comparison: RecordComparison) -> str:
    if _personal_evidence(comparison):
        return ""
    name = comparison.level("name")
    if name == CLOSE and comparison.name.kanji_differs:
        return KANJI_DIFFERS
    if name == CLOSE and comparison.name.given_name_slip and _personal_contact_differs(comparison):
        return GIVEN_NAME_SLIP
    if name == GIVEN_ONLY:
        return HOUSEHOLD_ONLY
    return ""


def decide(comparison: RecordComparison, *, weights: MatchWeights) -> MatchVerdict | None:
    """The verdict on a compared pair, or None when they stay apart."""
    identifier = comparison.level("identifier")
    if identifier == DIFFERENT and weights.hard_stops:
        # A customer number or a declared identifier is issued once per person.
        return None
    held_back = ""
    if weights.hard_stops and _contradiction(comparison):
        if identifier != EXACT:
            return None
        held_back = IDENTIFIER_WITH_CONTRADICTION
    contributions = weights.contributions(comparison.levels)
    total = weights.prior_weight + sum(c.weight for c in contributions)
    score = probability(total)
    if score < weights.review_probability:
        return None
    if weights.hard_stops:
        held_back = held_back or _held_back(comparison)
    decision = LINK if score >= weights.link_probability and not held_back else REVIEW
    return MatchVerdict(
        rule=weights.rule,
        score=score,
        decision=decision,
        match_weight=total,
        model_version=weights.version,
        prior_weight=weights.prior_weight,
        contributions=contributions,
        held_back=held_back if score >= weights.link_probability else "",
    )


def compare(a: MatchKeys, b: MatchKeys, *, weights: MatchWeights) -> MatchVerdict | None:
    """The verdict on two records' match keys, or None when they stay apart."""
    return decide(compare_records(a, b), weights=weights)
