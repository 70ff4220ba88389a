"""Rules engine over 1,000,000 visits: one `pool_enforce` run vs the bare top-sources aggregate, side by side.

Seeds the visits with one INSERT … SELECT generate_series (seconds, not the ORM), once per database: a
website with a year of traffic (1 M visits, ~40 source/mediums, 2 % bots). Then it times, on the same
data, (a) the bare aggregate SQL the engine needs, (b) a steady `pool_enforce` run (nothing to change),
(c) a run that has work to do (size changed: trackers created or deleted, flagged, activated), prints the
ratios and the EXPLAIN of the engine's query so you can see attr_visit_top_idx is used. Target: (b), (c) < 5 s.
It does so for the default 30-day window and for a window holding all 1 M visits (the worst case).

Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_a_bench make bench BENCH=pools
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from benchdb import ensure_database, own_database_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

VISITS = int(os.environ.get("BENCH_VISITS", 1_000_000))
DAYS = 365
SOURCES = 40
REPEATS = 5
TARGET_SECONDS = 5.0


def setup():
    if "DATABASE_URL" not in os.environ or not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("bench_pools needs DATABASE_URL=postgres://… (make bench sets it from BENCH_DATABASE_URL)")
    # Its own database: bench_dashboard's 1 M visits in the same table would change the query plan it checks.
    os.environ["DATABASE_URL"] = own_database_url(os.environ["DATABASE_URL"], "pools")
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    # Deleting trackers enqueues "release number" tasks (no worker here); their log lines are noise.
    logging.getLogger("django-q").setLevel(logging.WARNING)

    call_command("migrate", verbosity=0)


def seed(now):
    from django.db import connection

    from accounts.models import Account, Website
    from attribution.models import Visit, Visitor
    from pools.models import Pool

    # Its own account and website name: bench_dashboard seeds "Bench Co" in the same database.
    account, _ = Account.objects.get_or_create(name="Bench pools Co", defaults={"default_region": "US"})
    website, _ = Website.objects.get_or_create(
        key="benchpools", defaults={"account": account, "name": "Bench pools site", "domains": ["bench.example.com"]}
    )
    visitor, _ = Visitor.objects.get_or_create(website=website, uid="bench", defaults={"first_seen_at": now, "last_seen_at": now})
    have = Visit.objects.filter(website=website).count()
    if have < VISITS:
        Visit.objects.filter(website=website).delete()
        started = time.perf_counter()
        columns, values = _insert_columns(Visit, website.pk, visitor.pk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute(
                f"INSERT INTO {Visit._meta.db_table} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM generate_series(1, %s) AS g",
                [now] * sum(v.count("%s") for v in values) + [VISITS],
            )
            cursor.execute(f"ANALYZE {Visit._meta.db_table}")
        print(f"seeded {VISITS:,} visits in {time.perf_counter() - started:.1f} s (INSERT … SELECT generate_series)")
    else:
        print(f"reusing {have:,} seeded visits")
    pool, _ = Pool.objects.get_or_create(
        account=account, name="Bench pool",
        defaults={"website": website, "kind": "automated", "tracking": "source", "original_number": "+12025550150",
                  "size": 20, "utilization": "0.5", "min_visits": 100, "visit_window_days": 30, "flag_days": 30},
    )
    return pool


def _insert_columns(Visit, website_id: int, visitor_id: int):
    """Every NOT NULL column of Visit gets a value, so the seed keeps working when the model grows."""
    from django.db import models

    # Skewed: a few source/mediums get most visits, like real traffic (rank r gets ~1/r of them).
    rank = f"floor(power({SOURCES}, random()))::int"
    special = {
        "website_id": str(int(website_id)),
        "visitor_id": str(int(visitor_id)),
        "session_uid": "'bench-' || g",
        "source": f"'source' || {rank}",
        "medium": "(ARRAY['organic','cpc','referral','email'])[1 + mod(g, 4)]",
        "is_bot": "(mod(g, 50) = 0)",
        "started_at": f"%s::timestamptz - mod(g, {DAYS} * 24 * 60) * interval '1 minute'",
        "last_seen_at": f"%s::timestamptz - mod(g, {DAYS} * 24 * 60) * interval '1 minute'",
    }
    columns, values = [], []
    for field in Visit._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in special:
            values.append(special[field.column])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        elif isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
            values.append("1")
        elif isinstance(field, models.CharField | models.TextField):
            values.append("''")
        elif isinstance(field, models.DateTimeField):
            values.append("%s::timestamptz")
        elif isinstance(field, models.JSONField):
            values.append("'{}'::jsonb")
        else:
            raise SystemExit(f"bench_pools: no seed value for Visit.{field.name}; add one to _insert_columns")
    # Each %s in `values` (the timestamps) takes `now` as a parameter.
    return columns, values


BARE_SQL = """
SELECT source, medium, COUNT(*) AS visits
FROM attribution_visit
WHERE website_id = %s AND started_at >= %s AND started_at <= %s AND NOT is_bot
GROUP BY source, medium
HAVING COUNT(*) >= %s
ORDER BY visits DESC, source, medium
LIMIT %s
"""


def timed(fn, repeats=REPEATS):
    times = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main():
    setup()
    from django.utils import timezone

    now = timezone.now().replace(microsecond=0)
    pool = seed(now)
    worst_default, used = bench_window(pool, now, days=30, explain=True)
    # Worst case: every one of the 1 M visits is inside the window (the index cannot narrow anything).
    worst_year, _ = bench_window(pool, now, days=DAYS, explain=False)
    worst = max(worst_default, worst_year)
    print(f"\ntarget: a run < {TARGET_SECONDS:.0f} s → {'OK' if worst < TARGET_SECONDS else 'MISSED'} (slowest {worst:.3f} s); "
          f"attr_visit_top_idx used for the 30-day window: {'yes' if used else 'NO'}")
    print(f"BENCH pools.enforce slowest pool_enforce run {worst:.3f} s over {VISITS:,} visits ratio=- goal=<{TARGET_SECONDS:g}s "
          f"{'PASS' if used and worst < TARGET_SECONDS else 'FAIL'}")
    return 0 if used and worst < TARGET_SECONDS else 1


def bench_window(pool, now, *, days: int, explain: bool):
    from django.db import connection

    from pools.models import Pool
    from pools.selectors import top_sources_queryset
    from pools.services import pool_enforce
    from trackers.models import CallTracker

    # Every bench starts from an empty pool. Settings are written with .update(): pool_update would also
    # enqueue a django-q2 run into the bench database, where no worker consumes it.
    CallTracker.objects.filter(pool=pool, deleted_at__isnull=True).update(deleted_at=now)
    Pool.objects.filter(pk=pool.pk).update(size=20, visit_window_days=days)
    pool.refresh_from_db()
    window = (pool.website_id, now - timedelta(days=days), now, pool.min_visits, pool.max_active)

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(BARE_SQL, window)
            return cursor.fetchall()

    bare()  # warm the cache the same way for both
    first_started = time.perf_counter()
    first = pool_enforce(pool=pool, now=now)
    first_run = time.perf_counter() - first_started
    bare_s, rows = timed(bare)
    steady_s, steady = timed(lambda: pool_enforce(pool=pool, now=now))
    assert steady == [], steady

    def resize_run():
        # Alternate the size so that every timed run has work to do (flag/activate, create/delete).
        pool.refresh_from_db()
        Pool.objects.filter(pk=pool.pk).update(size=10 if pool.size == 20 else 20)
        return pool_enforce(pool=pool, now=now)

    busy_s, busy = timed(resize_run, repeats=4)

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM attribution_visit WHERE website_id = %s AND started_at >= %s",
                       [pool.website_id, now - timedelta(days=days)])
        in_window = cursor.fetchone()[0]
    print(f"\n--- {days}-day window: {in_window:,} of {VISITS:,} visits in the window; top list {window[4]} of "
          f"{len(rows)} returned, first {rows[0][0]}/{rows[0][1]} with {rows[0][2]:,} visits")
    print(f"{'':44} {'median s':>9} {'× bare':>8}")
    print(f"{'bare aggregate SQL (cursor, hand-written)':44} {bare_s:9.3f} {1:8.2f}")
    print(f"{'pool_enforce, steady (0 actions)':44} {steady_s:9.3f} {steady_s / bare_s:8.2f}")
    print(f"{'pool_enforce after a size change':44} {busy_s:9.3f} {busy_s / bare_s:8.2f}  ({len(busy)} actions last run)")
    print(f"{'pool_enforce, first run (empty pool)':44} {first_run:9.3f} {first_run / bare_s:8.2f}  "
          f"({len(first)} actions, once)")
    plan = top_sources_queryset(pool=pool, now=now).explain(analyze=True)
    if explain:
        print("EXPLAIN ANALYZE of the engine's top-sources query:")
        print(plan)
    else:
        scan = next((line.strip() for line in plan.splitlines() if "Scan" in line), "?")
        print(f"scan: {scan}")
    return max(steady_s, busy_s, first_run), "attr_visit_top_idx" in plan


if __name__ == "__main__":
    sys.exit(main())
