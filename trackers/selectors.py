"""Reads about exhaustion events and lease holders for the dashboard. Account first, always."""

from datetime import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncHour

from trackers.models import ExhaustionEvent, Lease


def pool_exhaustion_by_hour(*, account, pool_id: int, since: datetime):
    """[{"hour", "count"}] of a pool's exhaustion events since `since`, for the dashboard's chart."""
    return (
        _exhaustion_events(account=account, pool_id=pool_id, since=since, until=None)
        .annotate(hour=TruncHour("occurred_at")).values("hour").annotate(count=Count("id")).order_by("hour")
    )


def _exhaustion_events(*, account, pool_id: int, since: datetime, until: datetime | None):
    events = ExhaustionEvent.objects.filter(pool__account=account, pool_id=pool_id, occurred_at__gte=since)
    return events if until is None else events.filter(occurred_at__lt=until)


def pool_exhaustion_count(*, account, pool_id: int, since: datetime, until: datetime | None = None) -> int:
    return _exhaustion_events(account=account, pool_id=pool_id, since=since, until=until).count()


def pool_exhaustion_recent(*, account, pool_id: int, since: datetime, until: datetime | None = None,
                           limit: int = 10) -> list[ExhaustionEvent]:
    """The newest exhaustion events of a pool in [since, until), newest first."""
    return list(_exhaustion_events(account=account, pool_id=pool_id, since=since, until=until).order_by("-occurred_at")[:limit])


def pool_most_held_by_one_client(*, account, pool_id: int, now: datetime) -> int:
    """The most open numbers of the pool any one client (address or IPv6 /64) holds right now."""
    top = (
        Lease.objects.filter(tracker__pool__account=account, tracker__pool_id=pool_id, ended_at__isnull=True,
                             is_shared=False, expires_at__gt=now)
        .exclude(client_key="").values("client_key").annotate(n=Count("pk")).order_by("-n").values_list("n", flat=True)
        .first()
    )
    return top or 0


def pool_open_leases(*, account, pool_id: int, now: datetime) -> dict:
    """{"open": the pool's open, unexpired leases (shared ones included: pools.selectors.pool_current_leases),
    "most_held": pool_most_held_by_one_client}, one query (a row per client holding numbers now)."""
    rows = list(Lease.objects.filter(tracker__pool__account=account, tracker__pool_id=pool_id, ended_at__isnull=True,
                                     expires_at__gt=now)
                .values("client_key", "is_shared").annotate(n=Count("pk")).order_by())
    return {"open": sum(row["n"] for row in rows),
            "most_held": max((row["n"] for row in rows if not row["is_shared"] and row["client_key"] != ""), default=0)}


def pool_exhaustion_counts(*, account, pool_id: int, since: datetime, until: datetime | None = None,
                           recent: tuple[datetime, datetime] | None = None) -> dict:
    """{"total": exhaustion events in [since, until), "client_cap": those refused by the per-client cap}, one query;
    with `recent` (after, through], also "recent": the events in it (the pool's health, pools.selectors)."""
    if recent is None:
        return _exhaustion_events(account=account, pool_id=pool_id, since=since, until=until).aggregate(
            total=Count("id"), client_cap=Count("id", filter=Q(is_client_cap=True)))
    in_range = Q(occurred_at__gte=since) & (Q() if until is None else Q(occurred_at__lt=until))
    in_recent = Q(occurred_at__gt=recent[0], occurred_at__lte=recent[1])
    return ExhaustionEvent.objects.filter(in_range | in_recent, pool__account=account, pool_id=pool_id).aggregate(
        total=Count("id", filter=in_range), client_cap=Count("id", filter=in_range & Q(is_client_cap=True)),
        recent=Count("id", filter=in_recent))
