from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CallTrackerFactory, PoolFactory, VisitFactory
from trackers.heartbeat import session_heartbeat
from trackers.leasing import lease_acquire
from trackers.models import CallTracker, Lease

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def visitor_pool(website):
    pool = PoolFactory(account=website.account, website=website, visitor=True, size=3, lease_minutes=30)
    for _ in range(3):
        CallTrackerFactory(pool=pool, active=True)
    return pool


@pytest.fixture
def source_pool(website):
    pool = PoolFactory(account=website.account, website=website)
    CallTrackerFactory(pool=pool, active=True, source="google", medium="cpc")
    return pool


@pytest.fixture
def google_visit(website):
    return VisitFactory(website=website, session_uid="s" * 22, source="google", medium="cpc")


def beat(website, session_uid, visitor_pools=(), source_pools=(), now=NOW + timedelta(minutes=10)):
    return session_heartbeat(website_id=website.pk, session_uid=session_uid, visitor_pools=list(visitor_pools),
                             source_pools=list(source_pools), now=now)


def test_visitor_pool_lease_is_renewed_in_one_statement(website, visitor_pool, google_visit, django_assert_num_queries):
    first = lease_acquire(pool=visitor_pool, visit=google_visit, now=NOW)
    with django_assert_num_queries(1):
        hb = beat(website, google_visit.session_uid, [visitor_pool])
    assert hb.complete and hb.grants[visitor_pool.pk].tracker_id == first.tracker_id
    assert hb.grants[visitor_pool.pk].tracking_number == first.tracking_number
    assert Lease.objects.get().expires_at == NOW + timedelta(minutes=40)


def test_source_pool_number_is_read_in_one_statement(website, source_pool, google_visit, django_assert_num_queries):
    with django_assert_num_queries(1):
        hb = beat(website, google_visit.session_uid, source_pools=[source_pool])
    assert hb.complete and hb.source_numbers == {source_pool.pk: source_pool.trackers.get().tracking_number}


def test_both_kinds_are_one_statement(website, visitor_pool, source_pool, google_visit, django_assert_num_queries):
    first = lease_acquire(pool=visitor_pool, visit=google_visit, now=NOW)
    with django_assert_num_queries(1):
        hb = beat(website, google_visit.session_uid, [visitor_pool], [source_pool])
    assert hb.complete and hb.grants[visitor_pool.pk].tracking_number == first.tracking_number
    assert hb.source_numbers == {source_pool.pk: source_pool.trackers.get().tracking_number}


def test_pools_with_different_lease_lengths_get_their_own_expiry(website, visitor_pool, google_visit):
    short = PoolFactory(account=website.account, website=website, visitor=True, size=1, lease_minutes=5)
    CallTrackerFactory(pool=short, active=True)
    lease_acquire(pool=visitor_pool, visit=google_visit, now=NOW)
    lease_acquire(pool=short, visit=google_visit, now=NOW)
    hb = beat(website, google_visit.session_uid, [visitor_pool, short])
    assert hb.complete
    expiries = dict(Lease.objects.values_list("tracker__pool_id", "expires_at"))
    assert expiries == {visitor_pool.pk: NOW + timedelta(minutes=40), short.pk: NOW + timedelta(minutes=15)}


def test_source_without_a_tracker_shows_nothing_but_is_complete(website, source_pool):
    visit = VisitFactory(website=website, session_uid="b" * 22, source="bing", medium="cpc")
    hb = beat(website, visit.session_uid, source_pools=[source_pool])
    assert hb.complete and hb.source_numbers == {}


def test_flagged_source_tracker_is_not_shown(website, source_pool, google_visit):
    CallTracker.objects.filter(pool=source_pool).update(status="flagged", flagged_at=NOW)
    assert beat(website, google_visit.session_uid, source_pools=[source_pool]).source_numbers == {}


def test_unknown_session_is_not_a_heartbeat(website, visitor_pool, source_pool, google_visit):
    lease_acquire(pool=visitor_pool, visit=google_visit, now=NOW)
    assert not beat(website, "x" * 22, [visitor_pool], [source_pool]).complete
    assert not beat(website, "x" * 22, source_pools=[source_pool]).complete


def test_session_of_another_website_is_not_renewed(website, other_account, visitor_pool, google_visit):
    from tests.factories import WebsiteFactory

    lease_acquire(pool=visitor_pool, visit=google_visit, now=NOW)
    other = WebsiteFactory(account=other_account, key="bobsite")
    hb = beat(other, google_visit.session_uid, [visitor_pool])
    assert not hb.complete and hb.grants == {}
    assert Lease.objects.get().expires_at == NOW + timedelta(minutes=30)


def test_lease_on_a_flagged_tracker_is_not_renewed(website, visitor_pool, source_pool, google_visit):
    grant = lease_acquire(pool=visitor_pool, visit=google_visit, now=NOW)
    CallTracker.objects.filter(pk=grant.tracker_id).update(status="flagged", flagged_at=NOW)
    hb = beat(website, google_visit.session_uid, [visitor_pool], [source_pool])
    assert not hb.complete and hb.grants == {}


def test_one_of_two_visitor_pools_missing_keeps_the_renewed_one(website, visitor_pool, google_visit):
    other = PoolFactory(account=website.account, website=website, visitor=True, size=1, lease_minutes=30)
    CallTrackerFactory(pool=other, active=True)
    lease_acquire(pool=visitor_pool, visit=google_visit, now=NOW)
    hb = beat(website, google_visit.session_uid, [visitor_pool, other])
    assert not hb.complete and set(hb.grants) == {visitor_pool.pk}


def test_no_pools_is_trivially_complete(website, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert beat(website, "s" * 22).complete
