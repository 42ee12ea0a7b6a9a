"""Filters that show a code people read (an account status, a match rule) by its label."""

from django import template

from console.labels import ACCOUNT_STATUSES, GENDERS, MATCH_RULES, label_of

register = template.Library()


@register.filter
def account_status(code: str) -> str:
    return label_of(ACCOUNT_STATUSES, code)


@register.filter
def match_rule(code: str) -> str:
    return label_of(MATCH_RULES, code)


@register.filter
def gender(code: str) -> str:
    return label_of(GENDERS, code)
