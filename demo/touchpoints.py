"""The demo's other channels and follow-ups: touchpoints on every channel (web, app, branch,
LINE, e-mail, SMS, chat), the follow-up rules and templates, consent for many customers, and
follow-ups already sent after past calls, some answered, so the timeline, the screen pop's "since
the last call" and the satisfaction report have something to show. Deterministic for a seed;
nothing is added twice."""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from console.follow_ups.models import (
    ChannelConsent,
    FollowUp,
    FollowUpChannel,
    FollowUpRule,
    FollowUpStatus,
    MessageTemplate,
    Survey,
    Trigger,
)
from console.follow_ups.sending import FOLLOW_UP_SOURCE
from contacts.handle_time import TOKYO, tokyo_today
from contacts.models import TOUCHPOINT_CHANNELS, Channel, Contact, Desk, Direction, WrapUpCode
from contacts.touchpoints import TouchpointRecord, record_touchpoints

TOUCHPOINT_DAYS = 14
# (source, direction, Japanese / English subject) per channel
TOUCHPOINTS = {
    Channel.WEB: (
        "web_member",
        Direction.INBOUND,
        [
            "会員ページで返済予定を確認 / Checked repayments on the member page",
            "住所変更の申請 / Changed address online",
        ],
    ),
    Channel.APP: (
        "member_app",
        Direction.INBOUND,
        [
            "アプリで増枠を申込 / Applied for a limit increase in the app",
            "アプリで返済日を変更 / Changed the repayment date in the app",
        ],
    ),
    Channel.BRANCH: (
        "branch",
        Direction.INBOUND,
        [
            "店頭で本人確認書類を提出 / ID documents at the branch",
            "窓口で返済相談 / Repayment consultation at the counter",
        ],
    ),
    Channel.LINE: (
        "line",
        Direction.INBOUND,
        ["LINEで利用残高を照会 / Balance enquiry on LINE", "LINEで問い合わせ / Question on LINE"],
    ),
    Channel.EMAIL: (
        "mail_gateway",
        Direction.INBOUND,
        [
            "メールで書類について質問 / E-mail about documents",
            "メールで明細の再送依頼 / Asked to resend a statement",
        ],
    ),
    Channel.SMS: (
        "sms_gateway",
        Direction.OUTBOUND,
        [
            "返済日のお知らせSMS / Repayment reminder SMS",
            "本人確認コードを送信 / Verification code sent",
        ],
    ),
    Channel.CHAT: (
        "web_chat",
        Direction.INBOUND,
        [
            "チャットで審査状況を確認 / Asked about the review by chat",
            "チャットでATMの場所を質問 / Asked for ATM locations by chat",
        ],
    ),
}

TEMPLATES = [
    {
        "code": "card_reissued",
        "subject_ja": "カード再発行のご案内",
        "body_ja": "{{ customer_name }}様\n\nお待たせいたしました。{{ case_subject }}の件、"
        "新しいカードを発送いたしました。",
        "subject_en": "Your new card is on its way",
        "body_en": "Dear {{ customer_name }},\n\nas promised ({{ case_subject }}), "
        "your new card has been sent.",
    },
    {
        "code": "repayment_plan",
        "subject_ja": "返済計画のご確認",
        "body_ja": "{{ customer_name }}様\n\n本日ご相談いただいた返済計画です: {{ disposition }}",
        "subject_en": "Your repayment plan",
        "body_en": "Dear {{ customer_name }},\n\n"
        "the repayment plan we agreed today: {{ disposition }}",
    },
    {
        "code": "satisfaction_survey",
        "is_survey": True,
        "subject_ja": "アンケートのお願い",
        "body_ja": "{{ customer_name }}様\n\n本日の対応はいかがでしたか。"
        "1問だけのアンケートです: {{ survey_url }}",
        "subject_en": "How did we do?",
        "body_en": "Dear {{ customer_name }},\n\n"
        "how did we do today? One question: {{ survey_url }}",
    },
]


def _moment(rng: random.Random, days_ago: int) -> datetime:
    day = tokyo_today(timezone.now()) - timedelta(days=days_ago)
    return datetime.combine(day, time(9), tzinfo=TOKYO) + timedelta(
        seconds=rng.randrange(11 * 3600)
    )


def create_demo_touchpoints(*, customers: list, rng: random.Random) -> int:
    """About a third of the customers get one to four touchpoints in the last two weeks, and the
    first few one on every channel; stored once per (source, external_id), so a rerun adds
    nothing."""
    records = []
    for number, customer in enumerate(customers):
        channels = list(TOUCHPOINT_CHANNELS) if number < 3 else []
        if not channels and rng.random() < 0.33:
            channels = rng.sample(list(TOUCHPOINT_CHANNELS), rng.randint(1, 4))
        for channel in channels:
            source, direction, subjects = TOUCHPOINTS[channel]
            records.append(
                TouchpointRecord(
                    source=source,
                    external_id=f"demo-{customer.pk}-{channel}",
                    channel=channel,
                    direction=direction,
                    occurred_at=_moment(rng, rng.randrange(TOUCHPOINT_DAYS)),
                    subject=rng.choice(subjects),
                    customer_id=customer.pk,
                )
            )
    created = 0
    for start in range(0, len(records), 1000):
        created += sum(r.created for r in record_touchpoints(records=records[start : start + 1000]))
    return created


@transaction.atomic
def create_demo_follow_ups(*, customers: list, rng: random.Random) -> int:
    """Rules, templates and consent, and surveys already sent after recent calls with agents,
    about half of them answered. Returns the follow-ups added."""
    templates = {}
    for fields in TEMPLATES:
        templates[fields["code"]], _ = MessageTemplate.objects.get_or_create(
            code=fields["code"], defaults=fields
        )
    rules = [
        (Desk.SERVICE_CENTER, "card_reissue", Trigger.CASE_CLOSED, "card_reissued"),
        (Desk.CONTACT_CENTER, "repayment_plan", Trigger.WRAPPED_UP, "repayment_plan"),
        (Desk.SERVICE_CENTER, None, Trigger.CASE_CLOSED, "satisfaction_survey"),
        (Desk.CONTACT_CENTER, None, Trigger.WRAPPED_UP, "satisfaction_survey"),
    ]
    by_code = {(code.desk, code.code): code for code in WrapUpCode.objects.all()}
    survey_rules = {}
    for desk, code, trigger, template in rules:
        rule, _ = FollowUpRule.objects.get_or_create(
            desk=desk,
            wrap_up_code=by_code.get((desk, code)) if code else None,
            trigger=trigger,
            template=templates[template],
            defaults={"channel": FollowUpChannel.EMAIL},
        )
        if templates[template].is_survey:
            survey_rules[desk] = rule
    for customer in customers:
        if rng.random() < 0.7 and customer.emails:
            ChannelConsent.objects.get_or_create(
                customer=customer,
                channel=FollowUpChannel.EMAIL,
                defaults={"opted_in": rng.random() < 0.9, "address": customer.emails[0]},
            )
    if FollowUp.objects.filter(planned_for__startswith="demo:").exists():
        return 0
    since = timezone.now() - timedelta(days=30)
    recent = (
        Contact.objects.select_related("customer")
        .filter(
            channel=Channel.PHONE,
            agent__isnull=False,
            customer__isnull=False,
            offered_at__gte=since,
        )
        .exclude(wrapped_up_at=None)
        .order_by("offered_at", "pk")
    )
    follow_ups, surveys, sent_days = [], [], set()
    for contact in recent:
        sent_at = contact.wrapped_up_at + timedelta(minutes=30)
        day = tokyo_today(sent_at)
        if rng.random() > 0.4 or (contact.customer_id, day) in sent_days:
            continue
        sent_days.add((contact.customer_id, day))
        follow_up = FollowUp(
            rule=survey_rules[contact.desk],
            planned_for=f"demo:{contact.pk}",
            customer_id=contact.customer_id,
            contact=contact,
            status=FollowUpStatus.SENT,
            due_at=sent_at,
            attempts=1,
            sent_at=sent_at,
            sent_on=day,
        )
        follow_ups.append(follow_up)
        answered = rng.random() < 0.55
        surveys.append(
            Survey(
                follow_up=follow_up,
                offered_at=sent_at,
                answered_at=sent_at + timedelta(hours=rng.uniform(0.2, 20)) if answered else None,
                score=rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 8, 7])[0]
                if answered
                else None,
                comment=rng.choice(
                    ["", "", "丁寧な対応でした。", "待ち時間が長かった。", "Quick and clear."]
                )
                if answered
                else "",
            )
        )
    FollowUp.objects.bulk_create(follow_ups)
    Survey.objects.bulk_create(surveys)
    # Each message sent is on the customer's timeline, as the sender records it.
    subject = templates["satisfaction_survey"].subject_ja
    record_touchpoints(
        records=[
            TouchpointRecord(
                source=FOLLOW_UP_SOURCE,
                external_id=str(follow_up.pk),
                channel=Channel.EMAIL,
                direction=Direction.OUTBOUND,
                occurred_at=follow_up.sent_at,
                subject=subject,
                desk=follow_up.rule.desk,
                customer_id=follow_up.contact.customer_id,
            )
            for follow_up in follow_ups
        ]
    )
    return len(follow_ups)
