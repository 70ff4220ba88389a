"""Reads about leasing for the dashboard and the sizing of visitor pools. Account first, always."""

from datetime import datetime

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncHour

from trackers.models import CallTracker, ExhaustionEvent, Lease


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


def pool_peak_concurrency(*, account, pool_id: int, since: datetime, until: datetime) -> int:
    """Most leases of the pool open at the same instant in [since, until] (shared ones included).

    A running sum over +1 (start) / -1 (end) events, in SQL; an end sorts before a start at the same instant.
    """
    lease_t, tracker_t = Lease._meta.db_table, CallTracker._meta.db_table
    pool_t = CallTracker._meta.get_field("pool").related_model._meta.db_table
    leases = (
        f"SELECT l.started_at AS s, COALESCE(l.ended_at, l.expires_at) AS e FROM {lease_t} l "
        f"JOIN {tracker_t} t ON t.id = l.tracker_id JOIN {pool_t} p ON p.id = t.pool_id "
        f"WHERE p.account_id = %s AND t.pool_id = %s AND l.started_at < %s AND COALESCE(l.ended_at, l.expires_at) > %s"
    )
    sql = (
        f"SELECT MAX(running) FROM (SELECT SUM(delta) OVER (ORDER BY at, delta ROWS UNBOUNDED PRECEDING) AS running "
        f"FROM (SELECT s AS at, 1 AS delta FROM ({leases}) a UNION ALL SELECT e AS at, -1 AS delta FROM ({leases}) b) ev) r"
    )
    params = [account.pk, pool_id, until, since]
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params)
        (peak,) = cursor.fetchone()
    return int(peak or 0)
