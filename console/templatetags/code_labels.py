"""Filters that show a code people read (an account status, a match rule, a role) by its label,
and phones, postal codes and durations in their one display format."""

from django import template

from console.labels import (
    ACCOUNT_STATUSES,
    CHANNEL_ICONS,
    GENDERS,
    ROLES,
    SOURCE_SYSTEMS,
    format_duration,
    format_phone,
    format_postal_code,
    label_of,
    match_rule_label,
)

register = template.Library()


@register.filter
def account_status(code: str) -> str:
    return label_of(ACCOUNT_STATUSES, code)


@register.filter
def match_rule(code: str) -> str:
    return match_rule_label(code)


@register.filter
def gender(code: str) -> str:
    return label_of(GENDERS, code)


@register.filter
def source_system(code: str) -> str:
    return label_of(SOURCE_SYSTEMS, code)


@register.filter
def source_record(reference) -> str:
    """A source record, or its "system:external_id" reference as a customer's field_sources
    keeps it, with the system by its label."""
    if not reference:
        return ""
    system, _, external_id = str(reference).partition(":")
    return f"{source_system(system)} {external_id}"


@register.filter
def channel_icon(code: str) -> str:
    return CHANNEL_ICONS.get(code, "")


@register.filter
def role(code: str) -> str:
    return label_of(ROLES, code)


@register.filter
def phone(raw: str) -> str:
    return format_phone(raw)


@register.filter
def phones(raw_numbers) -> str:
    """A list of numbers, each formatted, comma-separated."""
    return ", ".join(format_phone(number) for number in raw_numbers or [] if number)


@register.filter
def postal_code(raw: str) -> str:
    return format_postal_code(raw)


@register.filter
def duration(seconds) -> str:
    return format_duration(seconds)
