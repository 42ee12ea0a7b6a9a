"""The queues and wrap-up codes every installation starts with, named in Japanese and English;
made (never overwritten) after each `migrate` and by `seed_demo`, so that a new one reaches
existing installations too."""

from contacts.models import Desk, Queue, WrapUpCode

DEFAULT_QUEUES = [
    ("loans", "ローン申込", "Loan applications", Desk.CONTACT_CENTER),
    ("repayment", "返済相談", "Repayment consultations", Desk.CONTACT_CENTER),
    ("limit", "限度額増額", "Credit-limit increases", Desk.CONTACT_CENTER),
    ("atm", "ATM トラブル", "ATM trouble", Desk.SERVICE_CENTER),
    ("cards", "カード", "Cards", Desk.SERVICE_CENTER),
]
DEFAULT_WRAP_UP_CODES = [
    (Desk.CONTACT_CENTER, "loan_applied", "申込受付", "Application taken"),
    (Desk.CONTACT_CENTER, "repayment_plan", "返済計画を案内", "Repayment plan agreed"),
    (Desk.CONTACT_CENTER, "limit_reviewed", "増額審査へ", "Limit increase sent to review"),
    (Desk.CONTACT_CENTER, "information", "案内のみ", "Information only"),
    (Desk.SERVICE_CENTER, "card_reissue", "カード再発行", "Card reissued"),
    (Desk.SERVICE_CENTER, "cash_refund", "返金手続", "Refund arranged"),
    (Desk.SERVICE_CENTER, "engineer_dispatched", "保守手配", "Engineer dispatched"),
    (Desk.SERVICE_CENTER, "information", "案内のみ", "Information only"),
]


def ensure_defaults(**kwargs) -> None:
    """The default queues and codes, and for those that exist, any language's label left blank
    (a label someone typed is never replaced)."""
    for name, label_ja, label_en, desk in DEFAULT_QUEUES:
        queue, _ = Queue.objects.get_or_create(name=name, defaults={"desk": desk})
        _fill_blank_labels(queue, label_ja=label_ja, label_en=label_en)
    for desk, code, label_ja, label_en in DEFAULT_WRAP_UP_CODES:
        wrap_up_code, _ = WrapUpCode.objects.get_or_create(desk=desk, code=code)
        _fill_blank_labels(wrap_up_code, label_ja=label_ja, label_en=label_en)


def _fill_blank_labels(row: Queue | WrapUpCode, *, label_ja: str, label_en: str) -> None:
    blank = {
        field: value
        for field, value in (("label_ja", label_ja), ("label_en", label_en))
        if not getattr(row, field)
    }
    if blank:
        for field, value in blank.items():
            setattr(row, field, value)
        row.save(update_fields=list(blank))
