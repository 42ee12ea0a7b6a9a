"""Words people read for the codes the data carries: account statuses, match rules and the like.
Codes with Django choices take their labels from there; the rest, which source systems and the
matcher write as free text, are named here once, for the templates (console.templatetags.
code_labels) and for the agent console's script (the page renders them as JSON).

Phones, postal codes and durations are shown in one format everywhere, whatever form each source
system sent (０９０－４４８８－４４３３, 0340969914, +81 90 …): the filters and the screen pop
call the format_* functions at the end. Matching never uses these (it has its own keys)."""

import unicodedata

import phonenumbers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.agents.models import AgentState
from contacts.models import CaseKind, CaseStatus, Channel, ContactState, Desk
from customers.match_models import match_model_version
from customers.models import AccountKind

# As the loan and card systems send them; an unknown status is shown as sent.
ACCOUNT_STATUSES = {
    "active": pgettext_lazy("account status", "Active"),
    "closed": pgettext_lazy("account status", "Closed"),
    "delinquent": pgettext_lazy("account status", "Delinquent"),
    "past_due": pgettext_lazy("account status", "Past due"),
    "suspended": pgettext_lazy("account status", "Suspended"),
    "retained": pgettext_lazy("account status", "Card retained"),
    "expired": pgettext_lazy("account status", "Expired"),
}

# The rule names the first matcher (exact rules, the first that applied decided) stored with
# each link; links it made keep them. Newer links name the model (match_rule_label).
MATCH_RULES = {
    "customer_number": _("Same customer number"),
    "customer_number_conflict": _("Same customer number, other details differ"),
    "name_birth_contact": _("Same name, birth date and phone or e-mail"),
    "name_birth_address": _("Same name, birth date and address"),
    "surname_change": _("Same given name and birth date, family name changed"),
    "kana_typo": _("Kana one letter apart, same birth date and contact or address"),
    "name_birth_only": _("Same name and birth date only"),
}

GENDERS = {"M": _("Male"), "F": _("Female")}

# The roles of console.roles, as a person's chip shows them.
ROLES = {
    "agent": _("Agent"),
    "supervisor": _("Supervisor"),
    "steward": _("Data steward"),
    "admin": _("Administrator"),
}

# The `system` each source sends its records under (customers.SourceRecord.system). The API and
# the websocket keep these codes, which integrations rely on; only people read the labels.
SOURCE_SYSTEMS = {
    "loan_cc": _("Loan contact center"),
    "atm_svc": _("ATM and card service center"),
}


# One mark per channel, beside its words on the timeline and in the screen pop, so a glance
# tells a branch visit from an app request. Symbols every system font has (no emoji font needed).
CHANNEL_ICONS = {
    Channel.PHONE: "☎",
    Channel.ATM: "¥",
    Channel.TICKET: "✎",
    Channel.CHAT: "⌨",
    Channel.MAIL: "✉",
    Channel.WEB: "⊕",
    Channel.APP: "▣",
    Channel.BRANCH: "⌂",
    Channel.LINE: "Ⓛ",
    Channel.EMAIL: "@",
    Channel.SMS: "✆",
}


def match_rule_label(code: str) -> str:
    """A link's rule in words: the rules of old, or the model version that weighed the evidence."""
    version = match_model_version(code)
    if version is not None:
        return str(_("Weighed evidence (model v%(version)s)") % {"version": version})
    return label_of(MATCH_RULES, code)


def label_of(labels: dict, code) -> str:
    """The label for a code, or the code itself when none is known."""
    return str(labels.get(code, code)) if code else ""


def script_labels() -> dict:
    """Every code label the agent console's script needs, in the person's language."""

    def plain(labels) -> dict:
        return {code: str(label) for code, label in dict(labels).items()}

    return {
        "agent_states": plain(AgentState.choices),
        "call_states": plain(ContactState.choices),
        "case_kinds": plain(CaseKind.choices),
        "case_statuses": plain(CaseStatus.choices),
        "account_kinds": plain(AccountKind.choices),
        "account_statuses": plain(ACCOUNT_STATUSES),
        "channels": plain(Channel.choices),
        "desks": plain(Desk.choices),
        "match_rules": plain(MATCH_RULES),
        "source_systems": plain(SOURCE_SYSTEMS),
        "channel_icons": plain(CHANNEL_ICONS),
        "since_last_call": str(_("Since the last call (other channels, 7 days)")),
    }


JAPAN = "JP"


def format_phone(raw: str | None) -> str:
    """A Japanese number as people write it, with the area code's hyphens (090-1234-5678,
    03-4096-9914, 0120-000-000), from any width or the +81 form. A foreign number keeps its
    international form; text that is no number is shown as it came."""
    if not raw:
        return ""
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        number = phonenumbers.parse(text, JAPAN)
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_possible_number(number):
        return raw
    if number.country_code == phonenumbers.country_code_for_region(JAPAN):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def format_postal_code(raw: str | None) -> str:
    """〒160-0022 from 1600022, 160-0022 or １６０－００２２; anything else as it came."""
    if not raw:
        return ""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", raw) if ch.isdigit())
    if len(digits) != 7:
        return raw
    return f"〒{digits[:3]}-{digits[3:]}"


def format_duration(seconds: float | None) -> str:
    """m:ss, and h:mm:ss from an hour: 435 s is 7:15."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
