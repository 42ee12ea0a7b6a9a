"""Fit the matcher's weights to the stored source records: `manage.py train_matcher`.

Stores them as a new model version (who, when, on how many records); new links use it, earlier
links keep the version that made them.
"""

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from customers.match_models import DEFAULT_TRAINING_RECORDS, train_and_store_weights


class Command(BaseCommand):
    help = (
        "Estimate the Fellegi-Sunter weights (u from random pairs, m by expectation-maximisation "
        "over candidate pairs) on the stored source records and store them as a new version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-records",
            type=int,
            default=DEFAULT_TRAINING_RECORDS,
            help=f"train on a random sample of at most this many records "
            f"(default {DEFAULT_TRAINING_RECORDS:,})",
        )
        parser.add_argument(
            "--random-pairs",
            type=int,
            default=200_000,
            help="random pairs compared to measure u (default 200,000)",
        )
        parser.add_argument(
            "--by", default="", help="who trains it, as recorded with the version (default: you)"
        )

    def handle(self, *args, max_records: int, random_pairs: int, by: str, **options):
        if max_records < 2 or random_pairs < 1:
            raise CommandError("--max-records must be at least 2 and --random-pairs at least 1.")
        bars: dict[str, tqdm] = {}
        # The bars go to stderr itself: Django's wrapper would end each update with a new line.
        stream = options.get("stderr") or sys.stderr

        def progress(stage: str, done: int) -> None:
            if stage not in bars:
                for bar in bars.values():
                    bar.close()
                bars[stage] = tqdm(desc=stage, unit=" pairs", file=stream, mininterval=0.5)
            bars[stage].update(done)

        model = train_and_store_weights(
            trained_by=by or _login_name(),
            max_records=max_records,
            random_pairs=random_pairs,
            progress=progress,
        )
        for bar in bars.values():
            bar.close()
        self.stdout.write(
            f"Stored match model v{model.version}: {model.record_count:,} records, "
            f"{model.pair_count:,} pairs compared. {model.notes}"
        )


def _login_name() -> str:
    try:
        return f"{getpass.getuser()} (train_matcher)"
    except (KeyError, OSError):
        return "train_matcher"
