"""How phone numbers, postal codes and durations are shown to people: one Japanese format
everywhere, whatever form each source system sent (０９０－４４８８－４４３３, 0340969914,
+81 90 …). Pure functions, no database: the templates' filters (console.templatetags.code_labels)
and the screen pop call them. Matching never uses these: it has its own normalised keys."""

import unicodedata

import phonenumbers

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
