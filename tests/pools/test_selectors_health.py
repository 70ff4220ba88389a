"""pool_health_by_id: the health of a list of pools from a few queries, with the facts read from the database."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attribution.models import Visit
from attribution.source_counts import source_days_roll
from pools.models import Pool
from pools.selectors import (
    _pools_with_matching_visits,
    pool_health_by_id,
    pool_health_get,
    pool_list,
)
from tests.factories import CallTrackerFactory, ExhaustionEventFactory, PoolFactory, WebsiteFactory
from trackers.models import CallTracker


@pytest.fixture
def source_pool(account, website):
    return PoolFactory(account=account, website=website, name="Sources")


def _states(account, now, pools=None):
    pools = list(pools if pools is not None else pool_list(account=account))
    return {pool.name: health.state for pool, health in
            zip(pools, [pool_health_by_id(account=account, pools=pools, now=now)[p.pk] for p in pools], strict=True)}


def test_a_source_pool_whose_numbers_match_no_visit_shows_no_numbers(account, source_pool, add_visits, now):
    CallTrackerFactory(pool=source_pool, active=True, source="google", medium="cpc")
    add_visits("google", "organic", 10)  # not what the number is assigned to
    assert _states(account, now) == {"Sources": "showing_no_numbers"}
    add_visits("google", "cpc", 1)
    assert _states(account, now) == {"Sources": "ok"}


def test_visits_outside_the_window_do_not_count(account, source_pool, add_visits, now):
    CallTrackerFactory(pool=source_pool, active=True, source="google", medium="cpc")
    add_visits("google", "cpc", 5, at=now - timedelta(days=source_pool.visit_window_days + 1))
    assert _states(account, now) == {"Sources": "showing_no_numbers"}


def test_a_visitor_pool_that_ran_out_in_the_last_24_hours_is_exhausted(account, website, now):
    pool = PoolFactory(account=account, website=website, name="Visitors", tracking=Pool.Tracking.VISITOR)
    CallTrackerFactory(pool=pool, active=True)
    ExhaustionEventFactory(pool=pool, occurred_at=now - timedelta(hours=25))
    assert _states(account, now) == {"Visitors": "ok"}
    ExhaustionEventFactory(pool=pool, occurred_at=now - timedelta(hours=2))
    assert _states(account, now) == {"Visitors": "exhausted"}


def test_a_recorded_purchase_failure_is_cannot_buy_numbers_with_the_error(account, auto_pool, now):
    Pool.objects.filter(pk=auto_pool.pk).update(last_provision_error="Twilio refused to sell +12125550100",
                                                last_provision_error_at=now)
    health = pool_health_get(account=account, pool=Pool.objects.get(pk=auto_pool.pk), now=now)
    assert (health.state, health.reason) == ("cannot_buy_numbers", "Buying numbers failed: Twilio refused to sell +12125550100")


def test_the_whole_list_costs_a_fixed_number_of_queries(account, website, add_visits, now, django_assert_num_queries):
    for n in range(6):
        pool = PoolFactory(account=account, website=website, name=f"S{n}", visit_window_days=30)
        CallTrackerFactory(pool=pool, active=True, source=f"s{n}", medium="x")
        visitor = PoolFactory(account=account, website=website, name=f"V{n}", tracking=Pool.Tracking.VISITOR)
        ExhaustionEventFactory(pool=visitor, occurred_at=now - timedelta(hours=1))
    add_visits("s1", "x", 1)
    pools = list(pool_list(account=account))
    # exhaustion counts, the active numbers' sources, the websites' counted days, and for the one website and visit
    # window one read (nothing counted yet: all of it live); active counts come annotated
    with django_assert_num_queries(4):
        health = pool_health_by_id(account=account, pools=pools, now=now)
    states = {pool.name: health[pool.pk].state for pool in pools}
    assert states["S1"] == "ok" and states["S2"] == "showing_no_numbers" and states["V3"] == "exhausted"


def test_another_accounts_pools_are_left_out(account, other_account, now):
    other = PoolFactory(account=other_account)
    assert pool_health_by_id(account=account, pools=[other], now=now) == {}


def _raw_matched(pools, now) -> set[int]:
    """The reference: an active number's source/medium had a human visit in the window, straight from Visit."""
    matched = set()
    for pool in pools:
        for source, medium in CallTracker.objects.live().filter(pool=pool, status="active").values_list("source", "medium"):
            if Visit.objects.filter(website_id=pool.website_id, source=source, medium=medium, is_bot=False,
                                    started_at__gte=now - timedelta(days=pool.visit_window_days), started_at__lte=now).exists():
                matched.add(pool.pk)
    return matched


@pytest.mark.parametrize("seed", range(4))
def test_the_health_check_reads_the_daily_counts_and_agrees_with_the_raw_visits(account, website, add_visits, now, seed):
    """Counted days from SourceDay plus the live edges (the partial first day, the days not counted yet) decide as
    the raw visits do, whatever has been counted."""
    rng = random.Random(seed)
    other = WebsiteFactory(account=account)
    pairs = [("google", "cpc"), ("bing", "cpc"), ("google", "organic"), ("news.example", "referral"), ("yelp.com", "referral")]
    pools = []
    for n in range(8):
        pool = PoolFactory(account=account, website=rng.choice([website, other]), name=f"S{n}",
                           visit_window_days=rng.choice([1, 3, 7, 30]))
        for source, medium in rng.sample(pairs, 2):
            CallTrackerFactory(pool=pool, active=rng.random() < 0.8, source=source, medium=medium)
        pools.append(pool)
    for _ in range(40):
        source, medium = rng.choice(pairs)
        add_visits(source, medium, 1, at=now - timedelta(minutes=rng.randrange(0, 40 * 24 * 60)),
                   is_bot=rng.random() < 0.2, site=rng.choice([website, other]))
    expected = _raw_matched(pools, now)
    assert _pools_with_matching_visits(pools=pools, now=now) == expected  # nothing counted: all live
    for counted_at in (now - timedelta(days=rng.randrange(2, 20), hours=rng.randrange(24)), now):
        source_days_roll(now=counted_at, website_ids=[rng.choice([website, other]).pk])
        assert _pools_with_matching_visits(pools=pools, now=now) == expected
    source_days_roll(now=now)
    assert _pools_with_matching_visits(pools=pools, now=now) == expected


def test_the_health_check_does_not_scan_counted_days_of_visits(account, source_pool, add_visits, now):
    CallTrackerFactory(pool=source_pool, active=True, source="google", medium="cpc")
    CallTrackerFactory(pool=source_pool, active=True, source="bing", medium="cpc")
    add_visits("google", "cpc", 3, at=now - timedelta(days=20))
    source_days_roll(now=now)
    with CaptureQueriesContext(connection) as queries:
        assert _pools_with_matching_visits(pools=[source_pool], now=now) == {source_pool.pk}
    assert not [q for q in queries if "attribution_visit" in q["sql"]]  # found in the counted days: no live read
    CallTracker.objects.filter(source="google").update(status="available")
    with CaptureQueriesContext(connection) as queries:
        assert _pools_with_matching_visits(pools=[source_pool], now=now) == set()
    visit_reads = [q["sql"] for q in queries if "attribution_visit" in q["sql"]]
    assert len(visit_reads) == 1  # bing: only the uncounted edges, never the counted days in between
    assert str((now - timedelta(days=20)).date()) not in visit_reads[0]
