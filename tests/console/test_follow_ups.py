"""Follow-ups after a contact: planned in the write's transaction and sent by a Celery task after
commit, exactly once however often the task runs; by e-mail to a real SMTP server (aiosmtpd) and
by LINE push to a local stand-in of the Messaging API; never without consent, never in quiet
hours, at most one a day; each message a contact on the timeline; replies and bounces back as
interactions."""

import base64
import hashlib
import hmac
import json
import threading
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from linebot.v3.messaging import PushMessageRequest, TextMessage

from console.follow_ups.models import (
    ChannelConsent,
    FollowUp,
    FollowUpRule,
    FollowUpStatus,
    MessageTemplate,
    Trigger,
)
from console.follow_ups.rules import plan_after_wrap_up
from console.follow_ups.sending import due_follow_up_ids, send_follow_up
from console.follow_ups.tasks import send_follow_up_task
from console.service_desk.cases import close_case
from contacts.models import (
    Case,
    CaseKind,
    Channel,
    Contact,
    ContactState,
    Desk,
    Touchpoint,
    WrapUpCode,
)
from contacts.timeline import customer_timeline
from customers.documents import announce_stale
from customers.models import Customer
from customers.resolution import ingest_source_records
from tests.live_server import free_port

TOKYO = ZoneInfo("Asia/Tokyo")
TARO = {"external_id": "A-77", "customer_number": "C0012345", "name": "山田 太郎"}


def tokyo(hour: int, minute: int = 0, *, days_ahead: int = 1) -> datetime:
    day = timezone.now().astimezone(TOKYO).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO)


@pytest.fixture
def taro(db) -> Customer:
    outcome = ingest_source_records(system="loan_cc", records=[TARO])
    return Customer.objects.get(pk=outcome.results[0].customer_id)


@pytest.fixture
def promised(db) -> WrapUpCode:
    return WrapUpCode.objects.create(
        desk=Desk.SERVICE_CENTER, code="card_reissue_promised", label_ja="再発行を約束"
    )


def reissue_case(customer, wrap_up: WrapUpCode) -> Case:
    case = Case.objects.create(
        customer=customer,
        kind=CaseKind.CARD_REISSUE,
        owner_desk=Desk.SERVICE_CENTER,
        subject="カード再発行",
        opened_at=timezone.now(),
    )
    Contact.objects.create(
        channel=Channel.PHONE,
        source="pbx",
        desk=Desk.SERVICE_CENTER,
        customer=customer,
        state=ContactState.WRAPPED_UP,
        offered_at=timezone.now(),
        wrap_up_code=wrap_up,
        case=case,
    )
    return case


def rule(channel: str, wrap_up=None, trigger=Trigger.CASE_CLOSED, code="reissued") -> FollowUpRule:
    template = MessageTemplate.objects.create(
        code=code,
        subject_ja="{{ case_subject }}のお知らせ",
        body_ja="{{ customer_name }}様、{{ case_subject }}が完了しました。",
        subject_en="About your {{ case_subject }}",
        body_en="Dear {{ customer_name }}, your {{ case_subject }} is done.",
    )
    return FollowUpRule.objects.create(
        desk=Desk.SERVICE_CENTER,
        wrap_up_code=wrap_up,
        trigger=trigger,
        template=template,
        channel=channel,
    )


def consent(customer, channel="email", opted_in=True, address="taro@example.jp", language="ja"):
    return ChannelConsent.objects.create(
        customer=customer, channel=channel, opted_in=opted_in, address=address, language=language
    )


def close(case: Case, django_capture_on_commit_callbacks) -> FollowUp | None:
    with django_capture_on_commit_callbacks(execute=False) as queued:
        close_case(case_id=case.pk, resolution="新しいカードを発送しました")
    assert FollowUp.objects.filter(case=case).count() <= 1
    follow_up = FollowUp.objects.filter(case=case).first()
    # Queued on commit, not before: the send task is among what runs once the close commits
    # (beside the customer's 360 document being built again).
    sends = [callback for callback in queued if getattr(callback, "func", None) != announce_stale]
    assert (follow_up is not None) == bool(sends)
    return follow_up


@pytest.fixture
def smtp_server(settings):
    class Keep:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):
            self.envelopes.append(envelope)
            return "250 Message accepted"

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


@pytest.mark.django_db
def test_a_closed_case_sends_exactly_one_mail_even_when_the_task_runs_twice(
    taro, promised, smtp_server, django_capture_on_commit_callbacks
):
    rule("email", wrap_up=promised)
    consent(taro)
    follow_up = close(reissue_case(taro, promised), django_capture_on_commit_callbacks)
    assert smtp_server.envelopes == []

    at = tokyo(10).isoformat()
    first = send_follow_up_task.apply(args=[str(follow_up.pk), at]).get()
    again = send_follow_up_task.apply(args=[str(follow_up.pk), at]).get()

    assert (first, again) == ("sent", "already_sent")
    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == ["taro@example.jp"]
    text = envelope.content.decode()
    assert f"follow-up-{follow_up.pk}@" in text
    sent = [c for c in customer_timeline(customer_ids=[taro.pk]) if c.channel == Channel.EMAIL]
    assert len(sent) == 1 and sent[0].disposition == "カード再発行のお知らせ"
    assert Touchpoint.objects.get(contact=sent[0]).direction == "outbound"


@pytest.mark.django_db
def test_a_rule_for_another_wrap_up_code_sends_nothing(
    taro, promised, mailoutbox, django_capture_on_commit_callbacks
):
    other = WrapUpCode.objects.create(desk=Desk.SERVICE_CENTER, code="other", label_ja="other")
    rule("email", wrap_up=other)
    consent(taro)

    assert close(reissue_case(taro, promised), django_capture_on_commit_callbacks) is None


@pytest.mark.django_db
def test_an_opted_out_customer_is_never_sent_anything(
    taro, promised, mailoutbox, django_capture_on_commit_callbacks
):
    rule("email", wrap_up=promised)
    consent(taro, opted_in=False)
    follow_up = close(reissue_case(taro, promised), django_capture_on_commit_callbacks)

    outcomes = [
        send_follow_up(follow_up_id=follow_up.pk, now=tokyo(10, days_ahead=d)).status
        for d in (1, 2)
    ]

    assert outcomes == ["not_sent", "already_not_sent"]
    assert mailoutbox == []
    assert due_follow_up_ids(now=tokyo(12, days_ahead=3)) == []
    assert not Contact.objects.filter(channel=Channel.EMAIL).exists()


@pytest.mark.django_db
def test_a_closing_at_half_past_ten_at_night_waits_for_eight_in_the_morning(
    taro, promised, mailoutbox, django_capture_on_commit_callbacks
):
    rule("email", wrap_up=promised)
    consent(taro)
    follow_up = close(reissue_case(taro, promised), django_capture_on_commit_callbacks)

    outcome = send_follow_up(follow_up_id=follow_up.pk, now=tokyo(22, 30))

    assert outcome.status == "quiet_hours"
    assert outcome.due_at == tokyo(8, days_ahead=2)
    assert mailoutbox == []
    assert due_follow_up_ids(now=tokyo(7, 59, days_ahead=2)) == []
    assert (
        send_follow_up(follow_up_id=follow_up.pk, now=tokyo(7, 59, days_ahead=2)).status
        == "not_due"
    )
    assert mailoutbox == []

    assert due_follow_up_ids(now=tokyo(8, days_ahead=2)) == [follow_up.pk]
    assert send_follow_up(follow_up_id=follow_up.pk, now=tokyo(8, days_ahead=2)).status == "sent"
    assert len(mailoutbox) == 1 and mailoutbox[0].subject == "カード再発行のお知らせ"


@pytest.mark.django_db
def test_at_most_one_follow_up_a_customer_a_day(
    taro, promised, mailoutbox, django_capture_on_commit_callbacks
):
    rule("email", wrap_up=promised)
    consent(taro, language="en")
    first = close(reissue_case(taro, promised), django_capture_on_commit_callbacks)
    second = close(reissue_case(taro, promised), django_capture_on_commit_callbacks)

    assert send_follow_up(follow_up_id=first.pk, now=tokyo(10)).status == "sent"
    held = send_follow_up(follow_up_id=second.pk, now=tokyo(11))

    assert held.status == "one_a_day" and held.due_at == tokyo(8, days_ahead=2)
    assert len(mailoutbox) == 1 and mailoutbox[0].subject == "About your カード再発行"
    assert send_follow_up(follow_up_id=second.pk, now=tokyo(8, days_ahead=2)).status == "sent"
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_wrap_up_rule_plans_once_per_contact(taro, promised):
    rule("email", wrap_up=promised, trigger=Trigger.WRAPPED_UP)
    contact = Contact.objects.filter(case=reissue_case(taro, promised)).get()

    plan_after_wrap_up(contact=contact)
    plan_after_wrap_up(contact=contact)

    assert FollowUp.objects.filter(contact=contact).count() == 1


class LineStandIn(BaseHTTPRequestHandler):
    """Answers as the Messaging API's push does and keeps what it was sent."""

    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, dict(self.headers), json.loads(body)))
        answer = json.dumps({"sentMessages": [{"id": "1", "quoteToken": "q"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def line_api(settings):
    LineStandIn.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), LineStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LINE_API_HOST = f"http://127.0.0.1:{server.server_port}"
    settings.LINE_CHANNEL_ACCESS_TOKEN = "channel-token"
    yield LineStandIn.received
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.django_db
def test_a_line_push_is_built_as_the_sdk_does_and_sent_once(
    taro, promised, line_api, django_capture_on_commit_callbacks
):
    rule("line", wrap_up=promised)
    consent(taro, channel="line", address="U4af4980629")
    follow_up = close(reissue_case(taro, promised), django_capture_on_commit_callbacks)

    send_follow_up_task.apply(args=[str(follow_up.pk), tokyo(10).isoformat()])
    send_follow_up_task.apply(args=[str(follow_up.pk), tokyo(10).isoformat()])

    assert len(line_api) == 1
    path, headers, body = line_api[0]
    assert path == "/v2/bot/message/push"
    assert headers["Authorization"] == "Bearer channel-token"
    assert headers["X-Line-Retry-Key"] == str(follow_up.pk)
    expected = PushMessageRequest(
        to="U4af4980629",
        messages=[
            TextMessage(text="カード再発行のお知らせ\n\n山田 太郎様、カード再発行が完了しました。")
        ],
    )
    assert body == json.loads(expected.to_json())
    assert Contact.objects.filter(channel=Channel.LINE, customer=taro).count() == 1


def line_signature(body: bytes, secret: str) -> str:
    """As LINE signs a webhook: base64 of the HMAC-SHA256 of the body with the channel secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def line_reply(text: str, user_id="U4af4980629", event_id="01HRPLY") -> bytes:
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": int(timezone.now().timestamp() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "reply-token",
        "message": {"type": "text", "id": "4441", "quoteToken": "q", "text": text},
    }
    return json.dumps({"destination": "Ubot", "events": [event]}).encode()


@pytest.mark.django_db
def test_a_signed_line_reply_becomes_an_interaction_on_the_timeline(taro, client, settings):
    settings.LINE_CHANNEL_SECRET = "channel-secret"
    consent(taro, channel="line", address="U4af4980629")
    body = line_reply("ありがとうございました")

    for _ in range(2):  # LINE redelivers: still one touchpoint
        response = client.post(
            "/api/v1/line/webhook",
            body,
            content_type="application/json",
            HTTP_X_LINE_SIGNATURE=line_signature(body, "channel-secret"),
        )
        assert response.status_code == 200, response.content

    reply = Touchpoint.objects.select_related("contact").get()
    assert (reply.contact.customer, reply.contact.channel, reply.direction) == (
        taro,
        "line",
        "inbound",
    )
    assert reply.body == "ありがとうございました"


@pytest.mark.django_db
def test_a_line_webhook_with_a_wrong_signature_is_refused_and_stores_nothing(client, settings):
    settings.LINE_CHANNEL_SECRET = "channel-secret"
    body = line_reply("hello")

    response = client.post(
        "/api/v1/line/webhook",
        body,
        content_type="application/json",
        HTTP_X_LINE_SIGNATURE=line_signature(body, "another-secret"),
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"]
    assert not Touchpoint.objects.exists()


@pytest.mark.django_db
def test_a_bounce_comes_back_as_an_interaction_naming_only_the_message(
    taro, promised, mailoutbox, client_with_scopes, django_capture_on_commit_callbacks
):
    rule("email", wrap_up=promised)
    consent(taro)
    follow_up = close(reissue_case(taro, promised), django_capture_on_commit_callbacks)
    send_follow_up(follow_up_id=follow_up.pk, now=tokyo(10))

    response = client_with_scopes("interactions").post(
        "/api/v1/interactions",
        {
            "source": "mail_gateway",
            "external_id": "bounce-1",
            "channel": "email",
            "direction": "inbound",
            "occurred_at": tokyo(10, 5).isoformat(),
            "subject": "Undelivered Mail Returned to Sender",
            "in_reply_to": str(follow_up.pk),
            "bounced": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["customer_id"] == str(taro.pk)
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.BOUNCED
