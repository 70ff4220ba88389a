"""The leave beacon's lease shortening and the `share` exhaustion spread (trackers/leasing.py)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from pools.models import Pool
from tests.factories import CallTrackerFactory, PoolFactory, VisitFactory
from trackers.heartbeat import session_heartbeat
from trackers.leasing import lease_acquire, lease_shorten
from trackers.models import CallTracker, Lease

NOW = timezone.now().replace(microsecond=0)
GRACE = timedelta(seconds=120)


@pytest.fixture
def pool(website):
    return PoolFactory(account=website.account, website=website, visitor=True, size=3, lease_minutes=30)


@pytest.fixture
def trackers(pool):
    return [CallTrackerFactory(pool=pool, active=True) for _ in range(3)]


def test_leaving_shortens_the_sessions_open_lease_to_the_grace_period(website, pool, trackers):
    v = VisitFactory(website=website)
    lease_acquire(pool=pool, visit=v, now=NOW)
    later = NOW + timedelta(minutes=3)
    assert lease_shorten(website_id=website.pk, session_uid=v.session_uid, until=later + GRACE) == 1
    lease = Lease.objects.get()
    assert (lease.expires_at, lease.ended_at) == (later + GRACE, None)


def test_the_next_page_renews_a_shortened_lease_and_keeps_the_number(website, pool, trackers):
    v = VisitFactory(website=website)
    first = lease_acquire(pool=pool, visit=v, now=NOW)
    lease_shorten(website_id=website.pk, session_uid=v.session_uid, until=NOW + GRACE)
    grants = session_heartbeat(website_id=website.pk, session_uid=v.session_uid, visitor_pools=[pool], source_pools=[],
                               now=NOW + timedelta(seconds=5)).grants
    assert grants[pool.pk].tracker_id == first.tracker_id
    assert Lease.objects.get().expires_at == NOW + timedelta(seconds=5, minutes=30)


def test_after_the_grace_period_the_number_goes_to_another_visitor(website, pool):
    only = CallTrackerFactory(pool=pool, active=True)
    leaving = VisitFactory(website=website)
    lease_acquire(pool=pool, visit=leaving, now=NOW)
    assert lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW + timedelta(minutes=1)) is None
    lease_shorten(website_id=website.pk, session_uid=leaving.session_uid, until=NOW + timedelta(minutes=1) + GRACE)
    grant = lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW + timedelta(minutes=4))
    assert grant.tracker_id == only.pk
    assert Lease.objects.get(visit=leaving).ended_at == NOW + timedelta(minutes=1) + GRACE


def test_a_leave_that_arrives_after_the_next_pages_renewal_changes_nothing(website, pool, trackers):
    v = VisitFactory(website=website)
    seen = lease_acquire(pool=pool, visit=v, now=NOW).expires_at
    renewed = session_heartbeat(website_id=website.pk, session_uid=v.session_uid, visitor_pools=[pool], source_pools=[],
                                now=NOW + timedelta(seconds=1)).grants
    assert lease_shorten(website_id=website.pk, session_uid=v.session_uid, until=NOW + GRACE, seen_expires_at=seen) == 0
    assert Lease.objects.get().expires_at == renewed[pool.pk].expires_at
    assert lease_shorten(website_id=website.pk, session_uid=v.session_uid, until=NOW + GRACE,
                         seen_expires_at=renewed[pool.pk].expires_at) == 1


def test_shortening_never_extends_and_touches_only_that_sessions_open_leases(website, pool, trackers):
    v, other = VisitFactory(website=website), VisitFactory(website=website)
    lease_acquire(pool=pool, visit=v, now=NOW)
    lease_acquire(pool=pool, visit=other, now=NOW)
    Lease.objects.filter(visit=v).update(expires_at=NOW + timedelta(seconds=30))
    assert lease_shorten(website_id=website.pk, session_uid=v.session_uid, until=NOW + GRACE) == 0
    assert Lease.objects.get(visit=v).expires_at == NOW + timedelta(seconds=30)
    assert Lease.objects.get(visit=other).expires_at == NOW + timedelta(minutes=30)


def test_shortening_is_scoped_to_the_website(website, pool, trackers, other_account):
    from tests.factories import WebsiteFactory

    v = VisitFactory(website=website)
    lease_acquire(pool=pool, visit=v, now=NOW)
    elsewhere = WebsiteFactory(account=other_account)
    assert lease_shorten(website_id=elsewhere.pk, session_uid=v.session_uid, until=NOW + GRACE) == 0
    assert Lease.objects.get().expires_at == NOW + timedelta(minutes=30)


def _share(pool):
    Pool.objects.filter(pk=pool.pk).update(exhaustion=Pool.Exhaustion.SHARE)
    pool.refresh_from_db()
    return pool


def test_share_exhaustion_spreads_overflow_sessions_over_every_active_number(website, pool, trackers):
    _share(pool)
    for _ in range(3):
        assert not lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW).is_shared
    overflow = [lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW) for _ in range(7)]
    assert all(grant.is_shared for grant in overflow)
    per_tracker = Counter(grant.tracker_id for grant in overflow)
    assert set(per_tracker) == {t.pk for t in trackers}
    assert sorted(per_tracker.values()) == [2, 2, 3]


def test_share_prefers_the_least_recently_released_among_the_least_shared(website, pool, trackers):
    _share(pool)
    a, b, c = trackers
    CallTracker.objects.filter(pk=a.pk).update(lease_released_at=NOW - timedelta(hours=1))
    CallTracker.objects.filter(pk=b.pk).update(lease_released_at=NOW - timedelta(hours=3))
    CallTracker.objects.filter(pk=c.pk).update(lease_released_at=NOW - timedelta(hours=2))
    for _ in range(3):
        lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW)
    order = [lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW).tracker_id for _ in range(3)]
    assert order == [b.pk, c.pk, a.pk]


def test_expired_shared_leases_do_not_count_against_a_number(website, pool, trackers):
    _share(pool)
    a, b, c = trackers
    for _ in range(3):
        lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW)
    first = lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW)
    Lease.objects.filter(is_shared=True).update(expires_at=NOW + timedelta(minutes=1))
    # Exclusive leases still hold every number; the stale shared one lapsed, so its number is again the least shared.
    later = NOW + timedelta(minutes=2)
    Lease.objects.filter(is_shared=False).update(expires_at=later + timedelta(minutes=30))
    again = lease_acquire(pool=pool, visit=VisitFactory(website=website), now=later)
    assert again.is_shared and again.tracker_id == first.tracker_id
