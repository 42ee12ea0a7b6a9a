"""The matcher's weights as the database keeps them, and the source systems' declared
identifiers.

The newest MatchModel version decides new links. A fresh install has the shipped defaults
(customers/default_match_weights.json) as version 1, made by a migration: set by hand, not
fitted, and checked against bench/ingest.py's generated records and the trap tests. `manage.py
train_matcher` adds versions fitted on the stored records (customers.training). A batch asks
for the newest version number once (one short query) and parses the weights only when it
changed.
"""

import json
import random
import threading
from functools import cache
from pathlib import Path

from customers.fellegi_sunter import MatchWeights
from customers.models import MatchModel, SourceRecord, SourceSystem
from customers.normalization import MatchKeys
from customers.training import Progress, train_match_weights

DEFAULT_WEIGHTS_FILE = Path(__file__).with_name("default_match_weights.json")
DEFAULT_VERSION = 1


@cache
def default_weights_json() -> dict:
    return json.loads(DEFAULT_WEIGHTS_FILE.read_text())


def default_weights() -> MatchWeights:
    return MatchWeights.from_json(default_weights_json(), version=DEFAULT_VERSION)


_parsed: dict[tuple, MatchWeights] = {}
_parsed_lock = threading.Lock()


def match_model_version(rule: str) -> int | None:
    """The model version a link's rule names ("fellegi_sunter_v3" → 3), or None."""
    prefix = "fellegi_sunter_v"
    if rule and rule.startswith(prefix) and rule[len(prefix) :].isdigit():
        return int(rule[len(prefix) :])
    return None


def current_weights() -> MatchWeights:
    """The newest model's weights; the shipped defaults while none is stored."""
    # By version and time: a version number can come again after a rolled-back training.
    newest = MatchModel.objects.order_by("-version").values_list("version", "created_at").first()
    if newest is None:
        return default_weights()
    with _parsed_lock:
        if newest not in _parsed:
            parameters = MatchModel.objects.get(version=newest[0]).parameters
            _parsed[newest] = MatchWeights.from_json(parameters, version=newest[0])
        return _parsed[newest]


def save_weights(
    *, weights: MatchWeights, record_count: int, pair_count: int, trained_by=None, notes: str = ""
) -> MatchModel:
    """Store fitted weights as the next version."""
    newest = MatchModel.objects.order_by("-version").values_list("version", flat=True).first()
    version = (newest or 0) + 1
    stored = MatchWeights.from_json(weights.as_json(), version=version)
    return MatchModel.objects.create(
        version=version,
        parameters=stored.as_json(),
        record_count=record_count,
        pair_count=pair_count,
        trained_by=trained_by if getattr(trained_by, "pk", None) else None,
        trained_by_name=str(trained_by or ""),
        notes=notes,
    )


def identifier_attributes(system: str) -> tuple[str, ...]:
    """The `attributes` keys the system declared identifiers (none for an unknown system)."""
    declared = (
        SourceSystem.objects.filter(code=system).values_list("identifier_attributes", flat=True)
    ).first()
    return tuple(str(name) for name in declared or () if name)


# Enough records for every level to be seen many times, few enough to fit in a few minutes.
DEFAULT_TRAINING_RECORDS = 200_000
_READ_CHUNK = 5_000


def stored_match_keys(*, max_records: int, seed: int = 2026) -> list[MatchKeys]:
    """The match keys of the stored records, or of a random sample of `max_records` of them."""
    pks = list(SourceRecord.objects.order_by("pk").values_list("pk", flat=True))
    if len(pks) > max_records:
        pks = sorted(random.Random(seed).sample(pks, max_records))
    keys: list[MatchKeys] = []
    for start in range(0, len(pks), _READ_CHUNK):
        chunk = pks[start : start + _READ_CHUNK]
        rows = SourceRecord.objects.filter(pk__in=chunk).values_list("match_keys", flat=True)
        keys.extend(MatchKeys.from_dict(row) for row in rows)
    return keys


def train_and_store_weights(
    *,
    trained_by=None,
    max_records: int = DEFAULT_TRAINING_RECORDS,
    random_pairs: int = 200_000,
    progress: Progress | None = None,
) -> MatchModel:
    """Fit the weights to the stored records and store them as the next version. Links made
    before keep the version that made them; only new decisions use the new one."""
    records = stored_match_keys(max_records=max_records)
    result = train_match_weights(
        records,
        start=current_weights(),
        random_pair_count=random_pairs,
        **({"progress": progress} if progress else {}),
    )
    return save_weights(
        weights=result.weights,
        record_count=result.record_count,
        pair_count=result.pair_count,
        trained_by=trained_by,
        notes=(
            f"{result.candidate_pairs} candidate pairs, about {result.expected_matches:.0f} "
            "matches expected among them."
        ),
    )
