"""Queue settings a supervisor may change."""

from django.db import transaction

from contacts.models import Queue

# A threshold of 0 would make every call late; an hour is far beyond any sensible target.
SERVICE_LEVEL_SECONDS_RANGE = (1, 3600)


class QueueSettingError(ValueError):
    """A setting out of range; the message says which."""


@transaction.atomic
def set_service_level_thresholds(*, thresholds: dict[str, int]) -> list[Queue]:
    """Set each named queue's service-level threshold (answered within this many seconds).
    Changes the figures from now on: calls already counted live keep the threshold they were
    counted with until the day's rollup counts them again."""
    low, high = SERVICE_LEVEL_SECONDS_RANGE
    queues = {
        queue.name: queue for queue in Queue.objects.select_for_update().filter(name__in=thresholds)
    }
    changed = []
    for name, seconds in thresholds.items():
        if name not in queues:
            raise QueueSettingError(f"No queue {name!r}.")
        if not low <= seconds <= high:
            raise QueueSettingError(f"{name}: the threshold must be {low} to {high} seconds.")
        queue = queues[name]
        if queue.service_level_seconds != seconds:
            queue.service_level_seconds = seconds
            queue.save(update_fields=["service_level_seconds"])
            changed.append(queue)
    return changed
