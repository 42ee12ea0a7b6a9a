"""Card numbers (PANs) typed into free text — a ticket's subject, a note, an incident's
description, a record's attributes — masked before anything is stored, so no page, API answer,
screen pop, webhook or admin list can show one (PCI DSS: at most the last four digits).

A PAN here is 13 to 19 digits that pass the Luhn check, written together or in groups split by
single spaces or hyphens. A run of groups longer than that is searched for a PAN made of
consecutive groups ("order 12 4111 1111 1111 1111"). Pure rules, no ORM."""

import re
from typing import Any

_SHORTEST, _LONGEST = 13, 19
# Digits joined by at most one space or hyphen at a time, not touching other digits.
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ \-]?\d)*(?!\d)")
_GROUP = re.compile(r"\d+")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_card_number(digits: str) -> bool:
    return _SHORTEST <= len(digits) <= _LONGEST and luhn_valid(digits)


def _masked(text: str) -> str:
    """Every digit but the last four becomes `*`; the spaces and hyphens stay, so the text
    still reads as a card number."""
    last_four_start = [i for i, char in enumerate(text) if char.isdigit()][-4]
    return "".join(
        "*" if char.isdigit() and i < last_four_start else char for i, char in enumerate(text)
    )


def _mask_run(run: str) -> str:
    if _is_card_number(run.replace(" ", "").replace("-", "")):
        return _masked(run)
    groups = list(_GROUP.finditer(run))
    if len(groups) < 2:
        return run
    # The longest PAN made of consecutive groups, left to right; what is left stays as typed.
    pieces, start, first = [], 0, 0
    while first < len(groups):
        found = None
        for last in range(len(groups) - 1, first - 1, -1):
            digits = "".join(group.group() for group in groups[first : last + 1])
            if _is_card_number(digits):
                found = last
                break
        if found is None:
            first += 1
            continue
        begin, end = groups[first].start(), groups[found].end()
        pieces += [run[start:begin], _masked(run[begin:end])]
        start, first = end, found + 1
    return "".join(pieces) + run[start:]


def mask_card_numbers(text: str) -> str:
    """The text with every card number in it masked to its last four digits."""
    if sum(char.isdigit() for char in text) < _SHORTEST:
        return text  # the common case, decided without a regular expression
    return _DIGIT_RUN.sub(lambda match: _mask_run(match.group()), text)


def mask_card_numbers_in(value: Any) -> Any:
    """A JSON value (details, attributes) with card numbers masked in every string, key and
    integer: a PAN sent as a JSON number is stored as its masked text."""
    if isinstance(value, str):
        return mask_card_numbers(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return mask_card_numbers(str(value)) if _is_card_number(str(abs(value))) else value
    if isinstance(value, dict):
        return {
            mask_card_numbers_in(key): mask_card_numbers_in(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_card_numbers_in(item) for item in value]
    return value
