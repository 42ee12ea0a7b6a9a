"""A Celery worker killed with `kill -9` in the middle of webhook deliveries: another worker takes
over what it held (the task is acknowledged only once done), and every delivery is made once,
recorded delivered once; only a send the kill cut off mid-request goes again, under the same
delivery id. Our own redis-server as the broker, real worker processes, a local receiver."""

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis as redis_client
from celery import Celery

from console.integrations.clients import create_api_client
from console.integrations.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from tests.faults.services import running_redis
from tests.live_server import PROJECT, database_url

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERIES = 24
# Each answer takes this long, so that the kill lands while deliveries are under way.
RECEIVER_DELAY_S = 0.1


class Receiver:
    """A webhook receiver that notes the `X-Console-Delivery` id of every request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(self.headers["X-Console-Delivery"])
                time.sleep(RECEIVER_DELAY_S)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


WORKER = [sys.executable, "-m", "celery", "-A", "console", "worker", "--pool=solo"]


def start_worker(broker_url: str, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *WORKER,
            "--hostname",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=PROJECT,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            "CELERY_BROKER_URL": broker_url,
            # What a dead worker held goes back to the queue after this long (1 h in production).
            "CELERY_VISIBILITY_TIMEOUT_S": "3",
            "WEBHOOK_ALLOW_HTTP": "true",
            "WEBHOOK_ALLOW_PRIVATE": "true",
            "DEBUG": "true",
            "ENV_FILE": os.devnull,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill_hard(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_worker_killed_mid_delivery_loses_and_doubles_nothing():
    receiver = Receiver()
    client = create_api_client(name="crm", scopes=["webhooks", "read"]).client
    subscription = WebhookSubscription.objects.create(
        client=client, url=receiver.url, event_types=["contact.ended"], secret="s" * 64
    )
    deliveries = [
        WebhookDelivery.objects.create(
            subscription=subscription, event_type="contact.ended", payload={"n": n}
        )
        for n in range(DELIVERIES)
    ]
    with running_redis() as redis:
        producer = Celery(broker=redis.url)
        for delivery in deliveries:
            producer.send_task("console.deliver_webhook", args=[delivery.pk])
        first = start_worker(redis.url, "first")
        second = None
        try:
            wait_until(lambda: len(receiver.requests) >= 5, 60, "the first worker never sent")
            kill_hard(first)
            killed_after = len(receiver.requests)
            second = start_worker(redis.url, "second")
            wait_until(
                lambda: not WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).exists(),
                90,
                "deliveries left pending",
            )
            sent_once = list(receiver.requests)
            # Queued again, as the beat's re-send of overdue deliveries may: nothing goes twice.
            for delivery in deliveries:
                producer.send_task("console.deliver_webhook", args=[delivery.pk])
            broker = redis_client.Redis(port=redis.port)
            wait_until(
                lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0,
                30,
                "the repeats were never taken",
            )
            # Nothing must happen now, and no condition says that nothing will: a short window
            # for a repeat that was taken to reach the receiver if it were (wrongly) sent.
            time.sleep(0.5)
        finally:
            for worker in (first, second):
                if worker is not None and worker.poll() is None:
                    kill_hard(worker)
        producer.close()

    assert killed_after < DELIVERIES, "the kill came after the last delivery: nothing was tested"
    ids = {str(delivery.event_id) for delivery in deliveries}
    assert set(sent_once) == ids  # none lost
    # At most the one the kill cut off mid-send went again, with its own id, so the receiver
    # knows it for a repeat; queued again once delivered, none was sent.
    assert len(sent_once) - len(ids) <= 1
    assert receiver.requests == sent_once
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == DELIVERIES
    for delivery in deliveries:
        assert WebhookAttempt.objects.filter(delivery=delivery, status_code=200).count() == 1
