"""Views for signed-in members (dashboard, integrations pages): the account is resolved once, here."""

from functools import wraps

from django.shortcuts import render

from accounts.selectors import account_for_user


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
