"""Views for signed-in members (dashboard, integrations pages): the account is resolved once, here.

`dashboard_page(write=…)` is the one decorator a member page wears. It composes, in an order that can't be
got wrong: the HTTP method (GET for a read, POST for a write), login, the account, and the role."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import account_for_request, is_account_admin


def account_required(view):
    """Resolves request.account from the user's membership; users without one get a clear page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not hasattr(request, "account"):  # AccountTimezoneMiddleware usually resolved it already
            request.account = account_for_request(request)
        if request.account is None:
            return render(request, "dashboard/no_account.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _admins_only(view):
    """Account admins only (they may spend money, e.g. buy numbers); a marketer gets a clear 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_account_admin(user=request.user, account=request.account):
            return render(request, "dashboard/admins_only.html", {"account": request.account}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def dashboard_page(*, write: bool = False, admins_only: bool = False, then=()):
    """Reads are GET pages for every member; writes are POSTs — by every member (marketers set outcomes, place
    test calls, replay webhooks) or, with `admins_only`, by account admins alone. `then` are decorators that need
    the account (the dashboard's filters), applied inside it, outermost first."""
    if admins_only and not write:
        raise ValueError("admins_only is for writes; every member reads.")

    def decorate(view):
        for inner in reversed(then):
            view = inner(view)
        if admins_only:
            view = _admins_only(view)
        view = login_required(account_required(view))
        view = (require_POST if write else require_safe)(view)  # reads answer HEAD too
        view.dashboard_page = {"write": write, "admins_only": admins_only}  # what tests and readers check
        return view

    return decorate
