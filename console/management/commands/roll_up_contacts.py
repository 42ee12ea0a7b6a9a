"""Roll up days of contacts for the reports: `manage.py roll_up_contacts [--days N]` for the last
N days up to today, or `--from 2026-01-01 --to 2026-03-31`. Safe to run again: each day is
written anew (console/rollups.py). Beat keeps today and yesterday current; this fills the past,
e.g. after loading history or for an installation that ran without beat."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from console.supervision.rollups import roll_up_days
from contacts.handle_time import tokyo_today

MAX_DAYS = 3 * 366


class Command(BaseCommand):
    help = "Roll up days of contacts for the handle-time reports."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=1, help="the last N days, today included")
        parser.add_argument("--from", dest="start", type=date.fromisoformat)
        parser.add_argument("--to", dest="end", type=date.fromisoformat)

    def handle(self, *args, days: int, start: date | None, end: date | None, **options):
        today = tokyo_today(timezone.now())
        if start or end:
            start, end = start or end, end or start
        else:
            if days < 1:
                raise CommandError("--days must be at least 1.")
            start, end = today - timedelta(days=days - 1), today
        if start > end:
            raise CommandError("--from must be on or before --to.")
        if (end - start).days + 1 > MAX_DAYS:
            raise CommandError(f"At most {MAX_DAYS} days at once.")
        outcomes = roll_up_days(
            days=[start + timedelta(days=n) for n in range((end - start).days + 1)]
        )
        contacts = sum(outcome.contacts for outcome in outcomes)
        self.stdout.write(
            f"Rolled up {len(outcomes)} days ({start} to {end}): {contacts} contacts."
        )
