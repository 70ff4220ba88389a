from datetime import timedelta

from django.utils import timezone

from pools.peaks import pool_peak_concurrency
from tests.factories import CallTrackerFactory, LeaseFactory, PoolFactory, VisitFactory
from trackers.models import ExhaustionEvent
from trackers.selectors import pool_exhaustion_by_hour, pool_exhaustion_count

NOW = timezone.now().replace(minute=30, second=0, microsecond=0)


def lease(pool, start_min, end_min, ended=True):
    tracker = CallTrackerFactory(pool=pool, active=True)
    start = NOW + timedelta(minutes=start_min)
    end = NOW + timedelta(minutes=end_min)
    return LeaseFactory(tracker=tracker, visit=VisitFactory(website=pool.website), started_at=start,
                        expires_at=end, ended_at=end if ended else None)


def test_peak_concurrency_counts_overlapping_leases(website):
    pool = PoolFactory(account=website.account, website=website, visitor=True)
    lease(pool, 0, 10)
    lease(pool, 5, 15)
    lease(pool, 8, 20, ended=False)  # open: counts until it expires
    lease(pool, 15, 25)  # starts when the second ends: not overlapping it
    assert pool_peak_concurrency(account=website.account, pool_id=pool.pk, since=NOW - timedelta(hours=1),
                                 until=NOW + timedelta(hours=1)) == 3


def test_peak_concurrency_is_zero_without_leases_and_scoped_to_the_account(website, other_account):
    pool = PoolFactory(account=website.account, website=website, visitor=True)
    lease(pool, 0, 10)
    window = {"since": NOW - timedelta(hours=1), "until": NOW + timedelta(hours=1)}
    assert pool_peak_concurrency(account=other_account, pool_id=pool.pk, **window) == 0
    empty = PoolFactory(account=website.account, website=website, visitor=True)
    assert pool_peak_concurrency(account=website.account, pool_id=empty.pk, **window) == 0


def test_exhaustion_events_are_counted_per_hour_for_the_account_only(website, other_account):
    pool = PoolFactory(account=website.account, website=website, visitor=True)
    for minutes in (0, 5, 70):
        ExhaustionEvent.objects.create(pool=pool, occurred_at=NOW + timedelta(minutes=minutes))
    since = NOW - timedelta(hours=1)
    rows = list(pool_exhaustion_by_hour(account=website.account, pool_id=pool.pk, since=since))
    assert [r["count"] for r in rows] == [2, 1]
    assert pool_exhaustion_count(account=website.account, pool_id=pool.pk, since=since) == 3
    assert pool_exhaustion_count(account=other_account, pool_id=pool.pk, since=since) == 0


def test_exhaustion_window_excludes_events_at_or_after_until_and_lists_newest_first(website, other_account):
    from trackers.selectors import pool_exhaustion_recent

    pool = PoolFactory(account=website.account, website=website, visitor=True)
    for minutes in (0, 5, 60):
        ExhaustionEvent.objects.create(pool=pool, occurred_at=NOW + timedelta(minutes=minutes))
    window = {"pool_id": pool.pk, "since": NOW - timedelta(hours=1), "until": NOW + timedelta(minutes=60)}
    assert pool_exhaustion_count(account=website.account, **window) == 2
    recent = pool_exhaustion_recent(account=website.account, **window, limit=1)
    assert [event.occurred_at for event in recent] == [NOW + timedelta(minutes=5)]
    assert pool_exhaustion_recent(account=other_account, **window) == []


def test_open_leases_count_every_open_lease_and_the_most_one_client_holds_as_the_two_reads_do(website, other_account):
    from pools.selectors import pool_current_leases
    from trackers.selectors import pool_most_held_by_one_client, pool_open_leases

    pool = PoolFactory(account=website.account, website=website, visitor=True)
    now = timezone.now()

    def held(client_key, shared=False, minutes_left=10, ended=False):
        tracker = CallTrackerFactory(pool=pool, active=True)
        LeaseFactory(tracker=tracker, visit=VisitFactory(website=website), client_key=client_key, is_shared=shared,
                     started_at=now - timedelta(minutes=5), expires_at=now + timedelta(minutes=minutes_left),
                     ended_at=now - timedelta(minutes=1) if ended else None)

    assert pool_open_leases(account=website.account, pool_id=pool.pk, now=now) == {"open": 0, "most_held": 0}
    for key in ("a", "a", "b"):
        held(key)
    held("a", shared=True)           # shared: open, not held by the client
    held("", minutes_left=5)         # no client key: open, no client's
    held("", minutes_left=6)
    held("b", minutes_left=-1)       # expired
    held("b", ended=True)            # ended
    counts = pool_open_leases(account=website.account, pool_id=pool.pk, now=now)
    assert counts == {"open": pool_current_leases(pool=pool, now=now),
                      "most_held": pool_most_held_by_one_client(account=website.account, pool_id=pool.pk, now=now)}
    assert counts == {"open": 6, "most_held": 2}
    assert pool_open_leases(account=other_account, pool_id=pool.pk, now=now) == {"open": 0, "most_held": 0}
