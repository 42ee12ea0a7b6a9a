"""The queues and wrap-up codes every installation starts with; made (never overwritten) after
each `migrate`, so that a new one reaches existing installations too."""

from contacts.models import Desk, Queue, WrapUpCode

DEFAULT_QUEUES = [
    ("loans", "ローン申込 / Loan applications", Desk.CONTACT_CENTER),
    ("repayment", "返済相談 / Repayment consultations", Desk.CONTACT_CENTER),
    ("limit", "限度額増額 / Credit-limit increases", Desk.CONTACT_CENTER),
    ("atm", "ATM トラブル / ATM trouble", Desk.SERVICE_CENTER),
    ("cards", "カード / Cards", Desk.SERVICE_CENTER),
]
DEFAULT_WRAP_UP_CODES = [
    (Desk.CONTACT_CENTER, "loan_applied", "申込受付 / Application taken"),
    (Desk.CONTACT_CENTER, "repayment_plan", "返済計画を案内 / Repayment plan agreed"),
    (Desk.CONTACT_CENTER, "limit_reviewed", "増額審査へ / Limit increase sent to review"),
    (Desk.CONTACT_CENTER, "information", "案内のみ / Information only"),
    (Desk.SERVICE_CENTER, "card_reissue", "カード再発行 / Card reissued"),
    (Desk.SERVICE_CENTER, "cash_refund", "返金手続 / Refund arranged"),
    (Desk.SERVICE_CENTER, "engineer_dispatched", "保守手配 / Engineer dispatched"),
    (Desk.SERVICE_CENTER, "information", "案内のみ / Information only"),
]


def ensure_defaults(**kwargs) -> None:
    for name, label, desk in DEFAULT_QUEUES:
        Queue.objects.get_or_create(name=name, defaults={"label": label, "desk": desk})
    for desk, code, label in DEFAULT_WRAP_UP_CODES:
        WrapUpCode.objects.get_or_create(desk=desk, code=code, defaults={"label": label})
