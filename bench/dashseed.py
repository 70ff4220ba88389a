"""Seeds the dashboard bench database with COPY: CALLS calls and VISITS visits over DAYS days, spread over several
accounts (one large: LARGE_SHARE of the rows; the others share the rest evenly).

Rows are written in time order with the accounts interleaved, the way a shared production database fills up, so
the large account's rows are spread over the whole table (no accidental physical clustering that flatters plans).
Traffic grows over the period (the last day has twice the first day's rows), with a weekday and business-hours
pattern; sources, campaigns, keywords and landing pages follow skewed (Zipf-like) distributions; callers repeat.

The secondary indexes of the three big tables are dropped during the load and rebuilt after it (how a bulk load is
done); foreign keys are not checked during the load (session_replication_role = replica: the seed writes valid ids).
A `bench_seed` row records what was seeded: a rerun with the same sizes reuses the database as it is.
"""

import bisect
import math
import random
import time
from datetime import UTC, datetime, timedelta

SEED_VERSION = 1
ACCOUNTS = 5
LARGE_SHARE = 0.6
LARGE_ACCOUNT = "Bench Co"
ROLLUP_ACCOUNT = "Bench Small 1"

SOURCES = [  # source, medium, channel, weight
    ("google", "cpc", "Paid Search", 32),
    ("google", "organic", "Organic Search", 24),
    ("(direct)", "(none)", "Direct", 15),
    ("facebook", "social", "Organic Social", 7),
    ("bing", "cpc", "Paid Search", 5),
    ("newsletter", "email", "Email", 4),
    ("duckduckgo", "organic", "Organic Search", 3),
    ("partner.example", "referral", "Referral", 3),
    ("yelp.com", "referral", "Referral", 3),
    ("facebook", "paid", "Paid Social", 4),
]
# Share of each hour of the (UTC) day in the traffic: business hours in the Americas.
HOUR_WEIGHTS = [3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 9, 8, 8, 7, 6, 5, 4]
WEEKDAY_WEIGHTS = [1.1, 1.15, 1.1, 1.05, 1.0, 0.6, 0.5]
STATUSES = [("completed", 76), ("no-answer", 12), ("busy", 5), ("failed", 3), ("canceled", 4)]
OUTCOMES = [("", 65), ("lead", 20), ("not_lead", 10), ("sale", 5)]
CITIES = [("Chicago", "IL"), ("Springfield", "IL"), ("Austin", "TX"), ("Denver", "CO"), ("Miami", "FL"), ("", "")]


def _zipf_cumulative(n: int, s: float = 1.1) -> list[float]:
    weights = [1 / (k ** s) for k in range(1, n + 1)]
    total = sum(weights)
    out, acc = [], 0.0
    for w in weights:
        acc += w / total
        out.append(acc)
    return out


def _picker(cumulative):
    def pick(rng) -> int:
        return min(bisect.bisect(cumulative, rng.random()), len(cumulative) - 1)
    return pick


def _cumulative(weights) -> list[float]:
    total = sum(weights)
    out, acc = [], 0.0
    for w in weights:
        acc += w / total
        out.append(acc)
    return out


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def timestamps(n: int, days: int, end: datetime, rng: random.Random):
    """n ascending instants over `days` days before `end`: linear growth, weekday and hour-of-day shape."""
    start = end - timedelta(days=days)
    day_weights = [(1 + d / days) * WEEKDAY_WEIGHTS[(start + timedelta(days=d)).weekday()] for d in range(days)]
    day_total = sum(day_weights)
    hour_cumulative = _cumulative(HOUR_WEIGHTS)
    produced = 0
    for d, weight in enumerate(day_weights):
        count = round(n * sum(day_weights[: d + 1]) / day_total) - produced
        produced += count
        base = start + timedelta(days=d)
        fractions = sorted(rng.random() for _ in range(count))
        for f in fractions:
            hour = bisect.bisect(hour_cumulative, f)
            low = hour_cumulative[hour - 1] if hour else 0.0
            within = (f - low) / (hour_cumulative[hour] - low)
            yield base + timedelta(hours=hour, seconds=within * 3599)


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S+00")


def seed(conn, *, calls: int, visits: int, days: int, log=print) -> dict:
    """Loads the rows into an empty (migrated) database through `conn` (a psycopg connection). Returns the ids of
    what the bench needs (accounts by name, the marketer's username)."""
    from django.contrib.auth import get_user_model

    from accounts.models import Account, Membership, Website
    from pools.models import Pool
    from tests.factories import FACTORY_AREA_CODES
    from trackers.models import CallTracker

    rng = random.Random(25)
    users = get_user_model()
    marketer, _ = users.objects.get_or_create(username="bench-marketer")
    admin, _ = users.objects.get_or_create(username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    setups = []
    area = FACTORY_AREA_CODES[len(FACTORY_AREA_CODES) // 2]
    for index in range(ACCOUNTS):
        name = LARGE_ACCOUNT if index == 0 else f"Bench Small {index}"
        account, _ = Account.objects.get_or_create(name=name, defaults={"timezone": "America/New_York"})
        Membership.objects.get_or_create(user=marketer, account=account, defaults={"role": "marketer"})
        website, _ = Website.objects.get_or_create(key=f"benchsite{index}", defaults={
            "account": account, "name": f"{name} site", "allowed_origins": [f"https://site{index}.example.com"]})
        visitor_pool, _ = Pool.objects.get_or_create(account=account, name="Visitor pool", defaults={
            "website": website, "tracking": "visitor", "original_number": f"+1202555{index:02d}00", "size": 20})
        source_pool, _ = Pool.objects.get_or_create(account=account, name="Source pool", defaults={
            "website": website, "tracking": "source", "kind": "automated", "original_number": f"+1202555{index:02d}50",
            "size": 8, "utilization": "0.5"})
        lease_trackers, source_trackers = [], []
        if not CallTracker.objects.filter(pool__account=account).exists():
            for n in range(20):
                CallTracker.objects.create(pool=visitor_pool, tracking_number=f"+1{area}55{index}{100 + n}",
                                           status="active", original_number=visitor_pool.original_number)
            for n, (source, medium, _channel, _w) in enumerate(SOURCES[:8]):
                CallTracker.objects.create(pool=source_pool, tracking_number=f"+1{area}55{index}{150 + n}",
                                           status="active", source=source, medium=medium,
                                           original_number=source_pool.original_number)
        for tracker in CallTracker.objects.filter(pool__account=account).order_by("id"):
            (lease_trackers if tracker.pool_id == visitor_pool.pk else source_trackers).append(tracker)
        setups.append({"account": account, "website": website, "host": f"site{index}.example.com",
                       "lease": lease_trackers, "source": source_trackers, "visitors": [], "callers": 0,
                       "last_visit": None})

    account_cumulative = _cumulative([LARGE_SHARE] + [(1 - LARGE_SHARE) / (ACCOUNTS - 1)] * (ACCOUNTS - 1))
    pick_account = _picker(account_cumulative)
    pick_source = _picker(_cumulative([s[3] for s in SOURCES]))
    pick_campaign = _picker(_zipf_cumulative(60))
    pick_term = _picker(_zipf_cumulative(2000, 1.0))
    pick_page = _picker(_zipf_cumulative(400))
    pick_status = _picker(_cumulative([w for _s, w in STATUSES]))
    pick_outcome = _picker(_cumulative([w for _s, w in OUTCOMES]))

    end = datetime.now(UTC)
    index_defs = _drop_secondary_indexes(conn, ["calls_call", "attribution_visit", "attribution_visitor"])
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM attribution_visit")
        next_visit = cur.fetchone()[0] + 1
        cur.execute("SELECT coalesce(max(id), 0) FROM attribution_visitor")
        next_visitor = cur.fetchone()[0] + 1
        cur.execute("SELECT coalesce(max(id), 0) FROM calls_call")
        next_call = cur.fetchone()[0] + 1

    import psycopg

    info = conn.info
    dsn = f"host={info.host} port={info.port} dbname={info.dbname} user={info.user}"
    visit_cols = ("id, website_id, visitor_id, session_uid, source, medium, campaign, term, content, gclid, gbraid, "
                  "wbraid, msclkid, fbclid, landing_page, landing_page_key, channel, referrer, ga_client_id, "
                  "ga_session_id, user_agent, is_bot, pageviews, started_at, last_seen_at")
    visitor_cols = ("id, website_id, uid, first_source, first_medium, first_campaign, first_landing_page, "
                    "first_seen_at, last_seen_at")
    call_cols = ("id, account_id, provider_call_id, tracker_id, pool_id, tracking_number, caller_number, "
                 "original_number, status, last_sequence_number, started_at, answered_at, ended_at, duration_seconds, "
                 "talk_seconds, is_first_time_caller, visit_id, attribution_method, attribution_confidence, source, "
                 "medium, campaign, term, landing_page, landing_page_key, channel, gclid, created_at, outcome, "
                 "is_conversion, conversion_value, caller_city, caller_region, caller_country, spam, voicemail")
    connections = [psycopg.connect(dsn) for _ in range(3)]
    for extra in connections:
        extra.execute("SET session_replication_role = replica")
    visit_conn, visitor_conn, call_conn = connections
    n = max(calls, visits)
    visit_every = visits / n
    call_every = calls / n
    visit_credit = call_credit = 0.0
    buffers: dict[str, list[str]] = {"visit": [], "visitor": [], "call": []}
    made = {"visit": 0, "visitor": 0, "call": 0}
    with (visit_conn.cursor().copy(f"COPY attribution_visit ({visit_cols}) FROM STDIN") as visit_copy,
          visitor_conn.cursor().copy(f"COPY attribution_visitor ({visitor_cols}) FROM STDIN") as visitor_copy,
          call_conn.cursor().copy(f"COPY calls_call ({call_cols}) FROM STDIN") as call_copy):
        copies = {"visit": visit_copy, "visitor": visitor_copy, "call": call_copy}

        def flush(kind: str, force: bool = False):
            if buffers[kind] and (force or len(buffers[kind]) >= 20000):
                copies[kind].write("".join(buffers[kind]).encode())
                made[kind] += len(buffers[kind])
                buffers[kind].clear()

        last_report = time.perf_counter()
        for i, at in enumerate(timestamps(n, days, end, rng)):
            setup = setups[pick_account(rng)]
            when = stamp(at)
            visit_credit += visit_every
            if visit_credit >= 1:
                visit_credit -= 1
                source, medium, channel, _w = SOURCES[pick_source(rng)]
                paid = medium in ("cpc", "paid")
                campaign = f"campaign-{pick_campaign(rng)}" if paid or medium == "email" else ""
                term = f"keyword {pick_term(rng)}" if paid and source != "facebook" else ""
                page = f"/page-{pick_page(rng)}"
                gclid = f"Cj0K{next_visit}" if source == "google" and paid else ""
                landing = f"https://{setup['host']}{page}" + (f"?gclid={gclid}" if gclid else "")
                visitors = setup["visitors"]
                if not visitors or rng.random() < 0.35:
                    visitor = next_visitor
                    next_visitor += 1
                    visitors.append(visitor)
                    buffers["visitor"].append(
                        f"{visitor}\t{setup['website'].pk}\tbv{visitor}\t{source}\t{medium}\t{campaign}\t{landing}\t"
                        f"{when}\t{when}\n")
                    flush("visitor")
                else:
                    visitor = visitors[int(len(visitors) * math.sqrt(rng.random()))]
                referrer = f"https://{source}/" if medium == "referral" else ""
                bot = "t" if rng.random() < 0.02 else "f"
                pageviews = 1 + int(rng.expovariate(0.6))
                left = stamp(at + timedelta(seconds=int(rng.expovariate(1 / 148))))
                buffers["visit"].append(
                    f"{next_visit}\t{setup['website'].pk}\t{visitor}\tbs{next_visit}\t{source}\t{medium}\t{campaign}\t"
                    f"{term}\t\t{gclid}\t\t\t\t\t{_escape(landing)}\t{setup['host']}{page}\t{channel}\t{referrer}\t"
                    f"\t\tMozilla/5.0 (bench)\t{bot}\t{pageviews}\t{when}\t{left}\n")
                setup["last_visit"] = (next_visit, source, medium, campaign, term, landing,
                                       f"{setup['host']}{page}", channel, gclid)
                next_visit += 1
                flush("visit")
            call_credit += call_every
            if call_credit >= 1:
                call_credit -= 1
                last = setup["last_visit"]
                if last is not None and rng.random() < 0.7:
                    visit_id, source, medium, campaign, term, landing, key, channel, gclid = last
                    tracker = setup["lease"][next_call % len(setup["lease"])]
                    method, confidence, visit_text = "lease", "1.0", str(visit_id)
                else:
                    tracker = setup["source"][next_call % len(setup["source"])]
                    source, medium = tracker.source, tracker.medium
                    campaign = term = landing = key = gclid = ""
                    channel = next((s[2] for s in SOURCES if s[0] == source and s[1] == medium), "")
                    method, confidence, visit_text = "source", "0.8", "\\N"
                if setup["callers"] and rng.random() < 0.4:
                    caller = 1 + int(setup["callers"] * rng.random())
                    first = "f"
                else:
                    setup["callers"] += 1
                    caller = setup["callers"]
                    first = "t"
                status = STATUSES[pick_status(rng)][0]
                answered = status == "completed"
                talk = int(20 + rng.expovariate(1 / 180)) if answered else 0
                outcome = OUTCOMES[pick_outcome(rng)][0] if answered else ""
                conversion = outcome in ("lead", "sale")
                value = ("500.00" if outcome == "sale" else "0") if conversion else "0"
                city, region = CITIES[caller % len(CITIES)]
                voicemail = "t" if status == "no-answer" and rng.random() < 0.3 else "f"
                spam = "t" if rng.random() < 0.01 else "f"
                call_at = at + timedelta(seconds=90)
                call_when = stamp(call_at)
                answered_at = stamp(call_at + timedelta(seconds=8)) if answered else "\\N"
                ended = stamp(call_at + timedelta(seconds=10 + talk))
                buffers["call"].append(
                    f"{next_call}\t{setup['account'].pk}\tCAbench{next_call:012d}\t{tracker.pk}\t{tracker.pool_id}\t"
                    f"{tracker.tracking_number}\t+1312{caller:07d}\t{tracker.original_number}\t{status}\t-1\t"
                    f"{call_when}\t{answered_at}\t{ended}\t{10 + talk}\t{talk}\t{first}\t{visit_text}\t{method}\t"
                    f"{confidence}\t{source}\t{medium}\t{campaign}\t{term}\t{_escape(landing)}\t{key}\t{channel}\t"
                    f"{gclid}\t{call_when}\t{outcome}\t{'t' if conversion else 'f'}\t{value}\t{city}\t{region}\t"
                    f"{'US' if city else ''}\t{spam}\t{voicemail}\n")
                next_call += 1
                flush("call")
            if i % 200000 == 0 and time.perf_counter() - last_report > 30:
                last_report = time.perf_counter()
                log(f"seed: {i:,}/{n:,} rows in {last_report - started:.0f} s", flush=True)
        for kind in buffers:
            flush(kind, force=True)
    for extra in connections:
        extra.commit()
        extra.close()
    log(f"seed: copied {made['visit']:,} visits, {made['visitor']:,} visitors, {made['call']:,} calls "
        f"in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for definition in index_defs:
            cur.execute(definition)
        for table in ("calls_call", "attribution_visit", "attribution_visitor"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.commit()
    log(f"seed: {len(index_defs)} indexes rebuilt in {time.perf_counter() - started:.0f} s", flush=True)
    return made


def _drop_secondary_indexes(conn, tables: list[str]) -> list[str]:
    """Drops the indexes of `tables` that back no constraint; returns their definitions to recreate them."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """, [tables])
        found = cur.fetchall()
        for name, _definition in found:
            cur.execute(f'DROP INDEX "{name}"')
    conn.commit()
    return [definition for _name, definition in found]
