"""pool_health_by_id: the health of a list of pools from a few queries, with the facts read from the database."""

from datetime import timedelta

import pytest

from pools.models import Pool
from pools.selectors import pool_health_by_id, pool_health_get, pool_list
from tests.factories import CallTrackerFactory, ExhaustionEventFactory, PoolFactory


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
    # exhaustion counts + one EXISTS query for the one visit window (active counts come annotated)
    with django_assert_num_queries(2):
        health = pool_health_by_id(account=account, pools=pools, now=now)
    states = {pool.name: health[pool.pk].state for pool in pools}
    assert states["S1"] == "ok" and states["S2"] == "showing_no_numbers" and states["V3"] == "exhausted"


def test_another_accounts_pools_are_left_out(account, other_account, now):
    other = PoolFactory(account=other_account)
    assert pool_health_by_id(account=account, pools=[other], now=now) == {}
