"""Months of demo history for the demo customers: calls on both desks, ATM incidents and loan
requests, so customer pages and reports have something to show. Deterministic for a seed."""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from contacts.models import (
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    Contact,
    ContactNote,
    ContactState,
    Desk,
    Queue,
    WrapUpCode,
)
from customers.documents import mark_stale

DEMO_SOURCE = "demo-history"
TOKYO = ZoneInfo("Asia/Tokyo")
HISTORY_DAYS = 120
QUEUE_DESKS = {
    "loans": Desk.CONTACT_CENTER,
    "repayment": Desk.CONTACT_CENTER,
    "limit": Desk.CONTACT_CENTER,
    "atm": Desk.SERVICE_CENTER,
    "cards": Desk.SERVICE_CENTER,
}
NOTES = {
    Desk.CONTACT_CENTER: [
        "返済日の変更について相談。来月から25日払いを希望。",
        "増額の希望あり。収入証明の提出を案内。",
        "新規借入の申込内容を確認。審査結果は後日連絡。",
        "Asked about early repayment; explained the procedure.",
    ],
    Desk.SERVICE_CENTER: [
        "新宿駅前ATMでカードが戻らず。カード再発行を手配。",
        "出金時に現金が出なかった。調査後に返金予定と案内。",
        "入金額の相違。ATM記録を確認中。",
        "Card reader error at the ATM; engineer dispatched.",
    ],
}
ATM_INCIDENTS = [
    (CaseKind.CARD_RETAINED, "ATM-{atm:04d} カード取り込み / card retained"),
    (CaseKind.CASH_NOT_DISPENSED, "ATM-{atm:04d} 現金未払出 / cash not dispensed"),
    (CaseKind.DEPOSIT_MISMATCH, "ATM-{atm:04d} 入金相違 / deposit mismatch"),
]


def _office_hours_time(rng: random.Random, day) -> datetime:
    start = datetime.combine(day, time(9, 0), tzinfo=TOKYO)
    return start + timedelta(seconds=rng.randrange(9 * 3600))


@transaction.atomic
def create_demo_history(*, customers: list, agents_by_desk: dict, rng: random.Random) -> int:
    """Contacts, notes and cases for these customers; nothing if the history exists already."""
    if Contact.objects.filter(source=DEMO_SOURCE).exists():
        return 0
    queues = {queue.name: queue for queue in Queue.objects.all()}
    codes = {}
    for code in WrapUpCode.objects.all():
        codes.setdefault(code.desk, []).append(code)
    today = timezone.localdate()
    contacts, notes, cases = [], [], []
    for number, customer in enumerate(customers):
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
            queue_name = rng.choice(list(QUEUE_DESKS))
            desk = QUEUE_DESKS[queue_name]
            agents = agents_by_desk.get(desk) or []
            offered = _office_hours_time(rng, today - timedelta(days=rng.randrange(HISTORY_DAYS)))
            abandoned = rng.random() < 0.06
            answered = None if abandoned else offered + timedelta(seconds=rng.uniform(3, 60))
            ended = (answered or offered) + timedelta(seconds=rng.uniform(30, 600))
            contact = Contact(
                channel=Channel.PHONE,
                source=DEMO_SOURCE,
                call_id=f"demo-{number}-{len(contacts)}",
                queue=queues[queue_name],
                desk=desk,
                caller_number=(customer.phones[0] if customer.phones else ""),
                customer=customer,
                identified_at_offer=rng.random() < 0.8,
                agent=None if abandoned or not agents else rng.choice(agents),
                state=ContactState.ABANDONED if abandoned else ContactState.WRAPPED_UP,
                offered_at=offered,
                answered_at=answered,
                ended_at=ended,
                wrapped_up_at=None
                if abandoned
                else ended + timedelta(seconds=rng.uniform(10, 120)),
                hold_seconds=0 if abandoned or rng.random() < 0.7 else rng.uniform(10, 90),
                wrap_up_code=None if abandoned else rng.choice(codes[desk]),
            )
            contacts.append(contact)
            if contact.agent and rng.random() < 0.5:
                notes.append(
                    ContactNote(contact=contact, author=contact.agent, text=rng.choice(NOTES[desk]))
                )
        if rng.random() < 0.08:
            kind, subject = rng.choice(ATM_INCIDENTS)
            opened = _office_hours_time(rng, today - timedelta(days=rng.randrange(10)))
            cases.append(
                Case(
                    customer=customer,
                    kind=kind,
                    owner_desk=Desk.SERVICE_CENTER,
                    subject=subject.format(atm=rng.randrange(1, 2000)),
                    status=rng.choice([CaseStatus.OPEN, CaseStatus.IN_PROGRESS]),
                    opened_at=opened,
                    due_at=opened + timedelta(days=3),
                )
            )
        if rng.random() < 0.1:
            opened = _office_hours_time(rng, today - timedelta(days=rng.randrange(60)))
            cases.append(
                Case(
                    customer=customer,
                    kind=rng.choice([CaseKind.LOAN_APPLICATION, CaseKind.LIMIT_INCREASE]),
                    owner_desk=Desk.CONTACT_CENTER,
                    subject="ローン申込 / loan request",
                    status=rng.choice([CaseStatus.OPEN, CaseStatus.CLOSED]),
                    opened_at=opened,
                    due_at=opened + timedelta(days=7),
                )
            )
    Contact.objects.bulk_create(contacts)
    ContactNote.objects.bulk_create(notes)
    Case.objects.bulk_create(cases)
    mark_stale(customer_ids={row.customer_id for row in (*contacts, *cases)})
    return len(contacts)
