"""Per-minute counters for rate limits kept in the database (no Redis): one statement per count.

`INSERT … ON CONFLICT DO UPDATE … RETURNING` (PostgreSQL, SQLite ≥ 3.35) counts in the row of `name`: +1 in the
same minute, back to 1 in a new one. Concurrent requests for one name serialize on its row, so no count is lost.
"""

from django.db import connection
from django.db.models import F

from core.models import RateCounter


def rate_count_db(name: str, minute: int) -> int:
    """This minute's count for `name`, incremented, in one database round trip."""
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (name, minute, count) VALUES (%s, %s, 1) "
        f"ON CONFLICT (name) DO UPDATE SET "
        f"count = CASE WHEN {table}.minute = excluded.minute THEN {table}.count + 1 ELSE 1 END, "
        f"minute = excluded.minute RETURNING count"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [name[:200], minute])
        return cursor.fetchone()[0]


def rate_uncount_db(name: str, minute: int) -> None:
    """Take back one count of `name` in `minute` (a request that was refused before it cost anything)."""
    RateCounter.objects.filter(name=name[:200], minute=minute, count__gt=0).update(count=F("count") - 1)


def rate_counters_prune(*, before_minute: int) -> int:
    """Delete the counters of minutes before `before_minute` (they count nothing any more)."""
    deleted, _ = RateCounter.objects.filter(minute__lt=before_minute).delete()
    return deleted
