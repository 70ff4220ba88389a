"""Draining a visitor pool through the assign endpoint: many sessions from one address, or from one IPv6 /64,
hold at most the client's share of the pool; a real visitor elsewhere still gets a number."""

import pytest

from tests.factories import CallTrackerFactory, PoolFactory
from trackers.models import ExhaustionEvent, Lease


@pytest.fixture
def ten_numbers(website):
    pool = PoolFactory(account=website.account, website=website, name="Main line", visitor=True,
                       original_number="+12025550100", size=10, lease_minutes=30)
    for _ in range(10):
        CallTrackerFactory(pool=pool, active=True)
    return pool


def _numbers(response):
    assert response.status_code == 200, response.content
    return response.json()["numbers"]


def test_many_sessions_from_one_address_cannot_drain_the_pool(assign, ten_numbers):
    held = [_numbers(assign(REMOTE_ADDR="198.51.100.7")) for _ in range(30)]
    assert sum(bool(numbers) for numbers in held) == 3
    assert Lease.objects.filter(ended_at__isnull=True).count() == 3
    assert ExhaustionEvent.objects.filter(is_client_cap=True).count() == 27
    assert _numbers(assign(REMOTE_ADDR="203.0.113.20"))  # a real visitor


def test_rotating_addresses_inside_one_ipv6_64_counts_as_one_client(assign, ten_numbers):
    held = [_numbers(assign(REMOTE_ADDR=f"2001:db8:aa:bb::{n:x}")) for n in range(1, 31)]
    assert sum(bool(numbers) for numbers in held) == 3
    assert set(Lease.objects.values_list("client_key", flat=True)) == {"2001:db8:aa:bb::/64"}
    assert _numbers(assign(REMOTE_ADDR="2001:db8:aa:cc::1"))  # the neighbouring /64 is someone else



@pytest.mark.parametrize("loopback", ["127.0.0.1", "127.0.0.2", "::1"])
def test_this_machines_own_address_is_not_capped(assign, ten_numbers, loopback):
    """A load test or health check on the server itself (or a proxy missing from TRUSTED_PROXIES) is no visitor:
    capping it would cap everyone behind it as one client."""
    held = [_numbers(assign(REMOTE_ADDR=loopback)) for _ in range(10)]
    assert len({numbers[0]["tracking"] for numbers in held}) == 10
    assert not ExhaustionEvent.objects.filter(is_client_cap=True).exists()
    assert _numbers(assign(REMOTE_ADDR="198.51.100.7")) == []  # the pool is spent now, by real leases


def test_lease_cap_key_keeps_every_other_client():
    from core.client_ip import lease_cap_key

    assert lease_cap_key("198.51.100.7") == "198.51.100.7"
    assert lease_cap_key("2001:db8:aa:bb::/64") == "2001:db8:aa:bb::/64"
    assert lease_cap_key("10.0.0.9") == "10.0.0.9"  # a private network is still someone's
    assert lease_cap_key("127.0.0.1") is None
    assert lease_cap_key("::/64") is None  # ::1's /64
    assert lease_cap_key(None) is None
