"""Dashboard-only template filters: a call's result in a marketer's words."""

from django import template
from django.utils.html import format_html

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


@register.filter
def change_badge(value, lower_is_better=""):
    """Δ % against the previous period as a small badge ("▲ 25%", "▼ 50%"); "" when there is nothing to compare."""
    if value is None:
        return format_html('<span class="delta none" title="{}">–</span>', "Nothing in the previous period to compare with")
    if abs(value) < 0.005:
        return format_html('<span class="delta flat">±0%</span>')
    up = value > 0
    good = up != bool(lower_is_better)
    return format_html('<span class="delta {}">{} {}%</span>', "good" if good else "bad", "▲" if up else "▼",
                       f"{abs(value) * 100:.0f}")


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def stars(score):
    """A 1–5 score as filled and empty stars: ★★★☆☆."""
    score = int(score or 0)
    return "★" * score + "☆" * (5 - score)


@register.filter
def credit(value):
    """A count credited by an attribution model: whole numbers as they are, linear shares to two decimals."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}"
    return int(value) if isinstance(value, float) else value
