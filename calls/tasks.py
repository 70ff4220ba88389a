"""django-q2 entry points of calls: load by id, call a service (dotted paths are stored in schedules: keep them stable)."""

from calls.caller_names import call_caller_name_fill
from calls.completion import calls_settle_due
from calls.outcomes import website_conversions_recompute


def recompute_website_conversions(website_id: int) -> int:
    return website_conversions_recompute(website_id=website_id)


def settle_calls() -> int:
    return calls_settle_due()


def lookup_caller_name(call_id: int) -> str:
    return call_caller_name_fill(call_id=call_id)
