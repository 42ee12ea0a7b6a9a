"""The Celery app (workers and beat load it) and the one way the product queues a task."""

import os
import threading

from celery import Celery
from django.conf import settings
from django.db import connection, transaction
from kombu.exceptions import OperationalError as KombuOperationalError

from console.redis_cache import REDIS_ERRORS, Outage

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args) -> None:
    """Queue a task once the current transaction commits, so it never acts on a rolled-back row.
    In-process tasks (the embedded default, no broker) run in a thread of their own: run inline,
    they would hold up the request that queued them."""
    transaction.on_commit(lambda: _enqueue(task, args))


broker_outage = Outage("Celery broker")


def _enqueue(task, args: tuple) -> None:
    """A task that cannot be queued (the broker is down) is left to the beat task that finds
    what is overdue (webhook deliveries are rows in the database): the request that committed
    the change is not failed for it."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        threading.Thread(target=_run_in_process, args=(task, args), daemon=True).start()
        return
    if broker_outage.skipping():
        return
    try:
        task.apply_async(args)
    except (KombuOperationalError, *REDIS_ERRORS) as error:
        broker_outage.failed(error)
        return
    broker_outage.succeeded()


def _run_in_process(task, args: tuple) -> None:
    try:
        task.apply(args)
    finally:
        connection.close()
