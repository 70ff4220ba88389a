"""Leave beacon: how many trackers a visitor pool needs for zero exhaustion, before vs after `pagehide` → leave.

A simulation, not a timing: a day of visits to a business website with realistic page counts and dwell times,
each session holding one number of a visitor pool from its first page until its lease lapses.
- Before (no beacon): the lease lapses `lease_minutes` after the last renewal (a page load, or a heartbeat
  every `heartbeat_seconds` while the page stays open).
- After: on leaving, the beacon shortens it to `DNI_LEAVE_GRACE_SECONDS` after the exit; moving between pages
  keeps the number (the next page renews it at once). Beacons are lost now and then (mobile browsers killed in
  the background, crashes): those sessions keep the old rule.
Trackers needed for zero exhaustion = the peak number of leases that are unexpired at the same moment (any
tracker whose lease has lapsed can be lent again, `trackers/leasing.py`). The lease length, grace period and
heartbeat come from the product's own defaults. Deterministic (seeded): the same figures on every run.

Traffic model (documented so the figures can be argued with):
- arrivals: a non-homogeneous Poisson process over 24 h, a business-hours curve (night ≈ 4 % of the peak hour);
- pages per session: 50 % bounce (one page), else 1 + geometric(p = 0.3) more pages (mean ≈ 2.7 pages overall);
- time on each page: log-normal, median 30 s, σ = 1.1 (mean ≈ 55 s; a long tail of readers);
- the next page opens about a second after the previous one is left.

The model is then checked against the product itself: the same day (BENCH_LEAVE_REPLAY_SESSIONS, default 1,000
sessions; 0 skips it) is replayed on the bench PostgreSQL database through `dni_assign` (every page load and
heartbeat) and `dni_leave` (every delivered beacon) with a simulated clock, and the peak number of trackers holding
an unexpired lease is read from the database.

Run: make bench BENCH=leave   (BENCH_LEAVE_SESSIONS=… changes the day's volume)
"""

import math
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # Its own database (<bench db>_leave): the replay empties it, the other benches keep their seeded data.
    os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rstrip("/") + "_leave"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from dni_snippet.services import heartbeat_seconds  # noqa: E402
from pools.models import Pool  # noqa: E402

SEED = 20261202
SESSIONS = int(os.environ.get("BENCH_LEAVE_SESSIONS", 3000))
BEACON_DELIVERED = 0.9
# Relative traffic per hour of the day (0h … 23h): a business site, busiest late morning and early afternoon.
HOURLY = [2, 1, 1, 1, 1, 2, 5, 12, 30, 45, 50, 50, 48, 50, 48, 44, 38, 30, 24, 20, 16, 12, 7, 4]


@dataclass(frozen=True)
class Session:
    start: float  # seconds since midnight
    pages: list[float]  # time spent on each page, in order
    beacon_delivered: bool  # the leave beacons of this browser reach the server


def day_of_sessions(rng: random.Random, count: int) -> list[Session]:
    weights = [w / sum(HOURLY) for w in HOURLY]
    sessions = []
    for _ in range(count):
        hour = rng.choices(range(24), weights=weights)[0]
        start = hour * 3600 + rng.random() * 3600
        pages = 1 if rng.random() < 0.5 else 2 + int(math.log(1 - rng.random()) / math.log(0.7))
        dwell = [rng.lognormvariate(math.log(30), 1.1) for _ in range(pages)]
        sessions.append(Session(start, dwell, rng.random() < BEACON_DELIVERED))
    return sessions


def lease_interval(session: Session, *, lease_s: float, beat_s: float, grace_s: float | None) -> tuple[float, float]:
    """[first page, lease end) for one session. `grace_s` None = no leave beacon."""
    t = session.start
    for dwell in session.pages[:-1]:
        t += dwell + 1.0  # navigation: the next page's assign renews the lease
    last = session.pages[-1]
    exit_at = t + last
    last_renewal = t + (last // beat_s) * beat_s  # heartbeats while the last page stays open
    if grace_s is None:
        return session.start, last_renewal + lease_s
    return session.start, min(exit_at + grace_s, last_renewal + lease_s)


def peak_concurrency(intervals: list[tuple[float, float]]) -> int:
    # At equal times an end sorts before a start: a lapsed lease frees its tracker for the next visitor.
    events = sorted([(end, -1) for _, end in intervals] + [(start, 1) for start, _ in intervals])
    live = peak = 0
    for _, delta in events:
        live += delta
        peak = max(peak, live)
    return peak


def trackers_needed(sessions: list[Session], *, lease_s: float, beat_s: float, grace_s: float) -> tuple[int, int]:
    before = [lease_interval(s, lease_s=lease_s, beat_s=beat_s, grace_s=None) for s in sessions]
    after = [lease_interval(s, lease_s=lease_s, beat_s=beat_s, grace_s=grace_s if s.beacon_delivered else None)
             for s in sessions]
    return peak_concurrency(before), peak_concurrency(after)


def figures(volume: int, *, lease_s: float, beat_s: float, grace_s: float) -> tuple[list[Session], int, int]:
    day = day_of_sessions(random.Random(SEED + volume), volume)
    before, after = trackers_needed(day, lease_s=lease_s, beat_s=beat_s, grace_s=grace_s)
    return day, before, after


REPLAY_SESSIONS = int(os.environ.get("BENCH_LEAVE_REPLAY_SESSIONS", 1000))
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def replay(sessions: list[Session], *, beat_s: float, with_beacon: bool) -> int:
    """The same day through the product's own code on the bench database: `dni_assign` for every page load and
    heartbeat, `dni_leave` for every beacon, with `now` moved along the simulated clock. Returns the peak number of
    trackers holding an unexpired lease, read from the database at every page load (where a new lease is taken)."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection

    from attribution.services import VisitInput
    from dni_snippet.services import dni_assign, dni_leave
    from tests.factories import AccountFactory, CallTrackerFactory, PoolFactory, WebsiteFactory
    from trackers.models import ExhaustionEvent, Lease

    with connection.cursor() as cursor:  # a clean slate: this database (<bench db>_leave) holds only this bench's rows
        cursor.execute("TRUNCATE accounts_account RESTART IDENTITY CASCADE")
    website = WebsiteFactory(account=AccountFactory(name="bench leave"), key="benchleave")
    pool = PoolFactory(account=website.account, website=website, visitor=True, size=len(sessions), lease_minutes=30)
    for _ in range(len(sessions) // 4 + 50):
        CallTrackerFactory(pool=pool, active=True)
    pools = [pool]
    events = []  # (t, order, kind, session index, page number)
    for i, session in enumerate(sessions):
        t = session.start
        for page, dwell in enumerate(session.pages):
            events.append((t, 1, "load", i, page))
            events.extend((t + k * beat_s, 1, "beat", i, page) for k in range(1, int(dwell // beat_s) + 1))
            if with_beacon and session.beacon_delivered:
                events.append((t + dwell, 0, "leave", i, page))
            t += dwell + 1.0
    events.sort()
    midnight = datetime(2026, 12, 1, tzinfo=UTC)
    ids: dict[int, tuple[str, str]] = {}
    seen_expiry: dict[int, datetime] = {}
    peak = 0
    for t, _, kind, i, page in events:
        now = midnight + timedelta(seconds=t)
        if kind == "leave":
            dni_leave(website=website, session_id=ids[i][1], now=now, grace_seconds=settings.DNI_LEAVE_GRACE_SECONDS,
                      seen_expires_at=seen_expiry[i])
            continue
        visitor_id, session_id = ids.get(i, (None, None))
        result = dni_assign(website=website, pools=pools, visitor_id=visitor_id, session_id=session_id,
                            data=VisitInput(page_url=f"https://bench.example/page-{page}", user_agent=BROWSER_UA),
                            origin="https://bench.example", now=now)
        ids[i], seen_expiry[i] = (result.visitor_id, result.session_id), result.expires_at
        if kind == "load":
            peak = max(peak, Lease.objects.filter(ended_at__isnull=True, expires_at__gt=now).count())
    assert not ExhaustionEvent.objects.exists(), "the replay's pool was too small"
    return peak


def replay_figures(*, lease_s: float, beat_s: float, grace_s: float) -> None:
    from benchdb import ensure_database
    from django.core.management import call_command

    ensure_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    day, model_before, model_after = figures(REPLAY_SESSIONS, lease_s=lease_s, beat_s=beat_s, grace_s=grace_s)
    before = replay(day, beat_s=beat_s, with_beacon=False)
    after = replay(day, beat_s=beat_s, with_beacon=True)
    print(f"\nreplayed through dni_assign / dni_leave on the database, {REPLAY_SESSIONS} sessions: "
          f"before {before}, after {after}, ratio {before / after:.1f}x (the model above: {model_before} → {model_after})")


def main() -> None:
    lease_minutes = Pool._meta.get_field("lease_minutes").default
    pool = Pool(tracking=Pool.Tracking.VISITOR, lease_minutes=lease_minutes)
    rules = {"lease_s": lease_minutes * 60, "beat_s": heartbeat_seconds([pool]), "grace_s": settings.DNI_LEAVE_GRACE_SECONDS}
    sessions, before, after = figures(SESSIONS, **rules)
    pages = sum(len(s.pages) for s in sessions)
    seconds = sum(sum(s.pages) for s in sessions)
    print(f"lease {lease_minutes} min, heartbeat {rules['beat_s']} s, leave grace {rules['grace_s']} s, "
          f"beacons delivered {BEACON_DELIVERED:.0%}")
    print(f"{SESSIONS} sessions in a day, {pages / SESSIONS:.2f} pages and {seconds / SESSIONS:.0f} s on the site per session "
          f"(bounce {sum(len(s.pages) == 1 for s in sessions) / SESSIONS:.0%})")
    print(f"trackers needed for zero exhaustion: before {before}, after {after}, ratio {before / after:.1f}x "
          f"({1 - after / before:.0%} fewer numbers)")
    print("\nsessions/day   before   after   ratio")
    for volume in sorted({300, 1000, SESSIONS, 10000, 30000}):
        _, b, a = figures(volume, **rules)
        print(f"{volume:>12}   {b:>6}   {a:>5}   {b / a:>4.1f}x")
    if REPLAY_SESSIONS and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        replay_figures(**rules)
    print(f"BENCH leave.trackers {after} trackers with the leave beacon vs {before} without, {SESSIONS} sessions a day "
          f"(model) ratio={after / before:.2f} goal=- INFO")


if __name__ == "__main__":
    main()
