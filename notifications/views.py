"""The notification settings page (per user, per account), scheduled reports, and the login-free unsubscribe."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.selectors import is_account_admin, website_list
from core.actors import Actor
from core.errors import DomainError
from dashboard.decorators import dashboard_page
from notifications import selectors, services
from notifications.emails import unsubscribe_read
from notifications.forms import PreferenceForm, ScheduledReportForm
from notifications.services import PREFERENCE_FIELDS


def _settings_page(request, *, form=None, report_form=None, status=200):
    is_admin = is_account_admin(user=request.user, account=request.account)
    if form is None:
        preference = selectors.preference_get(account=request.account, user=request.user)
        form = PreferenceForm(initial={field: getattr(preference, field) for field in PREFERENCE_FIELDS}, is_admin=is_admin)
    return render(request, "notifications/notification_settings.html", {
        "account": request.account, "form": form, "report_form": report_form, "email": request.user.email,
        "scheduled_reports": selectors.scheduled_report_list(account=request.account),
    }, status=status)


@dashboard_page(filters=False)
def notification_settings(request):
    return _settings_page(request)


@dashboard_page(write=True, filters=False)
def notification_settings_save(request):
    form = PreferenceForm(request.POST, is_admin=is_account_admin(user=request.user, account=request.account))
    if form.is_valid():
        try:
            services.preference_update(account=request.account, user=request.user,
                                       actor=Actor.person(request.user, via="dashboard"), **form.cleaned_data)
        except DomainError as exc:
            for field, problems in (exc.fields or {"__all__": [exc.message]}).items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "Notification settings saved.")
            return redirect("notifications:settings")
    return _settings_page(request, form=form, status=400)


@dashboard_page(filters=False)
def scheduled_report_new(request):
    """"Schedule this report" from a report page: its dimension and website come along in the query string."""
    websites = list(website_list(account=request.account))
    initial = {"dimension": request.GET.get("dimension", "source_medium"), "website": request.GET.get("website") or "",
               "recipients": request.user.email}
    form = ScheduledReportForm(initial=initial, websites=websites)
    return render(request, "notifications/scheduled_report_new.html", {"account": request.account, "form": form})


@dashboard_page(write=True, filters=False)
def scheduled_report_create(request):
    form = ScheduledReportForm(request.POST, websites=list(website_list(account=request.account)))
    if form.is_valid():
        try:
            report = services.scheduled_report_create(account=request.account, actor=Actor.person(request.user, via="dashboard"),
                                                      **form.cleaned_data)
        except DomainError as exc:
            for field, problems in (exc.fields or {"__all__": [exc.message]}).items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, f"“{report.name}” will be emailed {report.get_frequency_display().lower()}.")
            return redirect("notifications:settings")
    return render(request, "notifications/scheduled_report_new.html", {"account": request.account, "form": form}, status=400)


@dashboard_page(write=True, filters=False)
def scheduled_report_delete(request, pk):
    report = get_object_or_404(selectors.scheduled_report_list(account=request.account), pk=pk)
    services.scheduled_report_delete(report=report, actor=Actor.person(request.user, via="dashboard"))
    messages.success(request, f"“{report.name}” deleted.")
    return redirect("notifications:settings")


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no session and no CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET asks (link scanners must not unsubscribe anyone); POST — the button or the mail client — does it."""
    if request.method != "POST":
        valid = unsubscribe_read(token) is not None
        return render(request, "notifications/unsubscribe.html", {"token": token, "valid": valid}, status=200 if valid else 400)
    stopped = services.unsubscribe(token=token)
    return render(request, "notifications/unsubscribe.html", {"token": token, "valid": stopped is not None, "stopped": stopped},
                  status=200 if stopped else 400)
