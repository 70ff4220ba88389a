"""Reads for the API. Every selector takes `account=` first, so another account's rows can't be reached."""

from django.db.models import QuerySet

from accounts.models import Account
from attribution.models import Visit
from calls.models import Call
from trackers.models import CallTracker


def tracker_list(*, account: Account) -> QuerySet[CallTracker]:
    return CallTracker.objects.live().filter(pool__account=account).select_related("pool").order_by("pool_id", "id")


def tracker_get(*, account: Account, pk: int) -> CallTracker:
    return tracker_list(account=account).select_related("pool__account").get(pk=pk)


def call_list(*, account: Account) -> QuerySet[Call]:
    return Call.objects.filter(account=account).prefetch_related("tags").order_by("-started_at", "-id")


def visit_list(*, account: Account) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(website__account=account)
        .select_related("website", "visitor")
        .order_by("-started_at", "-id")
    )
