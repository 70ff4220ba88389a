from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.utils import timezone

from accounts import decorators as member_pages
from accounts.selectors import website_list
from dashboard.filters import parse_filters


def dashboard_page(*, write: bool = False, admins_only: bool = False, filters: bool = True):
    """The one decorator on a dashboard view: method, login, account, role (accounts.decorators.dashboard_page),
    then, inside them, the date range and website filters most pages read (`filters=False` for those that don't)."""
    return member_pages.dashboard_page(write=write, admins_only=admins_only, then=(with_filters,) if filters else ())


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
