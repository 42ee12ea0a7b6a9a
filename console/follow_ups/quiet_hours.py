"""When a message may reach a customer: never between 21:00 and 08:00 Japan time (a lender's
message at night reads as a dunning call), and at most one follow-up a Japan day. Pure rules."""

from datetime import datetime, time, timedelta

from contacts.handle_time import TOKYO

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)


def next_allowed_moment(now: datetime) -> datetime:
    """`now` if it is outside quiet hours, else the next 08:00 in Tokyo."""
    local = now.astimezone(TOKYO)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return now
    morning_day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(morning_day, QUIET_UNTIL, tzinfo=TOKYO)


def next_morning(now: datetime) -> datetime:
    """08:00 in Tokyo on the day after `now`'s Japan date: a customer who had a message today."""
    tomorrow = now.astimezone(TOKYO).date() + timedelta(days=1)
    return datetime.combine(tomorrow, QUIET_UNTIL, tzinfo=TOKYO)
