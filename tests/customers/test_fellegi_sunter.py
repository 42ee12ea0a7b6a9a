"""The Fellegi-Sunter model: weights from m and u, and their estimation without labels."""

import math
import random
from collections import Counter

import pytest

from customers.comparisons import LEVELS, MISSING
from customers.fellegi_sunter import (
    MatchWeights,
    expectation_maximisation,
    level_frequencies,
    match_weight,
    parameters_of,
    probability,
)

COMPARED = ("name", "birth_date", "mobile", "address")

# What a generated population is made of: the m and u of each level, and the share of matches.
TRUE_M = {
    "name": {
        "exact": 0.8,
        "close": 0.1,
        "given_only": 0.03,
        "family_only": 0.01,
        "partial": 0.03,
        "different": 0.03,
    },
    "birth_date": {"exact": 0.9, "typo": 0.05, "swapped": 0.02, "different": 0.03},
    "mobile": {"exact": 0.7, "different": 0.3},
    "address": {
        "exact": 0.6,
        "close": 0.15,
        "nearby": 0.05,
        "postal_only": 0.05,
        "different": 0.15,
    },
}
TRUE_U = {
    "name": {
        "exact": 0.02,
        "close": 0.05,
        "given_only": 0.02,
        "family_only": 0.01,
        "partial": 0.05,
        "different": 0.85,
    },
    "birth_date": {"exact": 0.03, "typo": 0.05, "swapped": 0.01, "different": 0.91},
    "mobile": {"exact": 0.01, "different": 0.99},
    "address": {
        "exact": 0.02,
        "close": 0.03,
        "nearby": 0.02,
        "postal_only": 0.08,
        "different": 0.85,
    },
}
TRUE_PRIOR = 0.25
MISSING_SHARE = 0.1


def draw(distribution: dict, rng: random.Random) -> str:
    if rng.random() < MISSING_SHARE:
        return MISSING
    levels, weights = zip(*distribution.items(), strict=True)
    return rng.choices(levels, weights)[0]


def generated_pairs(count: int, *, seed: int = 7) -> Counter:
    rng = random.Random(seed)
    pairs = Counter()
    for _ in range(count):
        truth = TRUE_M if rng.random() < TRUE_PRIOR else TRUE_U
        pairs[tuple(draw(truth[c], rng) for c in COMPARED)] += 1
    return pairs


def uniform(comparison: str) -> dict:
    levels = LEVELS[comparison]
    return {level: 1 / len(levels) for level in levels}


def leaning_to_agreement(comparison: str) -> dict:
    """A neutral start: the first (strongest) level likelier among matches."""
    levels = LEVELS[comparison]
    rest = 0.4 / (len(levels) - 1)
    return {level: 0.6 if i == 0 else rest for i, level in enumerate(levels)}


def test_expectation_maximisation_recovers_known_m_u_and_prior():
    pairs = generated_pairs(40_000)

    estimate = expectation_maximisation(
        pairs,
        m={c: leaning_to_agreement(c) for c in COMPARED},
        u={c: uniform(c) for c in COMPARED},
        prior=0.5,
        estimate_u=True,
        comparisons=COMPARED,
    )

    assert estimate.converged
    assert estimate.prior == pytest.approx(TRUE_PRIOR, abs=0.02)
    for comparison in COMPARED:
        for level in LEVELS[comparison]:
            assert estimate.m[comparison][level] == pytest.approx(
                TRUE_M[comparison][level], abs=0.03
            ), (comparison, level)
            assert estimate.u[comparison][level] == pytest.approx(
                TRUE_U[comparison][level], abs=0.03
            ), (comparison, level)


def test_expectation_maximisation_with_u_fixed_estimates_only_the_m_asked_for():
    pairs = generated_pairs(20_000, seed=11)
    start_m = {c: leaning_to_agreement(c) for c in COMPARED}

    estimate = expectation_maximisation(
        pairs, m=start_m, u=TRUE_U, prior=0.5, estimate_m=["name", "mobile"], comparisons=COMPARED
    )

    assert estimate.u == TRUE_U
    assert estimate.m["birth_date"] == start_m["birth_date"]
    assert estimate.m["name"]["exact"] == pytest.approx(TRUE_M["name"]["exact"], abs=0.05)
    assert estimate.m["mobile"]["exact"] == pytest.approx(TRUE_M["mobile"]["exact"], abs=0.05)


def test_u_from_random_pairs_is_each_levels_share_where_it_is_known():
    # 1,000 random pairs: a landline shared by a household shows up, a mobile almost never.
    pairs = Counter(
        {
            ("different", "different", "different", "different"): 980,
            ("different", "different", MISSING, "exact"): 20,
        }
    )

    u = level_frequencies(pairs, comparisons=COMPARED)

    assert u["address"]["exact"] == pytest.approx(20.5 / 1002.5, rel=1e-9)
    assert u["mobile"]["exact"] == pytest.approx(0.5 / 981, rel=1e-9)
    assert sum(u["name"].values()) == pytest.approx(1)


def test_weights_are_log_ratios_and_missing_weighs_nothing():
    weights = MatchWeights(
        version=3,
        prior=1 / 1025,
        parameters=parameters_of(
            TRUE_M | {c: uniform(c) for c in LEVELS if c not in TRUE_M},
            TRUE_U | {c: uniform(c) for c in LEVELS if c not in TRUE_U},
        ),
        link_probability=0.99,
        review_probability=0.1,
    )

    assert weights.weight("mobile", "exact") == pytest.approx(math.log2(0.7 / 0.01), abs=1e-4)
    assert weights.weight("mobile", MISSING) == 0
    assert weights.prior_weight == pytest.approx(-10)
    assert weights.rule == "fellegi_sunter_v3"
    levels = ("missing", "exact", "exact", "missing", "exact", "missing", "missing", "missing")
    expected = -10 + math.log2(0.8 / 0.02) + math.log2(0.9 / 0.03) + math.log2(0.7 / 0.01)
    assert match_weight(weights, levels) == pytest.approx(expected, abs=1e-3)
    assert MatchWeights.from_json(weights.as_json()) == weights


def test_probability_is_two_to_the_weight_over_one_plus_it():
    assert probability(0) == 0.5
    assert probability(math.log2(99)) == pytest.approx(0.99)
    assert probability(-2000) == 0.0
    assert probability(2000) == 1.0
