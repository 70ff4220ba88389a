"""Dashboard pages at 10 M calls + 10 M visits in PostgreSQL: server time per page, target ≤ 50 ms median;
and the chunked rollup refresh of a 1 M-call account, per chunk and in total, against the worker's task timeout.

Run with `make bench BENCH=dashboard`. The rows live in a database of their own, `<bench database>_dash10m`
(BENCH_DATABASE_URL names the bench database), seeded once by PostgreSQL itself (bench/dashseed.py: set-based
INSERT … SELECT, faster here than COPY; several accounts, the large one with 60 % of the rows, ~400 days of growing
traffic) and reused while its `bench_seed` row says the same sizes; the 10 M seed takes about 40 minutes on the
2-core machine, a rerun only migrates, refreshes the rollup and times. The visitor pools' leases (one per human
visit, dashseed.seed_leases) are a step of their own, run once on a database whose `bench_seed_leases` table is
missing (those seeded before it get them without a reseed). BENCH_CALLS, BENCH_VISITS,
BENCH_RUNS change the sizes and the number of timed requests per page; BENCH_PAGES=a,b times only the pages
whose name contains a or b; BENCH_ROLLUP=0 leaves the rollup as it is (no pass, no rollup figures).

Each page is fetched through Django's test Client, logged in as a marketer of the large account (the admin
changelists as a superuser): one warm-up, then RUNS timed requests; median and p95 are printed with ok/SLOW
against the target. The pages read what production reads: the daily rollup refreshed (closed days), today rolled
up to BENCH_TODAY_LAG_MINUTES (15: the scheduled task's interval) ago, the rest of today live.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("DEBUG", "false")

CALLS = int(os.environ.get("BENCH_CALLS", 10_000_000))
VISITS = int(os.environ.get("BENCH_VISITS", 10_000_000))
DAYS = 400
RUNS = int(os.environ.get("BENCH_RUNS", 15))
TARGET_MS = 50
LOCK_KEY = 25_004  # pg_advisory_lock: one bench_dashboard at a time per PostgreSQL server


def seeded_url(url: str) -> str:
    base, name = url.rsplit("/", 1)
    return f"{base}/{name}_dash10m"


def prepare_database(url: str, admin) -> bool:
    """True when the database holds a seed of the wanted size; otherwise it is (re)created empty."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        with psycopg.connect(url) as conn:
            found = (conn.execute("SELECT to_regclass('bench_seed') IS NOT NULL").fetchone() or (False,))[0]
            wanted = None
            if found:
                wanted = conn.execute("SELECT 1 FROM bench_seed WHERE version = %s AND calls = %s AND visits = %s "
                                      "AND days = %s", [SEED_VERSION, CALLS, VISITS, DAYS]).fetchone()
        if wanted:
            return True
        print(f"seed: {name} holds another seed (or an unfinished one): recreating it", flush=True)
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    return False


def pages(accounts):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from calls.models import Call
    from dashboard.cursors import cursor_encode
    from pools.models import Pool

    account = accounts[LARGE_ACCOUNT]
    visitor_pool = Pool.objects.get(account=account, name="Visitor pool")
    source_pool = Pool.objects.get(account=account, name="Source pool")
    website = visitor_pool.website
    recent = list(Call.objects.filter(account=account).order_by("-started_at", "-id")[:50])
    assert len(recent) == 50, "the seed made calls"
    call = next(c for c in recent if c.visit_id)
    # A year is a custom range (the presets stop at 90 days; an unknown `range` falls back to 30 days).
    today = timezone.now().astimezone(ZoneInfo(account.timezone)).date()
    year = f"range=custom&start={today - timedelta(days=364)}&end={today}"
    return [
        ("overview 30 days", "/dashboard/"),
        ("overview 90 days", "/dashboard/?range=90"),
        ("overview 90 days, website", f"/dashboard/?range=90&website={website.pk}"),
        ("calls log", "/dashboard/calls/"),
        ("calls log page 2", f"/dashboard/calls/?after={cursor_encode(recent[-1])}"),
        ("calls log 365 days", f"/dashboard/calls/?{year}"),
        ("calls log status+source", "/dashboard/calls/?status=busy&source=bing"),
        ("calls log rare filter 365 d", f"/dashboard/calls/?{year}&status=canceled&source=yelp.com"),
        ("calls log caller search", f"/dashboard/calls/?q=%2B13120000042&{year}"),
        ("calls log 90 days, pool", f"/dashboard/calls/?range=90&pool={source_pool.pk}"),
        ("calls log sorted by talk", "/dashboard/calls/?sort=-talk_time"),
        ("calls log sorted, page 3", "/dashboard/calls/?sort=source_medium&page=3"),
        ("call detail", f"/dashboard/calls/{call.pk}/"),
        ("report source/medium", "/dashboard/reports/source_medium/"),
        ("report campaign 90 days", "/dashboard/reports/campaign/?range=90"),
        ("report keyword", "/dashboard/reports/term/"),
        ("report landing page", "/dashboard/reports/landing_page/"),
        ("report tracker", "/dashboard/reports/tracker/"),
        ("report pool", "/dashboard/reports/pool/"),
        ("report source, first touch", "/dashboard/reports/source_medium/?model=first"),
        ("report source, linear", "/dashboard/reports/source_medium/?model=linear"),
        ("report CSV campaign", "/dashboard/reports/campaign.csv"),
        ("pools", "/dashboard/pools/"),
        ("pool detail (visitor)", f"/dashboard/pools/{visitor_pool.pk}/"),
        ("pool detail (source)", f"/dashboard/pools/{source_pool.pk}/"),
        ("install", "/dashboard/websites/"),
        ("all accounts", "/dashboard/accounts/"),
        ("admin: calls", "/admin/calls/call/"),
        ("admin: calls search", "/admin/calls/call/?q=%2B13120000042"),
        ("admin: visits", "/admin/attribution/visit/"),
    ]


def time_page(client, url) -> tuple[float, float, float, int]:
    """(median ms, p95 ms, median ms inside SQL statements, statements) of RUNS requests after a warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def once():
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                for _ in response.streaming_content:
                    pass
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, sum(float(q["time"]) for q in queries.captured_queries) * 1000, len(queries)

    once()
    samples = [once() for _ in range(RUNS)]
    times = sorted(s[0] for s in samples)
    return (statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            statistics.median(s[1] for s in samples), samples[-1][2])


def rollup_pass(account, *, full: bool = False) -> str:
    """One rollup pass of the account, chunk by chunk as the worker runs it; a line of its figures."""
    from django.conf import settings

    from calls.models import Call
    from reports.models import RollupState
    from reports.services import rollup_refresh_chunk

    kind = "full" if full or not RollupState.objects.filter(account=account).exists() else "incremental"
    started = time.perf_counter()
    times, rows, days = [], 0, 0
    chunk = None
    while chunk is None or not (chunk.done or chunk.busy):
        chunk_started = time.perf_counter()
        chunk = rollup_refresh_chunk(account=account, full=full and chunk is None)
        times.append(time.perf_counter() - chunk_started)
        rows += chunk.rows
        days += (chunk.days[1] - chunk.days[0]).days if chunk.days else 0
    total = time.perf_counter() - started
    timeout = settings.Q_CLUSTER["timeout"]
    calls = Call.objects.filter(account=account).count()
    return (f"{account.name} ({calls:,} calls), {kind} pass: {days} days in {len(times)} chunks, {rows:,} rows, "
            f"{total:.1f} s; per chunk median {statistics.median(times):.2f} s, max {max(times):.2f} s "
            f"(worker task timeout {timeout} s: {'ok' if max(times) < timeout / 2 else 'TOO SLOW'})")


def rollup_tables_analyzed(url: str) -> str:
    """VACUUM ANALYZE of the tables the rollup writes, as autovacuum does within a minute of a write this big: on a
    fresh seed the first pass fills them, and until then the planner sees empty tables (a keyword report read
    its blocks with a filter instead of the index: 300 ms instead of 10)."""
    import psycopg

    from attribution.models import SourceDayRollup
    from reports.models import CreditDay, ReportDay, ReportSpan

    tables = [model._meta.db_table for model in (ReportDay, ReportSpan, CreditDay, SourceDayRollup)]
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            conn.execute(f'VACUUM ANALYZE "{table}"')
    return f"{', '.join(tables)} vacuumed and analyzed in {time.perf_counter() - started:.1f} s"


def future_rows_removed() -> str:
    """The seed spreads its last day over all its hours, so a run on the day of the seed finds calls and visits that
    start after now: thousands of rows the pages read live that production never has (its live part is the calls
    since the last partial rollup). Removed once, with what hangs on them (events, leases, page views)."""
    from django.db import connection
    from django.utils import timezone

    from attribution.models import Visit
    from calls.models import Call

    now = timezone.now()
    calls = Call.objects.filter(started_at__gt=now).delete()[1].get("calls.Call", 0)
    visits = Visit.objects.filter(started_at__gt=now).delete()[1].get("attribution.Visit", 0)
    if calls or visits:  # as autovacuum does soon after: index scans newest first would step over the dead rows
        with connection.cursor() as cursor:
            for table in ("calls_call", "calls_callevent", "attribution_visit", "attribution_pageview",
                          "trackers_lease"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    return f"{calls:,} calls and {visits:,} visits that start after now removed, with their dependent rows"


def today_rolled_behind(account, *, minutes: int) -> str:
    """Today's partial rollup as the scheduled task (every 15 minutes) leaves it at worst: rolled up to `minutes`
    before now, so that the pages read that much of today live."""
    from datetime import timedelta

    from django.utils import timezone

    from calls.models import Call
    from reports.models import RollupState
    from reports.services import TODAY_MARGIN, rollup_today

    RollupState.objects.filter(account=account).update(partial_until=None)
    rolled = rollup_today(account=account, now=timezone.now() - timedelta(minutes=minutes) + TODAY_MARGIN)
    state = RollupState.objects.filter(account=account).first()
    if state is None or state.partial_until is None:
        return f"not rolled ({rolled} rows): read live"
    live = Call.objects.filter(account=account, started_at__gte=state.partial_until).count()
    return f"rolled up to {state.partial_until:%H:%M} UTC ({rolled} rows); {live:,} calls after it read live"


def pool_peaks_rolled(*, minutes: int) -> str:
    """The visitor pools' daily peaks (pools.peaks) as the scheduled task (every 15 minutes) leaves them at worst:
    rolled up to `minutes` (and its settle margin) before now, so the pool pages read that much of the leases live.
    Always run, whatever BENCH_ROLLUP says: the roll only moves forward (a database whose leases were just seeded
    catches up its whole history, chunk by chunk as the worker would; later runs add minutes). The sweep of lapsed
    leases (trackers.tasks, every 5 minutes) runs first, as in production: the seed's open sessions lapse."""
    from datetime import timedelta

    from django.conf import settings
    from django.db.models import Max
    from django.utils import timezone

    from pools.models import Pool, PoolPeakRollup
    from pools.peaks import pool_peaks_roll_chunk, pools_final_until
    from trackers.leasing import lease_release_expired
    from trackers.models import Lease

    lease_release_expired(now=timezone.now())
    now = timezone.now() - timedelta(minutes=minutes)
    pools = list(Pool.objects.filter(tracking=Pool.Tracking.VISITOR).select_related("account").order_by("pk"))
    finals = pools_final_until(pool_ids=[pool.pk for pool in pools], now=now)
    times, pieces = [], 0
    started = time.perf_counter()
    for pool in pools:
        while True:
            chunk_started = time.perf_counter()
            rolled = pool_peaks_roll_chunk(pool=pool, final=finals[pool.pk], now=now)
            if not rolled:
                break
            times.append(time.perf_counter() - chunk_started)
            pieces += rolled
    total = time.perf_counter() - started
    until = PoolPeakRollup.objects.aggregate(until=Max("rolled_until"))["until"]
    live = Lease.objects.filter(pool_id__in=Pool.objects.filter(tracking="visitor").values("pk"),
                                started_at__gte=until, started_at__lt=timezone.now()).count() if until else 0
    timeout = settings.Q_CLUSTER["timeout"]
    chunks = (f"{len(times)} chunks in {total:.1f} s, per chunk median {statistics.median(times):.2f} s, max "
              f"{max(times):.2f} s (worker task timeout {timeout} s: {'ok' if max(times) < timeout / 2 else 'TOO SLOW'})"
              if times else f"nothing to roll ({total:.2f} s)")
    return (f"visitor pools rolled up to {until:%H:%M} UTC; {pieces} days or parts of days: {chunks}; "
            f"{live:,} leases since read live" if until else chunks)


def main():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench_dashboard needs PostgreSQL: set BENCH_DATABASE_URL (make bench) or DATABASE_URL")
    import psycopg

    url = seeded_url(url)
    os.environ["DATABASE_URL"] = url
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    admin = psycopg.connect(admin_url, autocommit=True)
    admin.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    seeded = prepare_database(url, admin)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.1f} s", flush=True)
    if not seeded:
        with psycopg.connect(url) as conn:
            seed(conn, calls=CALLS, visits=VISITS, days=DAYS)
            started = time.perf_counter()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")
            print(f"seed: VACUUM ANALYZE in {time.perf_counter() - started:.0f} s", flush=True)
            conn.execute("CREATE TABLE bench_seed (version int, calls bigint, visits bigint, days int, "
                         "seeded_at timestamptz DEFAULT now())")
            conn.execute("INSERT INTO bench_seed (version, calls, visits, days) VALUES (%s, %s, %s, %s)",
                         [SEED_VERSION, CALLS, VISITS, DAYS])
    else:
        print(f"seed: reusing {url.rsplit('/', 1)[1]}", flush=True)
    with psycopg.connect(url) as conn:
        leases = leases_seeded(conn)
        if leases is None:  # a database seeded before the leases were: added once, no reseed
            leases = seed_leases(conn)
            started = time.perf_counter()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE trackers_lease")
            print(f"seed: trackers_lease VACUUM ANALYZE in {time.perf_counter() - started:.0f} s", flush=True)
        else:
            print(f"seed: reusing its {leases:,} leases", flush=True)

    from django.contrib.auth import get_user_model

    from accounts.models import Account
    from accounts.selectors import ACCOUNT_SESSION_KEY

    accounts = {a.name: a for a in Account.objects.filter(name__startswith="Bench").order_by("id")}
    # The scheduled task's work: every account's pass to today (BENCH_ROLLUP=0: leave the rollup as it is).
    rolling = os.environ.get("BENCH_ROLLUP", "1") != "0"
    rollup_lines = {name: rollup_pass(account) for name, account in accounts.items()} if rolling else {}
    for line in rollup_lines.values():
        print(f"rollup: {line}", flush=True)
    if rolling:  # the rules engine's daily source counts too (attribution.tasks, scheduled like the rollup)
        from django.utils import timezone

        from attribution.source_counts import source_days_roll

        started = time.perf_counter()
        counted = source_days_roll(now=timezone.now())
        print(f"rollup: source counts, {counted} website-days counted in {time.perf_counter() - started:.1f} s", flush=True)

    if rolling:
        print(f"rollup: {rollup_tables_analyzed(url)}", flush=True)
    lag = int(os.environ.get("BENCH_TODAY_LAG_MINUTES", 15))
    print(f"seed: {future_rows_removed()}", flush=True)
    for account in accounts.values():
        print(f"today: {account.name} {today_rolled_behind(account, minutes=lag)}", flush=True)
    print(f"peaks: {pool_peaks_rolled(minutes=lag)}", flush=True)

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-marketer"))
    session = client.session
    session[ACCOUNT_SESSION_KEY] = accounts[LARGE_ACCOUNT].pk
    session.save()
    admin_client = Client()
    admin_client.force_login(get_user_model().objects.get(username="bench-admin"))
    results = {}
    only = [part for part in os.environ.get("BENCH_PAGES", "").split(",") if part]
    for name, page in pages(accounts):
        if only and not any(part in name for part in only):
            continue
        results[name] = time_page(admin_client if page.startswith("/admin/") else client, page)
        print(f"  {name:32} {results[name][0]:8.1f} ms, sql {results[name][2]:7.1f} ms in {results[name][3]} statements",
              flush=True)

    slow = [name for name, (median, *_rest) in results.items() if median > TARGET_MS]
    print(f"\n{CALLS:,} calls, {VISITS:,} visits over {DAYS} days ({LARGE_ACCOUNT}: 60 %); "
          f"{RUNS} runs per page after a warm-up; ms server time")
    print(f"{'page':32} {'median':>8} {'p95':>8} {'sql':>8} {'stmts':>6}  ≤{TARGET_MS} ms median")
    for name, (median, p95, sql, statements) in results.items():
        print(f"{name:32} {median:8.1f} {p95:8.1f} {sql:8.1f} {statements:6}  {'ok' if median <= TARGET_MS else 'SLOW'}")
    print(f"{len(results) - len(slow)}/{len(results)} pages within {TARGET_MS} ms" + (f"; slow: {', '.join(slow)}" if slow else ""))
    slowest = max(results, key=lambda name: results[name][0])
    print(f"BENCH dashboard.pages slowest median {results[slowest][0]:.1f} ms ({slowest}), {len(slow)} of {len(results)} "
          f"pages over {TARGET_MS} ms ratio=- goal=<={TARGET_MS}ms {'PASS' if not slow else 'FAIL'}")
    if rolling:
        rolled = rollup_lines[ROLLUP_ACCOUNT]
        if ", full pass" not in rolled:
            rolled = rollup_pass(accounts[ROLLUP_ACCOUNT], full=True)
        print(f"\nrollup refresh, chunked: {rolled}")
    admin.close()


from dashseed import LARGE_ACCOUNT, ROLLUP_ACCOUNT, SEED_VERSION, leases_seeded, seed, seed_leases  # noqa: E402

if __name__ == "__main__":
    main()
