"""Reads of the install page."""

from collections import Counter

from django.db.models import Count, Q, Sum

from accounts.models import Account, Website
from attribution.classification import NOT_SET
from dashboard.filters import DashboardFilters
from dashboard.selectors.report_page import filters_window
from reports.aggregates import report_visits
from reports.models import ReportDay


def website_install_list(*, account: Account, filters: DashboardFilters) -> list[Website]:
    websites = Website.objects.filter(account=account).annotate(
        pool_count=Count("pools", filter=Q(pools__retired_at__isnull=True))
    ).order_by("name")
    if filters.website is not None:
        websites = websites.filter(pk=filters.website.pk)
    return list(websites)


def website_untagged_paid_clicks(*, account: Account, filters: DashboardFilters) -> dict[int, int]:
    """{website id: visits in the range from paid clicks without a keyword} for the install page's hint: the closed
    days from the keyword rollup (ReportDay, dimension "term"), the days after it live (reports.selectors' split)."""
    window = filters_window(account=account, filters=filters)
    counts: Counter[int] = Counter()
    if window.rolled is not None:
        rolled = ReportDay.objects.filter(account=account, dimension="term", key1=NOT_SET, day__gte=window.rolled[0],
                                          day__lt=window.rolled[1], visits__gt=0)
        if filters.website is not None:
            rolled = rolled.filter(website=filters.website)
        counts.update(dict(rolled.values("website_id").annotate(n=Sum("visits")).order_by().values_list("website_id", "n")))
    if window.live is not None:
        live = report_visits(account=account, start=window.live[0], end=window.live[1], website=filters.website)
        counts.update(dict(live.filter(term=NOT_SET).values("website_id").annotate(n=Count("id")).order_by()
                           .values_list("website_id", "n")))
    return {website_id: n for website_id, n in counts.items() if n}
