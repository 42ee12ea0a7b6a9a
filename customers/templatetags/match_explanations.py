"""The `waterfall` filter: a stored match explanation as bars for the steward's pages."""

from django import template

from customers.explanations import waterfall as waterfall_of

register = template.Library()


@register.filter
def waterfall(explanation):
    return waterfall_of(explanation)
