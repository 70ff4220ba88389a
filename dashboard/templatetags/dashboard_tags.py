"""Dashboard-only template filters: a call's result in a marketer's words."""

from django import template

from calls.models import Call
from calls.results import HELP, call_result

register = template.Library()


@register.filter
def call_outcome(call):
    """(css slug, label, help sentence) of the call's result (calls.results)."""
    result = call_result(call)
    return result.value, result.label, HELP[result]


@register.filter
def call_status_label(value):
    """A telephony status value ("no-answer") as its label ("No answer")."""
    try:
        return Call.Status(value).label
    except ValueError:
        return value
