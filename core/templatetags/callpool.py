"""All display formatting for templates: |phone_display, |duration, |percent, |url_path, |page_path, |wrap_at_slashes, |ago,
|thousands."""

import re
from urllib.parse import urlsplit

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from core.phones import phone_display as _phone_display

register = template.Library()


@register.filter
def phone_display(value):
    return _phone_display(value or "")


@register.filter
def duration(seconds):
    if seconds in (None, ""):
        return "—"
    seconds = int(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}:{secs:02d}"


@register.filter
def thousands(value):
    """12345 → "12,345"."""
    return f"{int(value or 0):,}"


@register.filter
def percent(value, digits=1):
    if value in (None, ""):
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def url_path(value):
    """A landing page shown as its path and query (the host is the account's own site)."""
    if not value:
        return ""
    parts = urlsplit(str(value))
    if not parts.scheme:
        return str(value)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@register.filter
def page_path(value):
    """A landing page as its path alone ("/services/water-heaters"): the compact form of the calls log, whose
    rows carry the full URL (query string and all) on hover and on the call page."""
    if not value:
        return ""
    parts = urlsplit(str(value))
    return (parts.path or "/") if parts.scheme else str(value).split("?", 1)[0]


@register.filter
def wrap_at_slashes(value):
    """A label that may wrap after each "/" (a page's host/path, "source / medium") and nowhere inside a word, so
    a narrow column shows "localhost/ services/ water-heaters", never "goog/le"."""
    return mark_safe(re.sub(r"/(?=\S)", "/<wbr>", escape(value or "")))  # noqa: S308 - escaped first


@register.filter
def ago(value, now=None):
    """How long ago a moment was ("3 minutes ago"); under a minute is "just now", never "0 minutes ago"."""
    if not value:
        return ""
    now = now or timezone.now()
    if (now - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value, now)} ago"
