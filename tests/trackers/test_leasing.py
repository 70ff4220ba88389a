from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.db.models import DateTimeField, Value
from django.utils import timezone

from pools.models import Pool
from tests.factories import CallTrackerFactory, LeaseFactory, PoolFactory, VisitFactory
from tests.support import lease_rows_read
from trackers.leasing import (
    lease_acquire,
    lease_release_expired,
    share_candidates,
    source_tracker_get,
)
from trackers.models import CallTracker, ExhaustionEvent, Lease

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def pool(website):
    return PoolFactory(account=website.account, website=website, visitor=True, size=3, lease_minutes=30)


@pytest.fixture
def trackers(pool):
    return [CallTrackerFactory(pool=pool, active=True) for _ in range(3)]


def visit(website, **kwargs):
    return VisitFactory(website=website, **kwargs)


def test_new_lease_takes_a_free_active_tracker(website, pool, trackers):
    grant = lease_acquire(pool=pool, visit=visit(website), now=NOW)
    assert grant.tracker_id in {t.pk for t in trackers}
    assert grant.expires_at == NOW + timedelta(minutes=30)
    assert Lease.objects.filter(ended_at__isnull=True).count() == 1


def test_same_session_gets_the_same_number(website, pool, trackers):
    v = visit(website)
    first = lease_acquire(pool=pool, visit=v, now=NOW)
    again = lease_acquire(pool=pool, visit=v, now=NOW + timedelta(minutes=5))
    assert again.tracker_id == first.tracker_id
    assert again.expires_at == NOW + timedelta(minutes=35)
    assert Lease.objects.count() == 1


def test_two_sessions_get_two_numbers(website, pool, trackers):
    a = lease_acquire(pool=pool, visit=visit(website), now=NOW)
    b = lease_acquire(pool=pool, visit=visit(website), now=NOW)
    assert a.tracker_id != b.tracker_id


def test_only_active_live_trackers_are_lent(website, pool):
    CallTrackerFactory(pool=pool, available=True)
    CallTrackerFactory(pool=pool, flagged=True)
    CallTrackerFactory(pool=pool, active=True, deleted_at=NOW)
    assert lease_acquire(pool=pool, visit=visit(website), now=NOW) is None


def test_least_recently_released_tracker_is_taken_first(website, pool, trackers):
    t0, t1, t2 = trackers
    CallTracker.objects.filter(pk=t0.pk).update(lease_released_at=NOW - timedelta(minutes=1))
    CallTracker.objects.filter(pk=t1.pk).update(lease_released_at=NOW - timedelta(minutes=50))
    LeaseFactory(tracker=t2, visit=visit(website), started_at=NOW - timedelta(hours=2),
                 expires_at=NOW - timedelta(minutes=10))  # expired, still open: released 10 minutes ago
    assert lease_acquire(pool=pool, visit=visit(website), now=NOW).tracker_id == t1.pk
    assert lease_acquire(pool=pool, visit=visit(website), now=NOW).tracker_id == t2.pk
    assert lease_acquire(pool=pool, visit=visit(website), now=NOW).tracker_id == t0.pk


def test_never_used_trackers_come_before_released_ones(website, pool, trackers):
    t0, t1, t2 = trackers
    CallTracker.objects.filter(pk__in=[t0.pk, t2.pk]).update(lease_released_at=NOW - timedelta(days=1))
    assert lease_acquire(pool=pool, visit=visit(website), now=NOW).tracker_id == t1.pk


def test_expired_lease_frees_the_number_and_is_closed_at_its_expiry(website, pool):
    tracker = CallTrackerFactory(pool=pool, active=True)
    old = LeaseFactory(tracker=tracker, visit=visit(website), started_at=NOW - timedelta(hours=1),
                       expires_at=NOW - timedelta(minutes=1))
    grant = lease_acquire(pool=pool, visit=visit(website), now=NOW)
    assert grant.tracker_id == tracker.pk
    old.refresh_from_db()
    assert old.ended_at == old.expires_at


def test_unexpired_lease_is_never_stolen(website, pool):
    tracker = CallTrackerFactory(pool=pool, active=True)
    LeaseFactory(tracker=tracker, visit=visit(website), started_at=NOW, expires_at=NOW + timedelta(minutes=1))
    assert lease_acquire(pool=pool, visit=visit(website), now=NOW) is None
    assert Lease.objects.filter(tracker=tracker, ended_at__isnull=True).count() == 1


def test_expired_lease_nobody_took_is_renewed_for_its_session(website, pool, trackers):
    v = visit(website)
    first = lease_acquire(pool=pool, visit=v, now=NOW)
    later = NOW + timedelta(minutes=45)
    assert lease_acquire(pool=pool, visit=v, now=later).tracker_id == first.tracker_id


def test_exhaustion_original_gives_no_number_and_is_recorded_once(website, pool):
    CallTrackerFactory(pool=pool, active=True)
    lease_acquire(pool=pool, visit=visit(website), now=NOW)
    unlucky = visit(website)
    assert lease_acquire(pool=pool, visit=unlucky, now=NOW) is None
    assert lease_acquire(pool=pool, visit=unlucky, now=NOW + timedelta(minutes=5)) is None
    event = ExhaustionEvent.objects.get()
    assert (event.pool_id, event.visit_id, event.occurred_at, event.is_shared) == (pool.pk, unlucky.pk, NOW, False)


def test_exhaustion_share_lends_the_least_recently_released_number_marked_shared(website, pool):
    a = CallTrackerFactory(pool=pool, active=True, lease_released_at=NOW - timedelta(hours=1))
    b = CallTrackerFactory(pool=pool, active=True, lease_released_at=NOW - timedelta(hours=3))
    Pool.objects.filter(pk=pool.pk).update(exhaustion=Pool.Exhaustion.SHARE)
    pool.refresh_from_db()
    lease_acquire(pool=pool, visit=visit(website), now=NOW)
    lease_acquire(pool=pool, visit=visit(website), now=NOW)
    grant = lease_acquire(pool=pool, visit=visit(website), now=NOW)
    assert grant.is_shared and grant.tracker_id == b.pk
    assert Lease.objects.get(is_shared=True).tracker_id == b.pk
    assert ExhaustionEvent.objects.get().is_shared
    assert a.pk != b.pk


def test_lost_races_never_end_in_the_original_while_a_number_is_free(website, pool, monkeypatch):
    """Under load, many sessions take the pool's first free numbers between this session's snapshot and its lock:
    each attempt then finds its pick taken. However many races it loses, it ends with the number still free."""
    from trackers import leasing

    trackers = [CallTrackerFactory(pool=pool, active=True) for _ in range(12)]
    for tracker in trackers[:11]:  # taken by concurrent sessions after the snapshot: unseen, but not insertable
        LeaseFactory(tracker=tracker, visit=visit(website, session_uid=f"racer-{tracker.pk}"), started_at=NOW,
                     expires_at=NOW + timedelta(minutes=30))
    def stale_snapshot(*, pool, now):  # leasing._free_trackers as it read before the racers: all 12 free
        return CallTracker.objects.filter(pool=pool).annotate(
            open_expires_at=Value(None, output_field=DateTimeField())).order_by("pk")

    monkeypatch.setattr(leasing, "_free_trackers", stale_snapshot)
    grant = lease_acquire(pool=pool, visit=visit(website), now=NOW)
    assert grant is not None and grant.tracker_id == trackers[11].pk
    assert not ExhaustionEvent.objects.exists()


def test_retired_pool_hands_out_nothing(website, pool, trackers):
    Pool.objects.filter(pk=pool.pk).update(retired_at=NOW)
    pool.refresh_from_db()
    assert lease_acquire(pool=pool, visit=visit(website), now=NOW) is None
    assert not Lease.objects.exists()


def test_session_whose_tracker_was_flagged_moves_to_another(website, pool, trackers):
    v = visit(website)
    first = lease_acquire(pool=pool, visit=v, now=NOW)
    CallTracker.objects.filter(pk=first.tracker_id).update(status="flagged", flagged_at=NOW)
    second = lease_acquire(pool=pool, visit=v, now=NOW + timedelta(minutes=1))
    assert second.tracker_id != first.tracker_id
    assert Lease.objects.get(tracker_id=first.tracker_id).ended_at == NOW + timedelta(minutes=1)


def test_sweep_closes_expired_leases_and_records_release_time(website, pool, trackers):
    grant = lease_acquire(pool=pool, visit=visit(website), now=NOW)
    assert lease_release_expired(now=NOW + timedelta(minutes=29)) == 0
    assert lease_release_expired(now=NOW + timedelta(minutes=31)) == 1
    assert CallTracker.objects.get(pk=grant.tracker_id).lease_released_at == grant.expires_at


def test_database_rejects_two_open_exclusive_leases_on_one_tracker(website, pool):
    tracker = CallTrackerFactory(pool=pool, active=True)
    LeaseFactory(tracker=tracker, visit=visit(website))
    with pytest.raises(IntegrityError):
        LeaseFactory(tracker=tracker, visit=visit(website))


def test_source_pool_shows_the_tracker_of_the_visits_source_medium(website):
    pool = PoolFactory(account=website.account, website=website)
    tracker = CallTrackerFactory(pool=pool, active=True, source="google", medium="cpc")
    CallTrackerFactory(pool=pool, flagged=True, source="bing", medium="cpc")
    assert source_tracker_get(pool=pool, source="google", medium="cpc") == tracker
    assert source_tracker_get(pool=pool, source="bing", medium="cpc") is None
    assert source_tracker_get(pool=pool, source="(direct)", medium="(none)") is None


def _shared_history(tracker, visit_, count: int) -> None:
    """`count` closed shared leases of `tracker`, one a minute, all before NOW."""
    Lease.objects.bulk_create(
        Lease(tracker=tracker, pool_id=tracker.pool_id, visit=visit_, is_shared=True,
              started_at=NOW - timedelta(days=1, minutes=index), expires_at=NOW - timedelta(hours=23, minutes=index),
              ended_at=NOW - timedelta(hours=23, minutes=index))
        for index in range(count))


def test_share_candidates_count_each_trackers_unexpired_open_shared_leases(website, pool):
    busy, quiet = (CallTrackerFactory(pool=pool, active=True, lease_released_at=NOW - timedelta(hours=hours))
                   for hours in (3, 1))
    for _ in range(2):
        LeaseFactory(tracker=busy, visit=visit(website), started_at=NOW - timedelta(minutes=5), is_shared=True)
    LeaseFactory(tracker=quiet, visit=visit(website), started_at=NOW - timedelta(minutes=5), is_shared=True)
    LeaseFactory(tracker=quiet, visit=visit(website), started_at=NOW - timedelta(hours=2), is_shared=True)  # expired
    _shared_history(quiet, visit(website), 20)

    candidates = list(share_candidates(pool=pool, now=NOW))

    assert [(tracker.pk, tracker.shared_open) for tracker in candidates] == [(quiet.pk, 1), (busy.pk, 2)]


@pytest.mark.postgres
def test_share_candidates_read_open_leases_not_the_history(website, pool):
    trackers = [CallTrackerFactory(pool=pool, active=True) for _ in range(3)]
    for tracker in trackers:
        _shared_history(tracker, visit(website), 1000)
        LeaseFactory(tracker=tracker, visit=visit(website), started_at=NOW - timedelta(minutes=5), is_shared=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trackers_lease")
    before = lease_rows_read()

    assert [tracker.shared_open for tracker in share_candidates(pool=pool, now=NOW)] == [1, 1, 1]
    assert lease_rows_read() - before <= 3 * 2
