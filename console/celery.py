"""The Celery app (workers and beat load it) and the one way the product queues a task."""

import os
import threading

from celery import Celery
from django.conf import settings
from django.db import connection, transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args) -> None:
    """Queue a task once the current transaction commits, so it never acts on a rolled-back row.
    In-process tasks (the embedded default, no broker) run in a thread of their own: run inline,
    they would hold up the request that queued them."""
    transaction.on_commit(lambda: _enqueue(task, args))


def _enqueue(task, args: tuple) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        threading.Thread(target=_run_in_process, args=(task, args), daemon=True).start()
    else:
        task.apply_async(args)


def _run_in_process(task, args: tuple) -> None:
    try:
        task.apply(args)
    finally:
        connection.close()
