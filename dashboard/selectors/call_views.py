"""Reads of a person's calls-log layout and saved views: always by (account, user)."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Account
from dashboard.models import CallLogPreference, SavedCallView


def call_log_preference_get(*, account: Account, user) -> CallLogPreference | None:
    return CallLogPreference.objects.filter(account=account, user=user).first()


def saved_view_list(*, account: Account, user) -> QuerySet[SavedCallView]:
    return SavedCallView.objects.filter(account=account, user=user).order_by("name")


def saved_view_get(*, account: Account, user, pk: int) -> SavedCallView:
    """The person's own view in this account, or 404 (another person's or account's view does not exist for them)."""
    view = SavedCallView.objects.filter(account=account, user=user, pk=pk).first()
    if view is None:
        raise Http404("No such view")
    return view
