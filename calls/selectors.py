"""Reads for calls and the voice webhook."""

from django.db.models import Count, Q

from calls.models import Call
from trackers.models import CallTracker


def tracker_for_inbound_number(*, number: str) -> CallTracker | None:
    """The live tracker a call to `number` is for, whichever account and provider it belongs to.

    No `account=` here: the provider tells us only the dialed number, and a live number belongs to
    exactly one tracker (database constraint), so the lookup cannot cross accounts.
    """
    if not number:
        return None
    return (
        CallTracker.objects.live()
        .select_related("pool", "pool__account")
        .filter(tracking_number=number)
        .first()
    )


def call_for_provider_id(*, provider_call_id: str) -> Call | None:
    """The call a provider callback is about. Keyed by the provider's globally unique call id."""
    if not provider_call_id:
        return None
    return Call.objects.select_related("account").filter(provider_call_id=provider_call_id).first()


def call_list(*, account, tracker=None):
    calls = Call.objects.filter(account=account)
    if tracker is not None:
        calls = calls.filter(tracker=tracker)
    return calls


def caller_history_around(*, account, caller_number: str, at, exclude_call_id: str = "") -> tuple[bool, bool]:
    """(has an earlier call, has a later call still marked first-time) for that caller in the account, in one
    query: first-time is decided by start time, and a call can reach us after a later-starting one."""
    counts = (
        Call.objects.filter(account=account, caller_number=caller_number)
        .exclude(provider_call_id=exclude_call_id)
        .aggregate(earlier=Count("id", filter=Q(started_at__lt=at)),
                   later_first=Count("id", filter=Q(started_at__gt=at, is_first_time_caller=True)))
    )
    return bool(counts["earlier"]), bool(counts["later_first"])
