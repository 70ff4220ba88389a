from django.db.models import Count, Q, QuerySet

from accounts.models import Account
from pools.models import Pool


def pool_list(*, account: Account) -> QuerySet[Pool]:
    return (
        Pool.objects.filter(account=account)
        .select_related("website")
        .annotate(
            active_count=Count("trackers", filter=Q(trackers__status="active", trackers__deleted_at__isnull=True)),
            flagged_count=Count("trackers", filter=Q(trackers__status="flagged", trackers__deleted_at__isnull=True)),
            available_count=Count("trackers", filter=Q(trackers__status="available", trackers__deleted_at__isnull=True)),
        )
        .order_by("name")
    )


def pool_get(*, account: Account, pk: int) -> Pool:
    return Pool.objects.select_related("website", "account").get(account=account, pk=pk)


def pool_find(*, ref: str) -> Pool:
    """A pool by id or by name (management commands)."""
    if ref.isdigit():
        return Pool.objects.select_related("account").get(pk=int(ref))
    return Pool.objects.select_related("account").get(name=ref)
