"""The Fellegi-Sunter model: match weights per comparison level, and their estimation.

For each comparison level, m is the probability of that level between two records of one person
and u between records of two people; the level's weight is log2(m / u), a missing value weighs
nothing, and a pair's match weight is the prior's weight plus the sum of its levels' weights. The
probability that the pair is one person is 2^w / (1 + 2^w). u is measured on random pairs of
stored records (nearly all of which are two people), so a landline shared by a household or an
office, which random pairs share more often, weighs less than a mobile; m and the prior are
estimated without labels by expectation-maximisation over candidate pairs, as Splink does.
Pure: no ORM, no Django; a pair is given as the tuple of its levels.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from customers.comparisons import COMPARISONS, LEVELS, MISSING

# No probability is let to reach 0 or 1: a level never seen in a sample would weigh infinitely.
_FLOOR = 1e-15
# Added to each level's count when u is read off random pairs: a level never seen among a
# million random pairs gets about one in two million, not zero.
_SMOOTHING = 0.5

Parameters = dict[str, dict[str, tuple[float, float]]]


@dataclass(frozen=True, slots=True)
class Contribution:
    comparison: str
    level: str
    weight: float


@dataclass(frozen=True)
class MatchWeights:
    """A fitted model: m and u per comparison level, the prior, and the two thresholds."""

    version: int
    prior: float  # probability that two compared records are one person, before any evidence
    parameters: Parameters  # comparison -> level -> (m, u)
    link_probability: float
    review_probability: float
    # Contradictions (customers.matching) keep records apart whatever the weights say; off, they
    # only weigh: for data without twins and namesakes, such as the FEBRL benchmark.
    hard_stops: bool = True
    _weights: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Rounded, so that the weights stored with a decision add up exactly to its total.
        self._weights.update(
            {
                (comparison, level): round(math.log2(max(m, _FLOOR) / max(u, _FLOOR)), 4)
                for comparison, levels in self.parameters.items()
                for level, (m, u) in levels.items()
            }
        )

    @property
    def rule(self) -> str:
        """The name stored as a link's rule."""
        return f"fellegi_sunter_v{self.version}"

    @property
    def prior_weight(self) -> float:
        return round(math.log2(self.prior / (1 - self.prior)), 4)

    def weight(self, comparison: str, level: str) -> float:
        if level == MISSING:
            return 0.0
        return self._weights.get((comparison, level), 0.0)

    def contributions(self, levels: tuple[str, ...]) -> tuple[Contribution, ...]:
        return tuple(
            Contribution(comparison, level, self.weight(comparison, level))
            for comparison, level in zip(COMPARISONS, levels, strict=True)
        )

    def as_json(self) -> dict:
        return {
            "version": self.version,
            "prior": self.prior,
            "link_probability": self.link_probability,
            "review_probability": self.review_probability,
            "hard_stops": self.hard_stops,
            "parameters": {
                comparison: {level: {"m": m, "u": u} for level, (m, u) in levels.items()}
                for comparison, levels in self.parameters.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping, *, version: int | None = None) -> MatchWeights:
        return cls(
            version=data["version"] if version is None else version,
            prior=data["prior"],
            link_probability=data["link_probability"],
            review_probability=data["review_probability"],
            hard_stops=data.get("hard_stops", True),
            parameters={
                comparison: {level: (p["m"], p["u"]) for level, p in levels.items()}
                for comparison, levels in data["parameters"].items()
            },
        )


def probability(match_weight: float) -> float:
    """2^w / (1 + 2^w), without overflow for large weights."""
    if match_weight >= 0:
        return 1 / (1 + 2.0**-match_weight)
    odds = 2.0**match_weight
    return odds / (1 + odds)


def match_weight(weights: MatchWeights, levels: tuple[str, ...]) -> float:
    return weights.prior_weight + sum(c.weight for c in weights.contributions(levels))


# --- estimation -----------------------------------------------------------------------------

Patterns = Mapping[tuple[str, ...], int]
Distributions = dict[str, dict[str, float]]


def level_frequencies(
    patterns: Patterns, *, comparisons: tuple[str, ...] = COMPARISONS
) -> Distributions:
    """Each comparison's level distribution over the pairs where it is not missing, smoothed:
    u when the pairs are random pairs."""
    counts: dict[str, Counter] = {comparison: Counter() for comparison in comparisons}
    for levels, count in patterns.items():
        for comparison, level in zip(comparisons, levels, strict=True):
            if level != MISSING:
                counts[comparison][level] += count
    frequencies: Distributions = {}
    for comparison in comparisons:
        known = LEVELS[comparison]
        total = sum(counts[comparison].values()) + _SMOOTHING * len(known)
        frequencies[comparison] = {
            level: (counts[comparison][level] + _SMOOTHING) / total for level in known
        }
    return frequencies


@dataclass(frozen=True)
class Estimate:
    m: Distributions
    u: Distributions
    prior: float  # the share of the pairs given that are matches
    iterations: int
    converged: bool


def _likelihood(distributions: Distributions, comparisons, levels) -> float:
    product = 1.0
    for comparison, level in zip(comparisons, levels, strict=True):
        if level != MISSING:
            product *= distributions[comparison][level]
    return product


def expectation_maximisation(
    patterns: Patterns,
    *,
    m: Distributions,
    u: Distributions,
    prior: float,
    estimate_m: Iterable[str] | None = None,
    estimate_u: bool = False,
    comparisons: tuple[str, ...] = COMPARISONS,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
) -> Estimate:
    """Fit m (for the comparisons in `estimate_m`, all by default), the share of matches, and
    u when `estimate_u`, to pairs given as {levels: count}, from the starting values given.

    The comparisons a set of candidate pairs was chosen by agree in almost every pair, match or
    not, so their m must be estimated on pairs chosen otherwise (leave them out of
    `estimate_m`); u is best measured on random pairs and kept fixed.
    """
    to_estimate = set(comparisons if estimate_m is None else estimate_m)
    m = {c: dict(levels) for c, levels in m.items()}
    u = {c: dict(levels) for c, levels in u.items()}
    items = [(levels, count) for levels, count in patterns.items() if count]
    total = sum(count for _, count in items)
    iterations, converged = 0, False
    while iterations < max_iterations and total:
        iterations += 1
        m_counts = {c: Counter() for c in comparisons}
        u_counts = {c: Counter() for c in comparisons}
        expected_matches = 0.0
        for levels, count in items:
            as_match = prior * _likelihood(m, comparisons, levels)
            as_non_match = (1 - prior) * _likelihood(u, comparisons, levels)
            share = as_match / (as_match + as_non_match) if as_match + as_non_match else 0.0
            expected_matches += share * count
            for comparison, level in zip(comparisons, levels, strict=True):
                if level != MISSING:
                    m_counts[comparison][level] += share * count
                    u_counts[comparison][level] += (1 - share) * count
        change = 0.0
        for comparison in comparisons:
            updates = [(m, m_counts)] if comparison in to_estimate else []
            if estimate_u:
                updates.append((u, u_counts))
            for distributions, counts in updates:
                fitted = _normalised(counts[comparison], LEVELS[comparison])
                if fitted is None:
                    continue
                for level, value in fitted.items():
                    change = max(change, abs(value - distributions[comparison][level]))
                distributions[comparison] = fitted
        new_prior = min(max(expected_matches / total, _FLOOR), 1 - _FLOOR)
        change = max(change, abs(new_prior - prior))
        prior = new_prior
        if change < tolerance:
            converged = True
            break
    return Estimate(m=m, u=u, prior=prior, iterations=iterations, converged=converged)


# Expected pairs added to each level in an M-step: a level no pair showed (no swapped birth
# dates in the data) gets a small probability, not a weight of minus thirty.
_PSEUDO_PAIRS = 1.0


def _normalised(counts: Counter, levels: tuple[str, ...]) -> dict[str, float] | None:
    total = sum(counts[level] for level in levels)
    if total <= 0:
        return None
    total += _PSEUDO_PAIRS * len(levels)
    values = {level: max((counts[level] + _PSEUDO_PAIRS) / total, _FLOOR) for level in levels}
    scale = sum(values.values())
    return {level: value / scale for level, value in values.items()}


def parameters_of(m: Distributions, u: Distributions) -> Parameters:
    return {
        comparison: {level: (m[comparison][level], u[comparison][level]) for level in levels}
        for comparison, levels in LEVELS.items()
    }
