"""Reads of the install page."""

from django.db.models import Count, Q

from accounts.models import Account, Website
from dashboard.filters import DashboardFilters


def website_install_list(*, account: Account, filters: DashboardFilters) -> list[Website]:
    websites = Website.objects.filter(account=account).annotate(
        pool_count=Count("pools", filter=Q(pools__retired_at__isnull=True))
    ).order_by("name")
    if filters.website is not None:
        websites = websites.filter(pk=filters.website.pk)
    return list(websites)
