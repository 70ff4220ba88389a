"""One client (an IPv4 address or an IPv6 /64) cannot drain a visitor pool: it holds at most its share of it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pools.models import Pool
from tests.factories import CallTrackerFactory, PoolFactory, VisitFactory
from trackers.leasing import client_lease_cap, lease_acquire
from trackers.models import ExhaustionEvent, Lease

NOW = timezone.now().replace(microsecond=0)


def _pool(website, trackers, exhaustion=Pool.Exhaustion.ORIGINAL):
    pool = PoolFactory(account=website.account, website=website, visitor=True, size=trackers, lease_minutes=30,
                       exhaustion=exhaustion)
    for _ in range(trackers):
        CallTrackerFactory(pool=pool, active=True)
    return pool


@pytest.mark.parametrize("trackers, cap", [(1, 3), (10, 3), (15, 3), (16, 4), (50, 10), (100, 20)])
def test_the_cap_is_the_minimum_or_the_share_of_the_pool_whichever_is_larger(trackers, cap):
    assert client_lease_cap(trackers=trackers, minimum=3, share=0.2) == cap


def test_one_address_holds_at_most_three_of_ten_numbers(website):
    pool = _pool(website, 10)
    grants = [lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW, client_key="198.51.100.7")
              for _ in range(10)]
    assert sum(grant is not None for grant in grants) == 3
    assert Lease.objects.filter(ended_at__isnull=True, client_key="198.51.100.7").count() == 3
    # The refusals are recorded, and marked as the client's cap rather than the pool running out.
    assert ExhaustionEvent.objects.filter(pool=pool, is_client_cap=True).count() == 7
    # Someone else still gets a number.
    assert lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW, client_key="203.0.113.9") is not None


def test_beyond_the_cap_a_share_pool_hands_out_a_shared_number(website):
    pool = _pool(website, 10, exhaustion=Pool.Exhaustion.SHARE)
    grants = [lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW, client_key="198.51.100.7")
              for _ in range(5)]
    assert [grant.is_shared for grant in grants] == [False, False, False, True, True]
    assert Lease.objects.filter(ended_at__isnull=True, is_shared=False).count() == 3
    assert ExhaustionEvent.objects.filter(pool=pool, is_client_cap=True, is_shared=True).count() == 2


def test_expired_leases_do_not_count_towards_the_cap(website):
    pool = _pool(website, 10)
    for _ in range(3):
        lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW, client_key="198.51.100.7")
    later = NOW + timedelta(minutes=31)
    assert lease_acquire(pool=pool, visit=VisitFactory(website=website), now=later, client_key="198.51.100.7") is not None


def test_a_session_over_the_cap_keeps_renewing_its_own_number(website):
    pool = _pool(website, 10)
    visits = [VisitFactory(website=website) for _ in range(3)]
    first = [lease_acquire(pool=pool, visit=v, now=NOW, client_key="198.51.100.7") for v in visits]
    again = [lease_acquire(pool=pool, visit=v, now=NOW + timedelta(minutes=5), client_key="198.51.100.7") for v in visits]
    assert [g.tracker_id for g in again] == [g.tracker_id for g in first]


def test_the_cap_is_per_pool(website):
    pools = [_pool(website, 10), _pool(website, 10)]
    for pool in pools:
        grants = [lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW, client_key="198.51.100.7")
                  for _ in range(3)]
        assert all(grants)


def test_settings_raise_the_cap_for_offices(website, settings):
    settings.DNI_CLIENT_LEASES_MIN = 6
    pool = _pool(website, 10)
    grants = [lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW, client_key="198.51.100.7")
              for _ in range(10)]
    assert sum(grant is not None for grant in grants) == 6


def test_an_unknown_client_is_not_capped(website):
    pool = _pool(website, 10)
    grants = [lease_acquire(pool=pool, visit=VisitFactory(website=website), now=NOW) for _ in range(10)]
    assert all(grants)
