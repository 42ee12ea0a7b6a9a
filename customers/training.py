"""Fitting the matcher's weights to the stored source records, without labels.

As Splink does it: u from random pairs of records (nearly all are two people, so u is how often
a level happens by chance: a landline shared by a household or a switchboard is seen more often
than a mobile, and weighs less); m by expectation-maximisation over candidate pairs, in two
rounds so that no comparison's m is estimated on pairs chosen for agreeing on it (pairs sharing
a name with the birth date give the m of phones, e-mail, address, gender and identifiers; pairs
sharing a phone, an e-mail, an identifier or the address give the m of the name (and of the birth
date), and pairs sharing only the birth date that of the name too); and the
prior from the matches EM expects among the candidate pairs, over all pairs of records.
`manage.py train_matcher` reads the records and stores the result as a new version.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from customers.comparisons import COMPARISONS, LEVELS, compare_records
from customers.fellegi_sunter import (
    MatchWeights,
    expectation_maximisation,
    level_frequencies,
    parameters_of,
)
from customers.normalization import LOOKUP_ONLY_KEYS, MatchKeys, blocking_keys

# Blocks of more records than this are a switchboard or a common name: resolution skips them
# (customers.resolution.MAX_BLOCK_CUSTOMERS), and so does training.
MAX_BLOCK_RECORDS = 50
NAME_BLOCKS = ("nb:", "kb:", "gn:", "gk:", "fk:", "kp:", "lb:", "lp:")
CONTACT_BLOCKS = ("num:", "id:", "tel:", "mail:")
# Keys for training only, for data without phones or e-mails (the name's m must be estimated on
# pairs not chosen by their names): the birth date alone, the address alone.
BIRTH_BLOCK, ADDRESS_BLOCK = "tb:", "ta:"
ROUNDS = (
    (NAME_BLOCKS, ("identifier", "gender", "mobile", "landline", "email", "address")),
    ((*CONTACT_BLOCKS, BIRTH_BLOCK, ADDRESS_BLOCK), ("name",)),
    ((*CONTACT_BLOCKS, ADDRESS_BLOCK), ("birth_date",)),
)

Progress = Callable[[str, int], None]  # (stage, how many more done)


@dataclass(frozen=True)
class TrainingResult:
    weights: MatchWeights
    record_count: int
    pair_count: int  # random pairs and candidate pairs compared
    candidate_pairs: int
    expected_matches: float


def _no_progress(stage: str, done: int) -> None:
    return None


def _patterns(pairs, records: Sequence[MatchKeys], progress: Progress, stage: str) -> Counter:
    patterns: Counter = Counter()
    for i, j in pairs:
        patterns[compare_records(records[i], records[j]).levels] += 1
        progress(stage, 1)
    return patterns


def random_pairs(count: int, population: int, rng: random.Random) -> list[tuple[int, int]]:
    pairs = []
    while len(pairs) < count and population > 1:
        i, j = rng.randrange(population), rng.randrange(population)
        if i != j:
            pairs.append((i, j))
    return pairs


def candidate_pairs(records: Sequence[MatchKeys]) -> dict[tuple[int, int], set[str]]:
    """Pairs of records sharing a blocking key, with the kinds of key they share."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, keys in enumerate(records):
        for block in blocking_keys(keys):
            if not block.startswith(LOOKUP_ONLY_KEYS):
                blocks[block].append(index)
        if keys.birth_date:
            blocks[BIRTH_BLOCK + keys.birth_date].append(index)
        if keys.address:
            blocks[ADDRESS_BLOCK + keys.address].append(index)
    pairs: dict[tuple[int, int], set[str]] = defaultdict(set)
    for block, members in blocks.items():
        if len(members) < 2 or len(members) > MAX_BLOCK_RECORDS:
            continue
        kind = block[: block.index(":") + 1]
        for position, i in enumerate(members):
            for j in members[position + 1 :]:
                pairs[(i, j)].add(kind)
    return pairs


def _measured_u(random_patterns: Counter, *, start: MatchWeights, all_pairs: float) -> dict:
    """u of each level from random pairs. A level never seen among them is taken as rare as one
    pair among all the records' pairs; a comparison the records never fill in on both sides
    (no e-mails in the data) keeps the starting u: there is nothing to measure."""
    u = level_frequencies(random_patterns)
    never_seen = 1 / max(all_pairs, 1)
    seen: dict[str, Counter] = {comparison: Counter() for comparison in COMPARISONS}
    for levels, count in random_patterns.items():
        for comparison, level in zip(COMPARISONS, levels, strict=True):
            seen[comparison][level] += count
    for comparison, levels in u.items():
        if not any(seen[comparison][level] for level in levels):
            u[comparison] = {level: start.parameters[comparison][level][1] for level in levels}
            continue
        for level in levels:
            if not seen[comparison][level]:
                levels[level] = min(levels[level], never_seen)
    return u


def train_match_weights(
    records: Sequence[MatchKeys],
    *,
    start: MatchWeights,
    random_pair_count: int = 200_000,
    seed: int = 2026,
    progress: Progress = _no_progress,
) -> TrainingResult:
    """Weights fitted to `records`, starting from `start` (whose thresholds are kept, and whose
    values stand for any level the records give no evidence on)."""
    rng = random.Random(seed)
    population = len(records)
    all_pairs = population * (population - 1) / 2
    sampled = random_pairs(min(random_pair_count, int(all_pairs)), population, rng)
    random_patterns = _patterns(sampled, records, progress, "random pairs")
    u = _measured_u(random_patterns, start=start, all_pairs=all_pairs)
    start_m = {c: {level: start.parameters[c][level][0] for level in LEVELS[c]} for c in LEVELS}

    candidates = candidate_pairs(records)
    levels_of = {}
    for i, j in candidates:
        levels_of[(i, j)] = compare_records(records[i], records[j]).levels
        progress("candidate pairs", 1)
    m = start_m
    for kinds, estimated in ROUNDS:
        patterns = Counter(
            levels_of[pair] for pair, shared in candidates.items() if shared & set(kinds)
        )
        if patterns:
            fitted = expectation_maximisation(patterns, m=m, u=u, prior=0.5, estimate_m=estimated)
            m = fitted.m

    # The matches EM expects among every candidate pair, over all pairs: the prior.
    everything = Counter(levels_of.values())
    expected = 0.0
    if everything:
        final = expectation_maximisation(
            everything, m=m, u=u, prior=0.5, estimate_m=(), max_iterations=50
        )
        expected = final.prior * sum(everything.values())
    prior = min(max(expected, 1.0) / max(all_pairs, 1), 0.5)
    weights = MatchWeights(
        version=start.version,
        prior=prior,
        parameters=parameters_of(m, u),
        link_probability=start.link_probability,
        review_probability=start.review_probability,
        hard_stops=start.hard_stops,
    )
    return TrainingResult(
        weights=weights,
        record_count=population,
        pair_count=len(sampled) + len(candidates),
        candidate_pairs=len(candidates),
        expected_matches=expected,
    )
