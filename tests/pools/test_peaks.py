"""A visitor pool's daily peak concurrency (pools.peaks): rolled up from the leases, the range's peak read from the
days plus the rest live equals the peak over the raw leases — over random lease sets, time zones and ranges."""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from pools.models import Pool, PoolDayPeak, PoolPeakRollup
from pools.peaks import (
    CHUNK_DAYS,
    SETTLE_MARGIN,
    PeaksRolled,
    day_boundaries,
    plan_peak_read,
    pool_peak_concurrency,
    pool_peaks_roll,
    pool_peaks_roll_chunk,
)
from tests.factories import (
    AccountFactory,
    CallTrackerFactory,
    PoolFactory,
    VisitFactory,
    WebsiteFactory,
)
from trackers.models import CallTracker, Lease

NOW = datetime(2026, 3, 20, 15, 7, 30, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def raw_peak(*, account, pool_id: int, since: datetime, until: datetime) -> int:
    """The peak over the raw leases, as the page read it before the rollup (the reference the rollup must equal)."""
    lease_t, tracker_t, pool_t = Lease._meta.db_table, CallTracker._meta.db_table, Pool._meta.db_table
    leases = (
        f"SELECT l.started_at AS s, COALESCE(l.ended_at, l.expires_at) AS e FROM {lease_t} l "
        f"JOIN {tracker_t} t ON t.id = l.tracker_id JOIN {pool_t} p ON p.id = t.pool_id "
        f"WHERE p.account_id = %s AND t.pool_id = %s AND l.started_at < %s AND COALESCE(l.ended_at, l.expires_at) > %s"
    )
    sql = (
        f"SELECT MAX(running) FROM (SELECT SUM(delta) OVER (ORDER BY at, delta ROWS UNBOUNDED PRECEDING) AS running "
        f"FROM (SELECT s AS at, 1 AS delta FROM ({leases}) a UNION ALL SELECT e AS at, -1 AS delta FROM ({leases}) b) ev) r"
    )
    value = connection.ops.adapt_datetimefield_value
    params = [account.pk, pool_id, value(until), value(since)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params)
        (peak,) = cursor.fetchone()
    return int(peak or 0)


# --- pure -----------------------------------------------------------------------------------------------------------

def test_a_stretch_is_cut_at_the_zones_midnights_including_a_23_hour_day():
    start = datetime(2026, 3, 7, 18, 0, tzinfo=NEW_YORK)
    end = datetime(2026, 3, 9, 6, 0, tzinfo=NEW_YORK)
    cuts = day_boundaries(start=start, end=end, zone=NEW_YORK)
    assert cuts == [start, datetime(2026, 3, 8, tzinfo=NEW_YORK), datetime(2026, 3, 9, tzinfo=NEW_YORK), end]
    assert cuts[2].astimezone(UTC) - cuts[1].astimezone(UTC) == timedelta(hours=23)  # clocks went forward on March 8
    assert day_boundaries(start=cuts[1], end=cuts[2], zone=NEW_YORK) == [cuts[1], cuts[2]]


def _day(d: int) -> datetime:
    return datetime(2026, 3, d, tzinfo=NEW_YORK)


def test_a_range_of_whole_days_reads_its_rolled_days_and_only_the_rest_of_today_live():
    rolled_until = _day(20) + timedelta(hours=10, minutes=50)
    plan = plan_peak_read(since=_day(1), until=_day(20) + timedelta(hours=11), zone=NEW_YORK, rolled_until=rolled_until)
    assert plan.days == (date(2026, 3, 1), date(2026, 3, 21))
    assert plan.live == ((rolled_until, _day(20) + timedelta(hours=11)),)


def test_a_range_ending_before_the_rollup_reads_no_leases():
    plan = plan_peak_read(since=_day(1), until=_day(8), zone=NEW_YORK, rolled_until=_day(20))
    assert plan == plan_peak_read(since=_day(1), until=_day(8), zone=NEW_YORK, rolled_until=_day(8))
    assert plan.days == (date(2026, 3, 1), date(2026, 3, 8)) and plan.live == ()


def test_parts_of_days_at_either_end_are_read_live():
    since, until = _day(3) + timedelta(hours=5), _day(6) + timedelta(hours=1)
    plan = plan_peak_read(since=since, until=until, zone=NEW_YORK, rolled_until=_day(20))
    assert plan.days == (date(2026, 3, 4), date(2026, 3, 6))
    assert plan.live == ((since, _day(4)), (_day(6), until))


def test_without_a_rollup_or_inside_one_day_everything_is_live_and_an_empty_range_reads_nothing():
    assert plan_peak_read(since=_day(1), until=_day(5), zone=NEW_YORK, rolled_until=None).live == ((_day(1), _day(5)),)
    inside = (_day(3) + timedelta(hours=1), _day(3) + timedelta(hours=2))
    assert plan_peak_read(since=inside[0], until=inside[1], zone=NEW_YORK, rolled_until=_day(20)).live == (inside,)
    assert plan_peak_read(since=_day(5), until=_day(5), zone=NEW_YORK, rolled_until=_day(20)).live == ()
    assert plan_peak_read(since=_day(5), until=_day(5), zone=NEW_YORK, rolled_until=_day(20)).days is None


# --- the rollup against the raw leases --------------------------------------------------------------------------------

def _pool_with_trackers(account, trackers: int = 4):
    pool = PoolFactory(account=account, website=WebsiteFactory(account=account), tracking="visitor")
    return pool, [CallTrackerFactory(pool=pool, active=True) for _ in range(trackers)]


def _random_leases(rng, trackers, *, start, days, count, now):
    """Up to `count` leases over `days` days from `start` (those started by `now`): minutes to hours long (some over
    midnight), some shared, some ended at their start; and some trackers' sessions still open (unexpired at `now`)."""
    visit = VisitFactory(website=trackers[0].pool.website)
    span = days * 86400
    leases = []
    for _ in range(count):
        started = start + timedelta(seconds=rng.randrange(span), microseconds=rng.choice([0, rng.randrange(10**6)]))
        if started > now - timedelta(minutes=1):
            continue  # not written yet
        length = timedelta(seconds=rng.choice([rng.randrange(1, 600), rng.randrange(600, 4 * 3600), 0]))
        expires = started + max(length, timedelta(seconds=1)) + timedelta(minutes=rng.choice([0, 2, 30]))
        ended = min(started + length, expires)
        leases.append(Lease(tracker=rng.choice(trackers), pool_id=trackers[0].pool_id, visit=visit, started_at=started,
                            expires_at=expires, ended_at=ended, is_shared=rng.random() < 0.3))
    for tracker in trackers[: len(trackers) // 2]:  # open and unexpired: one per tracker at most, as the database demands
        started = now - timedelta(minutes=rng.randrange(1, 300))
        leases.append(Lease(tracker=tracker, pool_id=tracker.pool_id, visit=visit, started_at=started,
                            expires_at=now + timedelta(minutes=rng.randrange(1, 30))))
    return Lease.objects.bulk_create(leases)


def _ranges(rng: random.Random, zone: ZoneInfo, *, first: date, last: date, now: datetime):
    """Whole-day ranges ending today or before (the dashboard's: the end is min(midnight after the last day, now)),
    and ranges starting and ending anywhere."""
    for _ in range(12):
        a = first + timedelta(days=rng.randrange((last - first).days + 1))
        b = a + timedelta(days=rng.randrange(1, 8))
        yield datetime.combine(a, datetime.min.time(), tzinfo=zone), min(datetime.combine(b, datetime.min.time(), tzinfo=zone), now)
    span = int((now - datetime.combine(first, datetime.min.time(), tzinfo=zone)).total_seconds())
    for _ in range(8):
        since = datetime.combine(first, datetime.min.time(), tzinfo=zone) + timedelta(seconds=rng.randrange(span))
        yield since, since + timedelta(seconds=rng.randrange(1, 4 * 86400))


@pytest.mark.django_db
@pytest.mark.parametrize("zone_name", ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"])
@pytest.mark.parametrize("seed", range(3))
def test_the_rolled_peak_equals_the_peak_over_the_raw_leases(zone_name, seed):
    rng = random.Random(f"{zone_name}-{seed}")
    zone = ZoneInfo(zone_name)
    account = AccountFactory(timezone=zone_name)
    pool, trackers = _pool_with_trackers(account, trackers=rng.choice([2, 5]))
    first = (NOW - timedelta(days=9)).astimezone(zone).date()
    _random_leases(rng, trackers, start=NOW - timedelta(days=9), days=9, count=rng.choice([40, 150]), now=NOW)
    # Rolled by several runs, in chunks: through the past days, then today in two steps (its row is merged).
    for run in (NOW - timedelta(days=4, hours=7), NOW - timedelta(hours=5), NOW):
        pool_peaks_roll(now=run)
    assert PoolPeakRollup.objects.get(pool=pool).rolled_until == NOW - SETTLE_MARGIN
    assert PoolDayPeak.objects.filter(pool=pool).exists()
    for since, until in _ranges(rng, zone, first=first, last=NOW.astimezone(zone).date(), now=NOW):
        expected = raw_peak(account=account, pool_id=pool.pk, since=since, until=until)
        assert pool_peak_concurrency(account=account, pool_id=pool.pk, since=since, until=until) == expected, (since, until)


@pytest.mark.django_db
def test_leases_written_and_renewed_after_a_roll_are_counted_by_the_next_one():
    account = AccountFactory(timezone="America/New_York")
    pool, trackers = _pool_with_trackers(account)
    rng = random.Random(7)
    earlier = NOW - timedelta(hours=6)
    _random_leases(rng, trackers, start=NOW - timedelta(days=3), days=3, count=80, now=earlier)
    pool_peaks_roll(now=earlier)
    # The sessions still open at that roll are renewed past it, new ones start: the next roll goes on from there.
    Lease.objects.filter(ended_at__isnull=True).update(expires_at=NOW + timedelta(minutes=20))
    _random_leases(rng, trackers[2:], start=earlier, days=1, count=40, now=NOW + timedelta(days=1))
    Lease.objects.filter(started_at__gt=NOW - SETTLE_MARGIN).delete()  # not written yet when the roll runs
    pool_peaks_roll(now=NOW)
    midnight = datetime.combine((NOW - timedelta(days=3)).astimezone(NEW_YORK).date(), datetime.min.time(), tzinfo=NEW_YORK)
    for since in (midnight, midnight + timedelta(days=2), NOW - timedelta(hours=7)):
        for until in (NOW - timedelta(hours=3), NOW):
            expected = raw_peak(account=account, pool_id=pool.pk, since=since, until=until)
            assert pool_peak_concurrency(account=account, pool_id=pool.pk, since=since, until=until) == expected


@pytest.mark.django_db
def test_a_day_counts_the_leases_that_started_the_day_before_and_are_still_open():
    account = AccountFactory(timezone="America/New_York")
    pool, trackers = _pool_with_trackers(account)
    visit = VisitFactory(website=pool.website)
    late = datetime(2026, 3, 10, 23, 0, tzinfo=NEW_YORK)
    for tracker in trackers[:3]:  # three sessions from 11 pm into the next morning
        Lease.objects.create(tracker=tracker, pool_id=pool.pk, visit=visit, started_at=late,
                             expires_at=late + timedelta(hours=10), ended_at=late + timedelta(hours=9))
    pool_peaks_roll(now=NOW)
    assert dict(PoolDayPeak.objects.filter(pool=pool).values_list("day", "peak")) == {
        date(2026, 3, 10): 3, date(2026, 3, 11): 3}
    next_day = datetime(2026, 3, 11, tzinfo=NEW_YORK)
    assert pool_peak_concurrency(account=account, pool_id=pool.pk, since=next_day, until=next_day + timedelta(days=1)) == 3


@pytest.mark.django_db
def test_sessions_open_since_before_the_rollup_count_with_those_that_started_after_it():
    account = AccountFactory(timezone="America/New_York")
    pool, trackers = _pool_with_trackers(account)
    visit = VisitFactory(website=pool.website)
    Lease.objects.create(tracker=trackers[0], pool_id=pool.pk, visit=visit, started_at=NOW - timedelta(hours=3),
                         expires_at=NOW + timedelta(minutes=25))  # renewed by its heartbeats for three hours
    pool_peaks_roll(now=NOW - timedelta(minutes=2))
    Lease.objects.create(tracker=trackers[1], pool_id=pool.pk, visit=visit, started_at=NOW - timedelta(minutes=1),
                         expires_at=NOW + timedelta(minutes=29))
    today = datetime.combine(NOW.astimezone(NEW_YORK).date(), datetime.min.time(), tzinfo=NEW_YORK)
    assert pool_peak_concurrency(account=account, pool_id=pool.pk, since=today, until=NOW) == 2


@pytest.mark.django_db
def test_an_open_lease_that_lapsed_holds_the_roll_back_until_it_is_closed_or_renewed():
    """Its session may still renew it (trackers.leasing: a lapsed lease is renewed while nobody took its number), which
    would stretch it over the time since it lapsed: that time is not final yet."""
    account = AccountFactory(timezone="UTC")
    pool, trackers = _pool_with_trackers(account)
    lapsed_at = NOW - timedelta(hours=2)
    lease = Lease.objects.create(tracker=trackers[0], pool_id=pool.pk, visit=VisitFactory(website=pool.website),
                                 started_at=lapsed_at - timedelta(minutes=30), expires_at=lapsed_at)
    pool_peaks_roll(now=NOW)
    assert PoolPeakRollup.objects.get(pool=pool).rolled_until == lapsed_at
    Lease.objects.filter(pk=lease.pk).update(expires_at=NOW + timedelta(minutes=30))  # renewed: it spans the gap
    pool_peaks_roll(now=NOW)
    assert PoolPeakRollup.objects.get(pool=pool).rolled_until == NOW - SETTLE_MARGIN
    assert pool_peak_concurrency(account=account, pool_id=pool.pk, since=lapsed_at + timedelta(minutes=30),
                                 until=NOW - timedelta(minutes=10)) == 1


@pytest.mark.django_db
def test_the_roll_goes_chunk_by_chunk_and_a_run_out_of_time_leaves_the_rest_to_the_next(monkeypatch):
    account = AccountFactory(timezone="UTC")
    pool, trackers = _pool_with_trackers(account)
    _random_leases(random.Random(3), trackers, start=NOW - timedelta(days=40), days=40, count=60, now=NOW)
    assert pool_peaks_roll(now=NOW, budget_seconds=0) == PeaksRolled(pieces=0, finished=False)
    pool = Pool.objects.select_related("account").get(pk=pool.pk)
    assert pool_peaks_roll_chunk(pool=pool, final=NOW - SETTLE_MARGIN, now=NOW) == CHUNK_DAYS
    rollup = PoolPeakRollup.objects.get(pool=pool)
    assert rollup.rolled_until == datetime.combine(rollup.rolled_until.date(), datetime.min.time(), tzinfo=UTC)
    assert rollup.rolled_until < NOW - timedelta(days=20)
    assert pool_peaks_roll(now=NOW).finished
    assert PoolPeakRollup.objects.get(pool=pool).rolled_until == NOW - SETTLE_MARGIN
    since = NOW - timedelta(days=41)
    assert (pool_peak_concurrency(account=account, pool_id=pool.pk, since=since, until=NOW)
            == raw_peak(account=account, pool_id=pool.pk, since=since, until=NOW))


@pytest.mark.django_db
def test_the_days_peaks_outlive_the_leases_behind_them():
    account = AccountFactory(timezone="UTC")
    pool, trackers = _pool_with_trackers(account)
    _random_leases(random.Random(5), trackers, start=NOW - timedelta(days=5), days=3, count=50, now=NOW)
    since, until = NOW - timedelta(days=6), NOW - timedelta(days=1)
    since = since.replace(hour=0, minute=0, second=0)
    until = until.replace(hour=0, minute=0, second=0)
    expected = raw_peak(account=account, pool_id=pool.pk, since=since, until=until)
    pool_peaks_roll(now=NOW)
    Lease.objects.filter(started_at__lt=until - timedelta(hours=1)).delete()  # retention took their visits
    assert expected > 0
    assert pool_peak_concurrency(account=account, pool_id=pool.pk, since=since, until=until) == expected


@pytest.mark.django_db
def test_a_pool_without_leases_is_rolled_up_to_now_and_peaks_at_zero():
    account = AccountFactory(timezone="UTC")
    pool, _ = _pool_with_trackers(account)
    pool_peaks_roll(now=NOW)
    assert PoolPeakRollup.objects.get(pool=pool).rolled_until == NOW - SETTLE_MARGIN
    assert not PoolDayPeak.objects.exists()
    assert pool_peak_concurrency(account=account, pool_id=pool.pk, since=NOW - timedelta(days=30), until=NOW) == 0


# --- tenancy ----------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_another_accounts_pool_reads_as_zero_and_pools_do_not_mix():
    mine, theirs = AccountFactory(timezone="UTC"), AccountFactory(timezone="Asia/Tokyo")
    my_pool, my_trackers = _pool_with_trackers(mine, trackers=2)
    their_pool, their_trackers = _pool_with_trackers(theirs, trackers=6)
    _random_leases(random.Random(1), my_trackers, start=NOW - timedelta(days=2), days=2, count=30, now=NOW)
    _random_leases(random.Random(2), their_trackers, start=NOW - timedelta(days=2), days=2, count=120, now=NOW)
    pool_peaks_roll(now=NOW)
    since = datetime(2026, 3, 17, tzinfo=UTC)
    for account, pool in ((mine, my_pool), (theirs, their_pool)):
        assert pool_peak_concurrency(account=account, pool_id=pool.pk, since=since, until=NOW) == raw_peak(
            account=account, pool_id=pool.pk, since=since, until=NOW) > 0
    assert pool_peak_concurrency(account=mine, pool_id=their_pool.pk, since=since, until=NOW) == 0
    assert pool_peak_concurrency(account=theirs, pool_id=my_pool.pk, since=since, until=NOW) == 0


@pytest.mark.django_db
def test_only_visitor_pools_are_rolled_and_only_those_asked_for():
    account = AccountFactory(timezone="UTC")
    asked, _ = _pool_with_trackers(account)
    other, _ = _pool_with_trackers(account)
    source = PoolFactory(account=account, website=asked.website, tracking="source")
    pool_peaks_roll(now=NOW, pool_ids=[asked.pk, source.pk])
    assert list(PoolPeakRollup.objects.values_list("pool_id", flat=True)) == [asked.pk]
    pool_peaks_roll(now=NOW)
    assert set(PoolPeakRollup.objects.values_list("pool_id", flat=True)) == {asked.pk, other.pk}


@pytest.mark.django_db
def test_the_scheduled_task_rolls_every_visitor_pool_and_queues_its_continuation_when_out_of_time():
    from unittest import mock

    from pools import tasks

    pool, _ = _pool_with_trackers(AccountFactory(timezone="UTC"))
    with mock.patch.object(tasks, "wake_on_commit") as wake:
        tasks.roll_pool_peaks()
    assert PoolPeakRollup.objects.filter(pool=pool).exists()
    wake.assert_not_called()
    with mock.patch.object(tasks, "PEAKS_BUDGET_SECONDS", 0), mock.patch.object(tasks, "wake_on_commit") as wake:
        tasks.roll_pool_peaks()
    wake.assert_called_once_with(tasks.PEAKS_TASK)
