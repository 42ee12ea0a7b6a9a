"""Alerts and next best actions from a customer's accounts and cases: explicit rules an agent
can read, not a model. Pure: takes what the context loaded."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from contacts.models import CaseKind

RECENT_ATM_TROUBLE = timedelta(days=7)
ATM_TROUBLE_KINDS = {CaseKind.CARD_RETAINED, CaseKind.CASH_NOT_DISPENSED, CaseKind.DEPOSIT_MISMATCH}


@dataclass(frozen=True)
class CustomerFacts:
    days_past_due: int
    has_active_loan: bool
    recent_atm_trouble: list[str]  # case kinds in the last days
    fraud_watch: bool
    vulnerable: bool
    do_not_call: bool


def customer_facts(*, customer, accounts, open_cases, now: datetime) -> CustomerFacts:
    return CustomerFacts(
        days_past_due=max((a.days_past_due for a in accounts), default=0),
        has_active_loan=any(a.kind == "loan" and a.status in ("", "active") for a in accounts),
        recent_atm_trouble=sorted(
            {
                case.kind
                for case in open_cases
                if case.kind in ATM_TROUBLE_KINDS and now - case.opened_at <= RECENT_ATM_TROUBLE
            }
        ),
        fraud_watch=customer.fraud_watch,
        vulnerable=customer.is_vulnerable,
        do_not_call=customer.do_not_call,
    )


def alerts(facts: CustomerFacts) -> list[dict]:
    found = []
    if facts.days_past_due > 0:
        found.append({"code": "payment_past_due", "days_past_due": facts.days_past_due})
    found.extend({"code": f"recent_{kind}"} for kind in facts.recent_atm_trouble)
    if facts.fraud_watch:
        found.append({"code": "fraud_watch"})
    if facts.vulnerable:
        found.append({"code": "vulnerable_customer"})
    if facts.do_not_call:
        found.append({"code": "do_not_call"})
    return found


def next_best_actions(facts: CustomerFacts) -> list[dict]:
    actions = []
    if facts.days_past_due > 0:
        # A late payer who calls is usually calling about it: offer a plan before anything else.
        actions.append({"code": "repayment_consultation"})
    if CaseKind.CARD_RETAINED in facts.recent_atm_trouble:
        actions.append({"code": "apologise_and_reissue_card"})
    if {CaseKind.CASH_NOT_DISPENSED, CaseKind.DEPOSIT_MISMATCH} & set(facts.recent_atm_trouble):
        actions.append({"code": "confirm_refund_status"})
    # Only customers in good standing are offered more credit (responsible lending).
    in_good_standing = facts.days_past_due == 0 and not (facts.fraud_watch or facts.vulnerable)
    if facts.has_active_loan and in_good_standing:
        actions.append({"code": "offer_limit_increase"})
    return actions


def code_words() -> dict[str, str]:
    """The words for each alert and action code, in the person's language."""
    return {
        "payment_past_due": _("Payment past due"),
        "recent_card_retained": _("Card retained at an ATM in the last days"),
        "recent_cash_not_dispensed": _("Cash not dispensed at an ATM in the last days"),
        "recent_deposit_mismatch": _("Deposit mismatch at an ATM in the last days"),
        "fraud_watch": _("Fraud watch"),
        "vulnerable_customer": _("Vulnerable customer: take extra care"),
        "do_not_call": _("Do not call back"),
        "repayment_consultation": _("Offer a repayment consultation"),
        "apologise_and_reissue_card": _("Apologise and start the card reissue"),
        "confirm_refund_status": _("Confirm the refund status"),
        "offer_limit_increase": _("Offer a credit-limit increase"),
    }
