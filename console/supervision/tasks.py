"""Periodic tasks of the wallboard and the reports (beat: console/settings.py). Each one re-reads
what it needs and is safe to run twice, late, or on two workers at once (acks_late)."""

from datetime import date

from celery import shared_task

from console.supervision.live_figures import forget_old_live_figures
from console.supervision.rollups import roll_up_days, roll_up_recent_days


@shared_task(name="console.roll_up_recent_days", acks_late=True)
def roll_up_recent_days_task() -> list[str]:
    return [outcome.day.isoformat() for outcome in roll_up_recent_days()]


@shared_task(name="console.roll_up_days", acks_late=True)
def roll_up_days_task(days: list[str]) -> list[str]:
    outcomes = roll_up_days(days=[date.fromisoformat(day) for day in days])
    return [outcome.day.isoformat() for outcome in outcomes]


@shared_task(name="console.forget_old_live_figures", acks_late=True)
def forget_old_live_figures_task() -> int:
    return forget_old_live_figures()
