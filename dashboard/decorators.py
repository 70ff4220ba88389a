from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.shortcuts import render
from django.utils import timezone

from accounts.selectors import account_for_user, website_list
from dashboard.filters import parse_filters


def account_required(view):
    """Resolves request.account from the user's membership; users without one get a clear page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not hasattr(request, "account"):  # AccountTimezoneMiddleware usually resolved it already
            request.account = account_for_user(user=request.user)
        if request.account is None:
            return render(request, "dashboard/no_account.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def with_filters(view):
    """Sets request.filters (date range + website) from the query string; bad values become warnings."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        zone = ZoneInfo(request.account.timezone)
        request.filters, problems = parse_filters(
            params=request.GET, websites=list(website_list(account=request.account)),
            zone=zone, today=timezone.now().astimezone(zone).date(),
        )
        for problem in problems:
            messages.warning(request, problem)
        with timezone.override(zone):  # templates show times in the account's zone
            return view(request, *args, **kwargs)

    return wrapper
