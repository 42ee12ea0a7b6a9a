"""Outbound webhooks: signed, retried with backoff, visible with their attempts, never blocking
the request that caused them. The receiver is a real local HTTP server (the outside world)."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from console.integrations.clients import revoke_api_clients
from console.integrations.models import (
    ApiClient,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from console.integrations.webhook_delivery import (
    MAX_ATTEMPTS,
    attempt_delivery,
    overdue_deliveries,
    retry_delay_s,
)
from tests.factories import api_key

pytestmark = pytest.mark.django_db


class Receiver:
    """A local webhook receiver answering with the given statuses in turn (then 200)."""

    def __init__(self, statuses=(), hang=False):
        self.statuses = list(statuses)
        self.received: list[tuple[dict, bytes]] = []
        self.hang = threading.Event() if hang else None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                if receiver.hang is not None:
                    receiver.hang.wait(10)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        if self.hang is not None:
            self.hang.set()
        self.server.shutdown()


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    """The receivers here listen on this machine over http, which only tests allow."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver_factory():
    made = []

    def make(**kwargs) -> Receiver:
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def subscribe(api, url: str, events=("case.created",)) -> dict:
    response = api.post(
        "/api/v1/webhooks", {"url": url, "event_types": list(events)}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def report_incident(api, incident_id="INC-1"):
    return api.post(
        "/api/v1/atm/incidents",
        {
            "incident_id": incident_id,
            "type": "device_error",
            "atm_id": "ATM-7",
            "occurred_at": timezone.now().isoformat(),
        },
        format="json",
    )


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        threading.Event().wait(0.05)


@pytest.fixture
def celery_worker_when_brokered(settings):
    """With Redis as the broker, deliveries are Celery tasks: a real worker takes them."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield
        return
    from celery.contrib.testing.worker import start_worker

    from console.celery import app

    with start_worker(app, perform_ping_check=False, pool="solo"):
        yield


@pytest.mark.django_db(transaction=True)
def test_delivery_is_signed_with_the_subscriptions_secret(
    client_with_scopes, receiver_factory, celery_worker_when_brokered
):
    receiver = receiver_factory()
    api = client_with_scopes("atm", "webhooks")
    secret = subscribe(api, receiver.url)["secret"]

    report_incident(api)
    wait_for(lambda: receiver.received)

    headers, body = receiver.received[0]
    timestamp, signature = (
        part.split("=", 1)[1] for part in headers["X-Console-Signature"].split(",")
    )
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert json.loads(body)["type"] == "case.created"
    assert json.loads(body)["data"]["external_id"] == "INC-1"
    wait_for(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED)


def make_delivery(url: str) -> WebhookDelivery:

    api_key(scopes=["webhooks", "read"], name="integrator")
    subscription = WebhookSubscription.objects.create(
        client=ApiClient.objects.get(name="integrator"),
        url=url,
        event_types=["case.created"],
        secret="s" * 64,
    )
    return WebhookDelivery.objects.create(
        subscription=subscription, event_type="case.created", payload={"x": 1}
    )


def test_a_receiver_that_fails_then_succeeds_gets_it_on_retry(receiver_factory):
    receiver = receiver_factory(statuses=[500, 503])
    delivery = make_delivery(receiver.url)

    for _ in range(3):
        attempt_delivery(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 200]
    assert attempt_delivery(delivery.pk) is None  # delivered: a late retry changes nothing
    assert len(receiver.received) == 3


def test_retries_back_off_and_stay_under_the_brokers_visibility_timeout():
    delays = [retry_delay_s(n) for n in range(1, MAX_ATTEMPTS + 1)]

    assert delays == sorted(delays)
    assert delays[0] == 10
    assert max(delays) <= 30 * 60


def test_a_receiver_that_never_answers_fails_for_good_after_the_last_attempt(
    receiver_factory, settings
):
    settings.WEBHOOK_TIMEOUT_S = 0.2
    receiver = receiver_factory(hang=True)
    delivery = make_delivery(receiver.url)

    for _ in range(MAX_ATTEMPTS + 2):
        attempt_delivery(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert all(a.status_code is None and a.error for a in delivery.attempt_log.all())


@pytest.mark.django_db(transaction=True)
def test_a_slow_receiver_does_not_hold_up_the_request(
    client_with_scopes, receiver_factory, celery_worker_when_brokered
):
    receiver = receiver_factory(hang=True)
    api = client_with_scopes("atm", "webhooks")
    subscribe(api, receiver.url)

    response = report_incident(api)

    # The answer came while the receiver still holds the delivery open.
    assert response.status_code == 201
    wait_for(lambda: receiver.received)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    receiver.hang.set()


def test_subscriptions_need_known_event_types(client_with_scopes):
    api = client_with_scopes("webhooks")

    response = api.post(
        "/api/v1/webhooks", {"url": "http://x.example/h", "event_types": ["nope"]}, format="json"
    )

    assert response.status_code == 400
    assert not WebhookSubscription.objects.exists()


def test_deliveries_and_their_attempts_are_visible_in_the_admin(
    client, admin_user, receiver_factory
):
    receiver = receiver_factory(statuses=[500])
    delivery = make_delivery(receiver.url)
    attempt_delivery(delivery.pk)
    client.force_login(admin_user)

    page = client.get(f"/admin/console/webhookdelivery/{delivery.pk}/change/")

    assert page.status_code == 200
    assert "500" in page.content.decode()


def revoke(clients):
    revoke_api_clients(clients=clients)


def withdraw_webhooks_scope(clients):
    # As an administrator does by editing the client's scopes in the admin.
    clients.update(scopes=["read"])


ways_to_lose_webhooks = pytest.mark.parametrize(
    "withdraw", [revoke, withdraw_webhooks_scope], ids=["revoked", "webhooks_scope_withdrawn"]
)


@ways_to_lose_webhooks
def test_a_client_that_may_no_longer_receive_webhooks_gets_no_new_deliveries(
    client_with_scopes, withdraw
):
    withdrawn = subscribe(client_with_scopes("webhooks", "read"), "http://withdrawn.example/hook")
    kept = subscribe(client_with_scopes("webhooks", "read"), "http://kept.example/hook")
    withdraw(ApiClient.objects.filter(webhooks=withdrawn["id"]))

    assert report_incident(client_with_scopes("atm")).status_code == 201

    assert [d.subscription_id for d in WebhookDelivery.objects.all()] == [kept["id"]]


@ways_to_lose_webhooks
def test_a_queued_delivery_is_cancelled_unsent_once_the_client_may_no_longer_receive_it(
    receiver_factory, withdraw
):
    receiver = receiver_factory(statuses=[500])
    delivery = make_delivery(receiver.url)
    attempt_delivery(delivery.pk)  # the receiver fails: a retry is due

    withdraw(ApiClient.objects.filter(name="integrator"))
    attempt_delivery(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED
    assert len(receiver.received) == 1
    assert [a.status_code for a in delivery.attempt_log.all()] == [500]
    assert len(overdue_deliveries(now=timezone.now() + timedelta(days=1))) == 0
