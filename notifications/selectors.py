"""Reads of notifications; every one takes the account first."""

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account, Membership
from dashboard.filters import DashboardFilters
from dashboard.selectors.overview import overview_get
from dashboard.selectors.pools import pools_needing_attention
from dashboard.selectors.report_page import filters_window, report_get
from notifications.models import Notification, NotificationPreference, ScheduledReport
from reports.selectors import report_row_list


def preference_get(*, account: Account, user) -> NotificationPreference:
    """The user's choices in the account; the defaults (unsaved) when they never chose."""
    preference = NotificationPreference.objects.filter(account=account, user=user).first()
    return preference or NotificationPreference(account=account, user=user)


def preference_list_for_calls(*, account: Account) -> list[NotificationPreference]:
    """Members of the account who want to hear about some calls (their user loaded: the email address)."""
    members = Membership.objects.filter(account=account).values("user_id")
    return [
        preference for preference in
        NotificationPreference.objects.filter(account=account, user__in=members, user__is_active=True).select_related("user")
        if preference.wants_calls
    ]


def admin_alert_recipients(*, account: Account) -> list:
    """The account's admins who keep integration alerts on (the default) and have an email address."""
    admins = (Membership.objects.filter(account=account, role=Membership.Role.ADMIN, user__is_active=True)
              .exclude(user__email="").select_related("user"))
    opted_out = set(NotificationPreference.objects.filter(account=account, integration_alerts=False).values_list("user_id", flat=True))
    return [membership.user for membership in admins if membership.user_id not in opted_out]


def preference_list_with_summary(*, account: Account) -> QuerySet[NotificationPreference]:
    members = Membership.objects.filter(account=account).values("user_id")
    return (NotificationPreference.objects.filter(account=account, user__in=members, user__is_active=True)
            .exclude(summary="off").exclude(user__email="").select_related("user"))


def scheduled_report_list(*, account: Account) -> QuerySet[ScheduledReport]:
    return ScheduledReport.objects.filter(account=account).select_related("website", "created_by")


def notification_list(*, account: Account) -> QuerySet[Notification]:
    return Notification.objects.filter(account=account)


def period_filters(*, account: Account, start: date, end: date, website=None) -> DashboardFilters:
    """The dashboard's filters for a fixed period (what summaries and scheduled reports read)."""
    return DashboardFilters("custom", start, end, ZoneInfo(account.timezone), website)


def summary_get(*, account: Account, start: date, end: date) -> dict:
    """What a summary email says: the overview's totals and changes, top sources and keywords, pools that need
    attention — the same numbers the dashboard shows for that period."""
    filters = period_filters(account=account, start=start, end=end)
    data = overview_get(account=account, filters=filters)
    window = filters_window(account=account, filters=filters)
    keywords = [row for row in report_row_list(window=window, dimension="term", limit=6) if row.key != ("",)][:5]
    return {
        "totals": data["totals"],
        "changes": data["changes"],
        "top_sources": data["top_sources"],
        "top_keywords": keywords,
        "pools": pools_needing_attention(account=account, filters=filters, now=timezone.now()),
    }


def scheduled_report_data(*, report: ScheduledReport, start: date, end: date) -> dict:
    filters = period_filters(account=report.account, start=start, end=end, website=report.website)
    return report_get(account=report.account, filters=filters, dimension=report.dimension)
