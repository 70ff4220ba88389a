"""Dashboard pages with 1 M calls and 1 M visits in PostgreSQL: server time per page, target ≤ 150 ms.

Run with `make bench BENCH=dashboard` (BENCH_DATABASE_URL picks the database; it is created if missing).
Seeding is INSERT … SELECT generate_series and happens once (the bench account is reused on later runs).
Each page is timed through Django's test Client (logged in, middleware and templates included): one warm-up,
then RUNS timed requests; median and max are printed. The pages are measured twice side by side: reading
everything live from Call/Visit (no rollup: the baseline), then with the daily ReportDay rollup refreshed
(closed days from the rollup, today live), and the ratio is printed.
"""

import os
import statistics
import sys
import time
from pathlib import Path

from benchdb import ensure_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("DEBUG", "false")

CALLS = int(os.environ.get("BENCH_CALLS", 1_000_000))
VISITS = int(os.environ.get("BENCH_VISITS", 1_000_000))
VISITORS = VISITS // 4
DAYS = 365
RUNS = int(os.environ.get("BENCH_RUNS", 7))
TARGET_MS = 150
ACCOUNT = "Bench Co"

def seed():
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts.models import Account, Membership, Website
    from calls.models import Call
    from pools.models import Pool
    from tests.factories import FACTORY_AREA_CODES
    from trackers.models import CallTracker

    account, _ = Account.objects.get_or_create(name=ACCOUNT, defaults={"timezone": "America/New_York"})
    user, _ = get_user_model().objects.get_or_create(username="bench-marketer")
    Membership.objects.get_or_create(user=user, account=account, defaults={"role": "marketer"})
    website, _ = Website.objects.get_or_create(key="benchsite", defaults={
        "account": account, "name": "Bench dashboard site", "allowed_origins": ["https://bench.example.com"]})
    visitor_pool, _ = Pool.objects.get_or_create(account=account, name="Visitor pool", defaults={
        "website": website, "tracking": "visitor", "original_number": "+12025550100", "size": 20})
    source_pool, _ = Pool.objects.get_or_create(account=account, name="Source pool", defaults={
        "website": website, "tracking": "source", "kind": "automated", "original_number": "+12025550150", "size": 8,
        "utilization": "0.5"})
    if not CallTracker.objects.filter(pool__account=account).exists():
        area = FACTORY_AREA_CODES[len(FACTORY_AREA_CODES) // 2]
        for n in range(20):
            CallTracker.objects.create(pool=visitor_pool, tracking_number=f"+1{area}5550{100 + n}", status="active",
                                       original_number=visitor_pool.original_number)
        for n, (source, medium) in enumerate([("google", "cpc"), ("google", "organic"), ("(direct)", "(none)"),
                                              ("facebook", "social"), ("", ""), ("", ""), ("", ""), ("", "")]):
            status = "active" if source else "available"
            CallTracker.objects.create(pool=source_pool, tracking_number=f"+1{area}5550{150 + n}", status=status,
                                       source=source, medium=medium,
                                       original_number=source_pool.original_number if source else "")
    existing = Call.objects.filter(account=account).count()
    if existing >= CALLS:
        print(f"seed: reusing {existing:,} calls", flush=True)
        return account, user
    started = time.perf_counter()
    tracker_ids = list(CallTracker.objects.filter(pool__account=account, status="active").order_by("id").values_list("id", flat=True))
    with connection.cursor() as cur:
        cur.execute("DELETE FROM calls_call WHERE account_id = %s", [account.pk])
        cur.execute("DELETE FROM attribution_visit WHERE website_id = %s", [website.pk])
        cur.execute("DELETE FROM attribution_visitor WHERE website_id = %s", [website.pk])
        cur.execute(
            """
            INSERT INTO attribution_visitor (website_id, uid, first_source, first_medium, first_campaign,
                                             first_landing_page, first_seen_at, last_seen_at)
            SELECT %(website)s, 'bv' || i, '', '', '', '', now() - (i %% %(days)s) * interval '1 day',
                   now() - (i %% %(days)s) * interval '1 day'
            FROM generate_series(1, %(n)s) AS i
            """, {"website": website.pk, "n": VISITORS, "days": DAYS})
        cur.execute("SELECT min(id) FROM attribution_visitor WHERE website_id = %s", [website.pk])
        first_visitor = cur.fetchone()[0]
        # Sources, campaigns, keywords and pages cycle at different periods so the reports have realistic spread.
        cur.execute(
            """
            INSERT INTO attribution_visit (website_id, visitor_id, session_uid, source, medium, campaign, term, content,
                gclid, gbraid, wbraid, msclkid, fbclid, landing_page, landing_page_key, channel, referrer, ga_client_id,
                ga_session_id, user_agent, is_bot, pageviews, started_at, last_seen_at)
            SELECT %(website)s, %(first_visitor)s + (i %% %(visitors)s), 'bs' || i,
                   (ARRAY['google','google','(direct)','facebook','bing','newsletter','duckduckgo','partner.example'])[1 + i %% 8],
                   (ARRAY['cpc','organic','(none)','social','cpc','email','organic','referral'])[1 + i %% 8],
                   CASE WHEN i %% 8 IN (0, 3, 4, 5) THEN 'campaign-' || (i %% 13) ELSE '' END,
                   CASE WHEN i %% 8 IN (0, 4) THEN 'keyword ' || (i %% 97) ELSE '' END, '',
                   CASE WHEN i %% 8 = 0 THEN 'Cj0K' || i ELSE '' END, '', '', '', '',
                   'https://bench.example.com/page-' || (i %% 211), 'bench.example.com/page-' || (i %% 211),
                   (ARRAY['Paid Search','Organic Search','Direct','Organic Social','Paid Search','Email','Organic Search',
                          'Referral'])[1 + i %% 8],
                   '', '', '', 'Mozilla/5.0', false, 1 + i %% 5,
                   now() - (i::float / %(n)s) * %(days)s * interval '1 day',
                   now() - (i::float / %(n)s) * %(days)s * interval '1 day' + interval '5 minutes'
            FROM generate_series(1, %(n)s) AS i
            """, {"website": website.pk, "first_visitor": first_visitor, "visitors": VISITORS, "n": VISITS, "days": DAYS})
        cur.execute("SELECT min(id) FROM attribution_visit WHERE website_id = %s", [website.pk])
        first_visit = cur.fetchone()[0]
        cur.execute(
            """
            WITH trackers AS (SELECT %(trackers)s::bigint[] AS ids)
            INSERT INTO calls_call (account_id, provider_call_id, tracker_id, pool_id, tracking_number, caller_number,
                original_number, status, last_sequence_number, started_at, answered_at, ended_at, duration_seconds,
                talk_seconds, is_first_time_caller, visit_id, attribution_method, attribution_confidence, source, medium,
                campaign, term, landing_page, landing_page_key, channel, gclid, created_at)
            SELECT %(account)s, 'CAbench' || i, t.id, t.pool_id, t.tracking_number, '+1312555' || lpad((i %% 10000)::text, 4, '0'),
                   t.original_number, CASE WHEN i %% 10 < 8 THEN 'completed' WHEN i %% 10 = 8 THEN 'no-answer' ELSE 'busy' END,
                   -1, v.started_at + interval '3 minutes',
                   CASE WHEN i %% 10 < 8 THEN v.started_at + interval '3 minutes 8 seconds' END,
                   v.started_at + interval '6 minutes', 180, CASE WHEN i %% 10 < 8 THEN 172 ELSE 0 END,
                   i %% 5 < 3, v.id, 'lease', 1.0, v.source, v.medium, v.campaign, v.term, v.landing_page,
                   v.landing_page_key, v.channel, v.gclid, now()
            FROM generate_series(1, %(n)s) AS i
            CROSS JOIN trackers
            JOIN trackers_calltracker t ON t.id = trackers.ids[1 + i %% array_length(trackers.ids, 1)]
            JOIN attribution_visit v ON v.id = %(first_visit)s + ((i::bigint * %(visits)s) / %(n)s) - 1
            """, {"account": account.pk, "trackers": tracker_ids, "n": CALLS, "first_visit": first_visit, "visits": VISITS})
        # What autovacuum does after a bulk load in production: statistics and the visibility map
        # (without the latter PostgreSQL cannot use index-only scans).
        for table in ("attribution_visitor", "attribution_visit", "calls_call", "trackers_calltracker"):
            cur.execute(f"VACUUM ANALYZE {table}")
    print(f"seed: {VISITS:,} visits, {CALLS:,} calls in {time.perf_counter() - started:.0f} s", flush=True)
    return account, user


def pages(account):
    from calls.models import Call
    from pools.models import Pool

    visitor_pool = Pool.objects.get(account=account, name="Visitor pool")
    source_pool = Pool.objects.get(account=account, name="Source pool")
    website = visitor_pool.website
    call = Call.objects.filter(account=account).order_by("-started_at").first()
    assert call is not None, "the seed made calls"
    second_page = Call.objects.filter(account=account).order_by("-started_at", "-id")[49]
    from dashboard.cursors import cursor_encode
    return [
        ("overview 30 days", "/dashboard/"),
        ("overview 90 days", "/dashboard/?range=90"),
        ("overview 90 days, website", f"/dashboard/?range=90&website={website.pk}"),
        ("calls log", "/dashboard/calls/"),
        ("calls log page 2", f"/dashboard/calls/?after={cursor_encode(second_page)}"),
        ("calls log status+source", "/dashboard/calls/?status=busy&source=bing"),
        ("calls log caller search", "/dashboard/calls/?q=%2B13125550042"),
        ("calls log 90 days, pool", f"/dashboard/calls/?range=90&pool={source_pool.pk}"),
        ("call detail", f"/dashboard/calls/{call.pk}/"),
        ("report source/medium", "/dashboard/reports/source_medium/"),
        ("report campaign 90 days", "/dashboard/reports/campaign/?range=90"),
        ("report keyword", "/dashboard/reports/term/"),
        ("report landing page", "/dashboard/reports/landing_page/"),
        ("report tracker", "/dashboard/reports/tracker/"),
        ("report pool", "/dashboard/reports/pool/"),
        ("pools", "/dashboard/pools/"),
        ("pool detail (visitor)", f"/dashboard/pools/{visitor_pool.pk}/"),
        ("pool detail (source)", f"/dashboard/pools/{source_pool.pk}/"),
        ("install", "/dashboard/websites/"),
        ("report CSV campaign", "/dashboard/reports/campaign.csv"),
    ]


def time_page(client, url) -> tuple[float, float]:
    def once():
        started = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            for _ in response.streaming_content:
                pass
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        return elapsed

    once()
    samples = [once() for _ in range(RUNS)]
    return statistics.median(samples), max(samples)


def time_csv(client, url) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    lines = sum(chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n") for chunk in response.streaming_content)
    return (time.perf_counter() - started), lines


def measure(client, page_list) -> dict[str, tuple[float, float]]:
    return {name: time_page(client, url) for name, url in page_list}


def main():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench_dashboard needs PostgreSQL: set BENCH_DATABASE_URL (make bench) or DATABASE_URL")
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    account, user = seed()
    client = Client()
    client.force_login(user)
    page_list = pages(account)

    from reports.models import ReportDay, RollupState
    from reports.services import rollup_refresh

    RollupState.objects.filter(account=account).delete()
    ReportDay.objects.filter(account=account).delete()
    baseline = measure(client, page_list)
    started = time.perf_counter()
    rolled_rows = rollup_refresh(account=account, full=True)
    rollup_seconds = time.perf_counter() - started
    started = time.perf_counter()
    rollup_refresh(account=account)
    incremental_seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("ANALYZE dashboard_reportday")
    rolled = measure(client, page_list)
    csv_seconds, csv_lines = time_csv(client, "/dashboard/calls.csv?range=90")
    from datetime import date, timedelta
    year_start = (date.today() - timedelta(days=DAYS)).isoformat()
    all_seconds, all_lines = time_csv(client, f"/dashboard/calls.csv?range=custom&start={year_start}&end={date.today()}")

    print(f"\n{CALLS:,} calls, {VISITS:,} visits over {DAYS} days; {RUNS} runs per page after a warm-up; ms server time")
    print(f"{'page':30} {'live (baseline)':>22} {'with rollup':>22} {'ratio':>7}  ≤{TARGET_MS} ms")
    print(f"{'':30} {'median':>10} {'max':>11} {'median':>10} {'max':>11}")
    for name, _ in page_list:
        base_med, base_max = baseline[name]
        idx_med, idx_max = rolled[name]
        verdict = "ok" if idx_med <= TARGET_MS else "SLOW"
        print(f"{name:30} {base_med:10.1f} {base_max:11.1f} {idx_med:10.1f} {idx_max:11.1f} {base_med / idx_med:6.2f}x  {verdict}")
    print(f"\nrollup: full refresh {rolled_rows:,} rows in {rollup_seconds:.1f} s; "
          f"incremental refresh (last days) {incremental_seconds:.1f} s")
    print(f"calls CSV, 90 days: {csv_lines - 1:,} rows streamed in {csv_seconds:.2f} s "
          f"({(csv_lines - 1) / csv_seconds:,.0f} rows/s)")
    print(f"calls CSV, {DAYS + 1} days: {all_lines - 1:,} rows streamed in {all_seconds:.2f} s "
          f"({(all_lines - 1) / all_seconds:,.0f} rows/s)")
    slowest = max(rolled, key=lambda name: rolled[name][0])
    print(f"BENCH dashboard.pages slowest median {rolled[slowest][0]:.1f} ms ({slowest}) vs live {baseline[slowest][0]:.1f} ms "
          f"ratio={rolled[slowest][0] / baseline[slowest][0]:.2f} goal=<={TARGET_MS}ms {'PASS' if rolled[slowest][0] <= TARGET_MS else 'FAIL'}")


if __name__ == "__main__":
    main()
