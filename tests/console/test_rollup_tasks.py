"""The rollup tasks: the same figures when run twice, late, or twice at once; the right days
picked by beat's periodic run; old live rows forgotten."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict

from console.celery import app as celery_app
from console.supervision.live_figures import forget_old_live_figures
from console.supervision.models import (
    DailyContactRollup,
    HourlyContactRollup,
    LiveContactFigures,
    LiveQueueFigures,
    RolledUpDay,
)
from console.supervision.rollups import days_to_roll_up, roll_up_day, roll_up_days
from console.supervision.tasks import (
    forget_old_live_figures_task,
    roll_up_days_task,
    roll_up_recent_days_task,
)
from contacts.models import Contact, Queue
from tests.concurrency import run_at_once
from tests.console.scripted_day import NEXT_DAY, D, Player, at, set_up_people


def rollup_rows() -> list[tuple]:
    """Every rollup row without its id, in a stable order."""
    rows = []
    for model in (HourlyContactRollup, DailyContactRollup):
        for row in model.objects.all():
            fields = model_to_dict(row, exclude=["id"])
            rows.append((model.__name__, *sorted(fields.items())))
    return sorted(rows, key=repr)


@pytest.fixture
def player(client_with_scopes):
    set_up_people()
    return Player(cti=client_with_scopes("cti"))


@pytest.mark.django_db
def test_rolling_up_a_day_twice_gives_the_same_rows(player):
    player.play_all()

    first = roll_up_days_task.apply(kwargs={"days": [D.isoformat()]}).get()
    once = rollup_rows()
    second = roll_up_days_task.apply(kwargs={"days": [D.isoformat(), D.isoformat()]}).get()

    assert first == second == [D.isoformat()]
    assert rollup_rows() == once
    assert HourlyContactRollup.objects.filter(day=D).count() == 7  # hour × queue × agent
    assert sum(DailyContactRollup.objects.filter(day=D).values_list("contacts", flat=True)) == 8


@pytest.mark.django_db
def test_a_day_rolled_up_early_is_right_once_rolled_up_again(player):
    player.play_until(at(D, "10:00:25"))
    roll_up_day(day=D)
    early = DailyContactRollup.objects.filter(day=D)
    assert sum(row.contacts for row in early.filter(queue__name="loans")) == 3
    assert early.get(queue__name="repayment").handled == 0  # c4 is still talking

    player.play_all()
    roll_up_day(day=D)

    late = {
        (row.queue.name, row.agent.username if row.agent else None): row
        for row in DailyContactRollup.objects.select_related("queue", "agent")
    }
    assert late[("repayment", "agent002")].handled == 1
    assert late[("repayment", "agent002")].after_call_work_seconds == 60
    assert late[("loans", "agent001")].contacts == 4
    assert sum(row.contacts for row in late.values()) == 8


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_day_at_once_take_turns(player):
    player.play_all()
    roll_up_day(day=D)
    expected = rollup_rows()
    HourlyContactRollup.objects.all().delete()
    DailyContactRollup.objects.all().delete()

    run_at_once(lambda: roll_up_day(day=D), lambda: roll_up_day(day=D))

    assert rollup_rows() == expected


@pytest.mark.django_db
def test_beat_rolls_up_only_closed_days_once_their_late_calls_are_over():
    evening = at(D, "22:00:00")
    # Today is open (the reports sum it live); the two days before are closed.
    assert days_to_roll_up(now=evening) == [D - timedelta(days=2), D - timedelta(days=1)]
    roll_up_days(days=[D - timedelta(days=2), D - timedelta(days=1), D], now=evening)
    assert not RolledUpDay.objects.filter(day=D).exists()
    assert days_to_roll_up(now=evening) == []

    # D closes 30 minutes after its midnight, when the calls that crossed it are over.
    assert days_to_roll_up(now=at(NEXT_DAY, "00:10:00")) == []
    assert days_to_roll_up(now=at(NEXT_DAY, "00:40:00")) == [D]
    roll_up_days(days=[D], now=at(NEXT_DAY, "00:40:00"))
    assert days_to_roll_up(now=at(NEXT_DAY, "00:45:00")) == []


@pytest.mark.django_db
def test_the_periodic_task_rolls_up_the_recent_closed_days(player):
    player.play_all()

    days = roll_up_recent_days_task.apply().get()

    assert len(days) >= 1
    assert RolledUpDay.objects.filter(day__in=days, rolled_up_at__isnull=False).count() == len(days)


@pytest.mark.django_db
def test_beat_runs_the_rollup_and_cleanup_tasks():
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"console.roll_up_recent_days", "console.forget_old_live_figures"} <= scheduled
    assert {"console.roll_up_recent_days", "console.roll_up_days"} <= set(celery_app.tasks)


@pytest.mark.django_db
def test_live_rows_of_the_days_before_yesterday_are_forgotten(player):
    player.play_all()
    # Non-transactional test: the totals are moved on commit, so make them here.
    loans = Queue.objects.get(name="loans")
    LiveQueueFigures.objects.create(day=D, hour=9, queue=loans, offered=3)
    LiveQueueFigures.objects.create(day=NEXT_DAY, hour=0, queue=loans, offered=1)
    assert LiveContactFigures.objects.filter(day=D).exists()

    forgotten = forget_old_live_figures(now=at(NEXT_DAY + timedelta(days=1), "03:00:00"))

    assert forgotten > 0
    assert not LiveQueueFigures.objects.filter(day=D).exists()
    assert not LiveContactFigures.objects.filter(day=D).exists()
    assert LiveQueueFigures.objects.filter(day=NEXT_DAY).exists()
    assert Contact.objects.filter(offered_at__date=D).exists()  # contacts themselves stay
    assert forget_old_live_figures_task.apply().get() >= 0


@pytest.mark.django_db
def test_the_command_fills_past_days_and_refuses_a_backwards_range(player):
    player.play_all()
    out = io.StringIO()

    call_command("roll_up_contacts", "--from", str(D), "--to", str(NEXT_DAY), stdout=out)

    assert "Rolled up 2 days" in out.getvalue()
    assert RolledUpDay.objects.get(day=D).contacts == 8
    with pytest.raises(CommandError):
        call_command("roll_up_contacts", "--from", str(NEXT_DAY), "--to", str(D))
