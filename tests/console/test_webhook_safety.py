"""Webhooks go only by https to public addresses, checked again at every delivery, never follow
a redirect, carry only what the subscriber's key may read, and show their secret once."""

import json
import ssl
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone
from rest_framework.test import APIClient

from console.integrations.models import (
    ApiClient,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from console.integrations.webhook_delivery import attempt_delivery
from customers.merging import merge_customers
from customers.models import Customer
from customers.resolution import ingest_source_records
from tests.console.test_api_access import assert_error
from tests.console.test_webhooks import (  # noqa: F401 (fixtures)
    celery_worker_when_brokered,
    receiver_factory,
    wait_for,
)
from tests.factories import api_key

pytestmark = pytest.mark.django_db

HOOKS = "/api/v1/webhooks"


def subscribe(api, url: str, events=("case.created",)):
    return api.post(HOOKS, {"url": url, "event_types": list(events)}, format="json")


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",  # http, unless a setting allows it
        "ftp://hooks.example.com/in",
        "https://user:pass@93.184.215.14/in",
        "https://127.0.0.1/in",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost/in",
        "https://10.0.0.5/in",
        "https://172.16.0.1/in",
        "https://192.168.1.1/in",
        "https://100.64.0.1/in",
        "https://[::1]/in",
        "https://[::ffff:127.0.0.1]/in",
        "https://0.0.0.0/in",
        "https://93.184.215.14:99999/in",
    ],
)
def test_a_url_webhooks_may_not_go_to_is_refused(client_with_scopes, url):
    response = subscribe(client_with_scopes("webhooks"), url)

    error = assert_error(response, 400, "invalid")
    assert "url" in error["fields"]
    assert not WebhookSubscription.objects.exists()


def test_https_to_a_public_address_is_accepted_and_its_secret_shown_once(
    client_with_scopes, client, admin_user
):
    api = client_with_scopes("webhooks")

    created = subscribe(api, "https://93.184.215.14/in")
    listed = api.get(HOOKS)
    client.force_login(admin_user)
    subscription = WebhookSubscription.objects.get()
    in_admin = client.get(f"/admin/console/webhooksubscription/{subscription.pk}/change/")

    assert created.status_code == 201
    assert created.json()["secret"] == subscription.secret
    assert "secret" not in listed.json()[0]
    assert in_admin.status_code == 200
    assert subscription.secret not in in_admin.content.decode()


def test_http_is_accepted_only_where_the_setting_allows_it(client_with_scopes, settings):
    settings.WEBHOOK_ALLOW_HTTP = True

    assert subscribe(client_with_scopes("webhooks"), "http://93.184.215.14/in").status_code == 201


def delivery_to(url: str) -> WebhookDelivery:
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


def test_a_host_that_now_resolves_to_a_private_address_gets_nothing(
    receiver_factory,  # noqa: F811
    settings,
):
    # As after DNS rebinding: the name is resolved again at delivery, and it is this machine.
    settings.WEBHOOK_ALLOW_HTTP = True
    receiver = receiver_factory()
    port = receiver.server.server_address[1]
    delivery = delivery_to(f"http://localhost:{port}/hook")

    attempt_delivery(delivery.pk)

    delivery.refresh_from_db()
    assert receiver.received == []
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "not a public address" in delivery.attempt_log.get().error


class RedirectingReceiver:
    """Answers every POST with a redirect to `location`."""

    def __init__(self, location: str):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(307)
                self.send_header("Location", location)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    receiver_factory,  # noqa: F811
    settings,
):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE = True
    target = receiver_factory()
    redirecting = RedirectingReceiver(location=target.url)
    try:
        delivery = delivery_to(redirecting.url)

        attempt_delivery(delivery.pk)
    finally:
        redirecting.server.shutdown()

    delivery.refresh_from_db()
    assert len(redirecting.received) == 1
    assert target.received == []
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempt_log.get().status_code == 307


def integrator(name: str, *scopes: str, url: str):
    """A client with the webhooks scope and more, subscribed to cases and merges at `url`, with
    its own key."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(scopes=['webhooks', *scopes], name=name)}")
    WebhookSubscription.objects.create(
        client=ApiClient.objects.get(name=name),
        url=url,
        event_types=["case.created", "customer.merged"],
        secret="s" * 64,
    )
    return api


def heard(receiver) -> list[str]:
    return sorted(json.loads(body)["type"] for _, body in receiver.received)


@pytest.mark.django_db(transaction=True)
def test_each_subscriber_hears_only_what_its_key_may_read(
    receiver_factory,  # noqa: F811
    celery_worker_when_brokered,  # noqa: F811
    settings,
):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE = True  # local receivers
    makers, others, readers = receiver_factory(), receiver_factory(), receiver_factory()
    maker = integrator("ticketing-a", "tickets", url=makers.url)
    integrator("ticketing-b", "tickets", url=others.url)
    integrator("crm", "read", url=readers.url)

    made = maker.post(
        "/api/v1/tickets",
        {
            "external_id": "T-1",
            "kind": "card_reissue",
            "subject": "s",
            "opened_at": timezone.now().isoformat(),
        },
        format="json",
    )
    ingest_source_records(system="a", records=[{"external_id": "1", "name": "甲"}])
    ingest_source_records(system="b", records=[{"external_id": "2", "name": "乙"}])
    survivor, absorbed = Customer.objects.order_by("created_at")
    merge_customers(survivor=survivor, absorbed=absorbed, rule="steward")

    assert made.status_code == 201
    wait_for(lambda: len(readers.received) == 2 and len(makers.received) == 1)
    assert heard(makers) == ["case.created"]
    assert heard(readers) == ["case.created", "customer.merged"]
    assert heard(others) == []
    assert WebhookDelivery.objects.filter(subscription__client__name="ticketing-b").count() == 0


def self_signed_localhost(directory) -> tuple[str, str]:
    """A certificate for `localhost` and its key, as files: the receiver's, and the trust
    anchor the test gives the sender."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "localhost.pem", directory / "localhost.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def https_receiver(receiver_factory, tmp_path):  # noqa: F811
    cert, key = self_signed_localhost(tmp_path)
    receiver = receiver_factory()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    port = receiver.server.server_address[1]
    return receiver, f"https://localhost:{port}/hook", cert


def test_https_goes_to_the_checked_address_and_verifies_the_certificate(
    https_receiver, settings, monkeypatch
):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is this machine
    receiver, url, cert = https_receiver
    untrusted = delivery_to(url)

    attempt_delivery(untrusted.pk)  # the certificate is no one's the sender trusts
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    trusted = WebhookDelivery.objects.create(
        subscription=untrusted.subscription, event_type="case.created", payload={"x": 2}
    )
    attempt_delivery(trusted.pk)

    untrusted.refresh_from_db()
    trusted.refresh_from_db()
    assert untrusted.status == DeliveryStatus.PENDING
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.attempt_log.get().error
    assert trusted.status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 1
