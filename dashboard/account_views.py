"""An agency's pages: switching the account one works in (from the header), and the all-accounts summary."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.selectors import ACCOUNT_SESSION_KEY, account_for_user, membership_list_of_request
from dashboard.decorators import dashboard_page
from dashboard.selectors.accounts import SUMMARY_DAYS, account_summary_list


@dashboard_page(write=True, filters=False)
def account_switch(request):
    """Work in another of one's accounts. An account one is not a member of answers 404 whether it exists or not."""
    try:
        account_id = int(request.POST.get("account", ""))
    except ValueError:
        raise Http404("No such account") from None
    account = account_for_user(user=request.user, account_id=account_id)
    if account is None or account.pk != account_id:
        raise Http404("No such account")
    request.session[ACCOUNT_SESSION_KEY] = account.pk
    target = request.POST.get("next", "")
    # Pages of the old account (a call, a pool) are not the new one's: go back to the section's first page.
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                     require_https=request.is_secure())):
        target = reverse("dashboard:overview")
    return redirect(target)


@dashboard_page(filters=False)
def account_list(request):
    memberships = membership_list_of_request(request)
    summaries = account_summary_list(memberships=memberships, now=timezone.now())
    return render(request, "dashboard/account_list.html", {
        "account": request.account, "summaries": summaries, "summary_days": SUMMARY_DAYS,
        "totals_calls": sum(s.calls for s in summaries),
    })
