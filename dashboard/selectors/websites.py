"""Reads of the install page."""

from django.db.models import Count, Q

from accounts.models import Account, Website
from attribution.classification import NOT_SET
from dashboard.filters import DashboardFilters
from reports.aggregates import report_visits


def website_install_list(*, account: Account, filters: DashboardFilters) -> list[Website]:
    websites = Website.objects.filter(account=account).annotate(
        pool_count=Count("pools", filter=Q(pools__retired_at__isnull=True))
    ).order_by("name")
    if filters.website is not None:
        websites = websites.filter(pk=filters.website.pk)
    return list(websites)


def website_untagged_paid_clicks(*, account: Account, filters: DashboardFilters) -> dict[int, int]:
    """{website id: visits in the range from paid clicks without a keyword} for the install page's hint."""
    return dict(
        report_visits(account=account, start=filters.start, end=filters.end, website=filters.website)
        .filter(term=NOT_SET).values("website_id").annotate(n=Count("id")).values_list("website_id", "n")
    )
