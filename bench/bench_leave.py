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

Run: make bench BENCH=leave   (no database needed; BENCH_LEAVE_SESSIONS=… changes the day's volume)
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


def day_of_sessions(rng: random.Random, count: int) -> list[Session]:
    weights = [w / sum(HOURLY) for w in HOURLY]
    sessions = []
    for _ in range(count):
        hour = rng.choices(range(24), weights=weights)[0]
        start = hour * 3600 + rng.random() * 3600
        pages = 1 if rng.random() < 0.5 else 2 + int(math.log(1 - rng.random()) / math.log(0.7))
        dwell = [rng.lognormvariate(math.log(30), 1.1) for _ in range(pages)]
        sessions.append(Session(start, dwell))
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


def trackers_needed(sessions: list[Session], *, lease_s: float, beat_s: float, grace_s: float, rng: random.Random) -> tuple[int, int]:
    before = [lease_interval(s, lease_s=lease_s, beat_s=beat_s, grace_s=None) for s in sessions]
    after = [lease_interval(s, lease_s=lease_s, beat_s=beat_s, grace_s=grace_s if rng.random() < BEACON_DELIVERED else None)
             for s in sessions]
    return peak_concurrency(before), peak_concurrency(after)


def figures(volume: int, *, lease_s: float, beat_s: float, grace_s: float) -> tuple[list[Session], int, int]:
    day = day_of_sessions(random.Random(SEED + volume), volume)
    before, after = trackers_needed(day, lease_s=lease_s, beat_s=beat_s, grace_s=grace_s, rng=random.Random(SEED - volume))
    return day, before, after


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


if __name__ == "__main__":
    main()
