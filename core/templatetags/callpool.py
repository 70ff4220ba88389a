"""All display formatting for templates: |phone_display, |duration, |percent, |url_path."""

from urllib.parse import urlsplit

from django import template

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
