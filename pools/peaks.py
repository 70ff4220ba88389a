"""A visitor pool's peak concurrency (the most leases open at one instant) per day, rolled up from its leases.

A busy visitor pool has about one lease per visit: the dashboard's "peak in the date range" over raw leases read
~25 k leases per day of the range. A scheduled task (`pool_peaks_roll`, off the page) rolls each visitor pool's
leases forward in time, in chunks, into PoolDayPeak rows (days of the account's time zone) and moves the pool's
PoolPeakRollup.rolled_until; the read (`pool_peak_concurrency`) takes the rolled days' rows and only what follows
`rolled_until` (a few minutes of today) live. The peak of a range of whole days is the largest of its days' peaks,
exactly: the most leases open at one instant of a union is the largest of its parts'.

A lease covers [started_at, ended_at or expires_at). Its interval changes only while it is open: a heartbeat renews
it (even after it lapsed, as long as nobody took its number: trackers.leasing), a beacon shortens it from now on,
the sweep closes it at its expiry. So everything before both `now` less SETTLE_MARGIN (a lease is written with its
request's start time) and the expiry of the pool's earliest lapsed open lease (a renewal would stretch it over the
time since) is final: the roll stops there. Leases open at `rolled_until` all started at or after its `open_since`,
so neither the roll nor the read of what comes after looks further back in the pool's leases.
"""

import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce

from pools.models import Pool, PoolDayPeak, PoolPeakRollup
from trackers.models import CallTracker, Lease

# A lease is written with its request's start time, committed a moment later: the roll stays this far behind now.
SETTLE_MARGIN = timedelta(minutes=5)
# Days rolled per statement and transaction when catching up (a pool's first roll covers its whole history).
CHUNK_DAYS = 14


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


# --- pure: how a stretch of time splits into days, and what a read takes from the rollup ---------------------------

def day_boundaries(*, start: datetime, end: datetime, zone: ZoneInfo) -> list[datetime]:
    """[start, the midnights (in `zone`) strictly between start and end, end]: the instants that cut [start, end)
    into its days' pieces. Pure."""
    cuts = [start]
    day = start.astimezone(zone).date() + timedelta(days=1)
    while midnight(day, zone) < end:
        cuts.append(midnight(day, zone))
        day += timedelta(days=1)
    cuts.append(end)
    return cuts


@dataclass(frozen=True)
class PeakRead:
    """A range [since, until) as the days read from PoolDayPeak ([first, end) dates, or None) and the stretches read
    live from the leases. `live` stretches starting at or after `rolled_until` may look at leases from the rollup's
    `open_since` on; earlier ones (a range starting or ending inside a rolled day) read the pool's leases unbounded."""

    days: tuple[date, date] | None
    live: tuple[tuple[datetime, datetime], ...]


def plan_peak_read(*, since: datetime, until: datetime, zone: ZoneInfo, rolled_until: datetime | None) -> PeakRead:
    """Which days of [since, until) the rollup answers and which stretches are read live. A day's row covers
    [its midnight, the next midnight or `rolled_until`, whichever comes first); it answers for the range when that
    lies inside [since, until). Pure."""
    if until <= since:
        return PeakRead(None, ())
    if rolled_until is None:
        return PeakRead(None, ((since, until),))
    first = since.astimezone(zone).date()
    if midnight(first, zone) < since:
        first += timedelta(days=1)
    day, covered = first, None
    while midnight(day, zone) < min(until, rolled_until):
        covers = min(midnight(day + timedelta(days=1), zone), rolled_until)
        if covers > until:
            break
        day, covered = day + timedelta(days=1), covers
    if covered is None:
        return PeakRead(None, ((since, until),))
    live = []
    if since < midnight(first, zone):
        live.append((since, midnight(first, zone)))
    if covered < until:
        live.append((covered, until))
    return PeakRead((first, day), tuple(live))


# --- SQL ------------------------------------------------------------------------------------------------------------

def pieces_peaks(*, account_id: int, pool_id: int, cuts: list[datetime], started_from: datetime | None) -> list[int]:
    """The most leases of the pool (of the account: another account's pool has none) open at one instant in each
    piece [cuts[k], cuts[k+1]), shared ones included, in one statement.

    A running sum over the leases' +1 (start) / -1 (end) events in time order, an end before a start at the same
    instant (a lease covers [start, end)); a 0 event at every cut numbers the pieces, so the events need no time
    zone arithmetic in SQL (SQLite has none). `started_from`: every lease open at cuts[0] started then or later (the
    rollup's open_since): the leases are one index range per tracker (trackers_lease_tracker_idx) from there."""
    lease_t, tracker_t, pool_t = Lease._meta.db_table, CallTracker._meta.db_table, Pool._meta.db_table
    value = connection.ops.adapt_datetimefield_value
    leases = (
        f"SELECT l.started_at AS s, COALESCE(l.ended_at, l.expires_at) AS e FROM {lease_t} l "
        f"JOIN {tracker_t} t ON t.id = l.tracker_id JOIN {pool_t} p ON p.id = t.pool_id "
        f"WHERE p.account_id = %s AND t.pool_id = %s AND l.started_at < %s AND COALESCE(l.ended_at, l.expires_at) > %s"
    )
    params: list = [account_id, pool_id, value(cuts[-1]), value(cuts[0])]
    if started_from is not None:
        leases += " AND l.started_at >= %s"
        params.append(value(started_from))
    marks = " UNION ALL ".join(["SELECT %s, 0"] * len(cuts))
    sql = (
        f"WITH l AS ({leases}), ev (at, delta) AS (SELECT s, 1 FROM l UNION ALL SELECT e, -1 FROM l UNION ALL {marks}), "
        f"r AS (SELECT SUM(delta) OVER w AS running, SUM(CASE WHEN delta = 0 THEN 1 ELSE 0 END) OVER w AS piece "
        f"FROM ev WINDOW w AS (ORDER BY at, delta ROWS UNBOUNDED PRECEDING)) "
        f"SELECT piece, MAX(running) FROM r WHERE piece BETWEEN 1 AND %s GROUP BY piece"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(value(cut) for cut in cuts), len(cuts) - 1])
        found = dict(cursor.fetchall())
    return [max(int(found.get(k, 0) or 0), 0) for k in range(1, len(cuts))]


def _open_at(*, pool_id: int, at: datetime, started_from: datetime | None) -> datetime | None:
    """The earliest start of the pool's leases open at `at` (None: none is)."""
    leases = Lease.objects.filter(tracker__pool_id=pool_id, started_at__lt=at)
    if started_from is not None:
        leases = leases.filter(started_at__gte=started_from)
    return (leases.annotate(end=Coalesce("ended_at", "expires_at")).filter(end__gt=at)
            .aggregate(first=Min("started_at"))["first"])


def _first_lease_start(*, pool_id: int) -> datetime | None:
    """When the pool's first lease started: one index probe per tracker (a MIN over the join would read them all)."""
    first = Lease.objects.filter(tracker=OuterRef("pk")).order_by("started_at").values("started_at")[:1]
    return (CallTracker.objects.filter(pool_id=pool_id).annotate(first_start=Subquery(first))
            .aggregate(first=Min("first_start"))["first"])


def pools_final_until(*, pool_ids: list[int], now: datetime) -> dict[int, datetime]:
    """{pool id: the instant before which its leases can no longer change}: `now` less SETTLE_MARGIN, or the expiry of
    its earliest open lease that lapsed before `now` (a renewal may still stretch it) if earlier. One query over the
    open leases (trackers_lease_open_visit_idx)."""
    lapsed = dict(Lease.objects.filter(ended_at__isnull=True, expires_at__lt=now, tracker__pool_id__in=pool_ids)
                  .values("tracker__pool_id").annotate(first=Min("expires_at")).order_by()
                  .values_list("tracker__pool_id", "first"))
    return {pool_id: min(now - SETTLE_MARGIN, lapsed.get(pool_id, now)) for pool_id in pool_ids}


# --- the roll (a scheduled task: pools.tasks.roll_pool_peaks) -------------------------------------------------------

@dataclass(frozen=True)
class PeaksRolled:
    pieces: int     # days, or parts of days, rolled
    finished: bool  # False: the time budget ran out with pools (maybe) left to roll


def pool_peaks_roll(*, now: datetime, pool_ids: list[int] | None = None,
                    budget_seconds: float | None = None) -> PeaksRolled:
    """Roll every visitor pool's (or `pool_ids`') leases into PoolDayPeak up to the instant they are final, chunk
    after chunk. Stops after `budget_seconds` (the next run goes on from each pool's rolled_until)."""
    started = clock.monotonic()
    visitor_pools = Pool.objects.filter(tracking=Pool.Tracking.VISITOR).select_related("account").order_by("pk")
    if pool_ids is not None:
        visitor_pools = visitor_pools.filter(pk__in=pool_ids)
    pools = list(visitor_pools)
    finals = pools_final_until(pool_ids=[pool.pk for pool in pools], now=now)
    rolled = 0
    for pool in pools:
        while budget_seconds is None or clock.monotonic() - started <= budget_seconds:
            pieces = pool_peaks_roll_chunk(pool=pool, final=finals[pool.pk], now=now)
            rolled += pieces
            if not pieces:
                break
        else:
            return PeaksRolled(rolled, finished=False)
    return PeaksRolled(rolled, finished=True)


def pool_peaks_roll_chunk(*, pool: Pool, final: datetime, now: datetime) -> int:
    """Roll the pool's next CHUNK_DAYS (at most up to `final`) in one statement and one short transaction; a run that
    rolled the same stretch meanwhile wins (this one writes nothing). A day's row takes the larger of its stored peak
    (the part of the day rolled before) and the new part's. Returns the pieces rolled (0: nothing to do)."""
    zone = ZoneInfo(pool.account.timezone)
    state = PoolPeakRollup.objects.filter(pool=pool).first()
    if state is None:
        first = _first_lease_start(pool_id=pool.pk)
        start = midnight(first.astimezone(zone).date(), zone) if first is not None else final
        state, _ = PoolPeakRollup.objects.get_or_create(pool=pool, defaults={"rolled_until": start, "refreshed_at": now})
    start = state.rolled_until
    end = min(final, midnight(start.astimezone(zone).date() + timedelta(days=CHUNK_DAYS), zone))
    if end <= start:
        return 0
    cuts = day_boundaries(start=start, end=end, zone=zone)
    started_from = _leases_from(rolled_until=start, open_since=state.open_since)
    peaks = pieces_peaks(account_id=pool.account_id, pool_id=pool.pk, cuts=cuts, started_from=started_from)
    open_since = _open_at(pool_id=pool.pk, at=end, started_from=started_from)
    by_day: dict[date, int] = {}
    for cut, peak in zip(cuts, peaks, strict=False):
        day = cut.astimezone(zone).date()
        by_day[day] = max(by_day.get(day, 0), peak)
    with transaction.atomic():
        if not PoolPeakRollup.objects.select_for_update().filter(pk=state.pk, rolled_until=start).exists():
            return 0
        stored = dict(PoolDayPeak.objects.filter(pool=pool, day__in=list(by_day)).values_list("day", "peak"))
        rows = [PoolDayPeak(pool=pool, day=day, peak=max(peak, stored.get(day, 0)))
                for day, peak in by_day.items() if max(peak, stored.get(day, 0)) > 0]
        PoolDayPeak.objects.filter(pool=pool, day__in=list(by_day)).delete()
        PoolDayPeak.objects.bulk_create(rows)
        PoolPeakRollup.objects.filter(pk=state.pk).update(rolled_until=end, open_since=open_since, refreshed_at=now)
    return len(peaks)


def _leases_from(*, rolled_until: datetime, open_since: datetime | None) -> datetime:
    """Where the leases that can still be open at or after `rolled_until` start: the rollup's `open_since` (the
    oldest lease open at `rolled_until`), or `rolled_until` itself when none was open."""
    return min(open_since, rolled_until) if open_since is not None else rolled_until


# --- reads -----------------------------------------------------------------------------------------------------------

def pool_peak_concurrency(*, account, pool_id: int, since: datetime, until: datetime) -> int:
    """Most leases of the pool open at the same instant in [since, until) (shared ones included); 0 for another
    account's pool. The rolled days from PoolDayPeak, the rest (today after the rollup, or a range that starts or ends
    inside a day) live from the leases: three queries at most. Exact for any range; reads no more than the last
    minutes' leases when the range is whole days of the account's time zone, as the dashboard's are."""
    rollup = (PoolPeakRollup.objects.filter(pool_id=pool_id, pool__account=account)
              .values_list("rolled_until", "open_since").first())
    rolled_until, open_since = rollup if rollup is not None else (None, None)
    plan = plan_peak_read(since=since, until=until, zone=ZoneInfo(account.timezone), rolled_until=rolled_until)
    peaks = [0]
    if plan.days is not None:
        rows = PoolDayPeak.objects.filter(pool_id=pool_id, pool__account=account, day__gte=plan.days[0],
                                          day__lt=plan.days[1])
        peaks.append(rows.aggregate(peak=Max("peak"))["peak"] or 0)
    for start, end in plan.live:
        started_from = None
        if rolled_until is not None and start >= rolled_until:
            started_from = _leases_from(rolled_until=rolled_until, open_since=open_since)
        peaks += pieces_peaks(account_id=account.pk, pool_id=pool_id, cuts=[start, end], started_from=started_from)
    return max(peaks)


def pools_peaks_rolled_until(*, pool_ids: list[int]) -> dict[int, datetime]:
    """{pool id: its PoolPeakRollup.rolled_until} for the pools rolled at all (retention: leases before it may go)."""
    return dict(PoolPeakRollup.objects.filter(pool_id__in=pool_ids).values_list("pool_id", "rolled_until"))
