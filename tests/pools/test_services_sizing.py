"""Automated visitor pools size themselves from measured peak concurrency."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from pools.models import ConcurrencySample, Pool
from pools.selectors import pool_plan, pool_preview, pool_sizing_recommendation
from pools.services import pool_enforce, pools_sample_concurrency
from tests.factories import CallTrackerFactory, LeaseFactory, PoolFactory
from tests.pools.conftest import statuses


@pytest.fixture
def visitor_pool(account, website):
    return PoolFactory(account=account, website=website, name="Visitors", kind=Pool.Kind.AUTOMATED,
                       tracking=Pool.Tracking.VISITOR, size=2, max_size=10, flag_days=1)


def _samples(pool, now, leased_values):
    ConcurrencySample.objects.bulk_create([
        ConcurrencySample(pool=pool, sampled_at=now - timedelta(minutes=i + 1), leased=leased, size=pool.size)
        for i, leased in enumerate(leased_values)
    ])


def _lease(tracker, now, *, minutes_left=20, ended=False):
    return LeaseFactory(tracker=tracker, started_at=now - timedelta(minutes=10),
                        expires_at=now + timedelta(minutes=minutes_left), ended_at=now if ended else None)


def test_the_sampler_counts_open_unexpired_leases_and_active_trackers(visitor_pool, now):
    trackers = [CallTrackerFactory(pool=visitor_pool, active=True) for _ in range(3)]
    _lease(trackers[0], now)
    _lease(trackers[1], now, minutes_left=-1)  # expired
    _lease(trackers[2], now, ended=True)
    manual_source_pool = PoolFactory(account=visitor_pool.account, website=visitor_pool.website)

    assert pools_sample_concurrency(now=now) == 1

    sample = ConcurrencySample.objects.get()
    assert (sample.pool, sample.sampled_at, sample.leased, sample.size) == (visitor_pool, now, 1, 3)
    assert not ConcurrencySample.objects.filter(pool=manual_source_pool).exists()


def test_the_sampler_counts_only_live_trackers_and_each_pool_apart(visitor_pool, now):
    trackers = [CallTrackerFactory(pool=visitor_pool, active=True) for _ in range(2)]
    released = CallTrackerFactory(pool=visitor_pool, active=True, deleted_at=now - timedelta(minutes=1))
    other = PoolFactory(account=visitor_pool.account, website=visitor_pool.website, tracking="visitor")
    for tracker in (*trackers, released, CallTrackerFactory(pool=other, active=True)):
        _lease(tracker, now)
    _lease(trackers[0], now, ended=True)  # an earlier session of the same number
    CallTrackerFactory(pool=other, available=True)

    assert pools_sample_concurrency(now=now) == 2

    samples = {sample.pool_id: (sample.leased, sample.size) for sample in ConcurrencySample.objects.all()}
    assert samples == {visitor_pool.pk: (2, 2), other.pk: (1, 1)}


def test_the_sampler_prunes_samples_older_than_two_sizing_windows(visitor_pool, now):
    ConcurrencySample.objects.create(pool=visitor_pool, sampled_at=now - timedelta(days=15), leased=1, size=1)
    pools_sample_concurrency(now=now)
    assert ConcurrencySample.objects.filter(sampled_at__lt=now - timedelta(days=14)).count() == 0


def test_the_recommendation_is_peak_times_headroom_with_the_samples_for_the_dashboard(visitor_pool, now):
    _samples(visitor_pool, now, [1, 4, 3])
    ConcurrencySample.objects.create(pool=visitor_pool, sampled_at=now - timedelta(days=8), leased=9, size=2)

    recommendation = pool_sizing_recommendation(pool=visitor_pool, now=now)

    assert recommendation["peak"] == 4
    assert recommendation["headroom"] == Decimal("1.5")
    assert recommendation["recommended_size"] == 6
    assert recommendation["current_size"] == 2
    assert [leased for _, leased, _ in recommendation["samples"]] == [3, 4, 1]


@override_settings(POOLS_SIZING_HEADROOM=2.0)
def test_the_recommendation_is_capped_at_max_size(visitor_pool, now):
    _samples(visitor_pool, now, [8])
    assert pool_sizing_recommendation(pool=visitor_pool, now=now)["recommended_size"] == 10


def test_without_samples_the_configured_size_stands(visitor_pool, now):
    recommendation = pool_sizing_recommendation(pool=visitor_pool, now=now)
    assert (recommendation["peak"], recommendation["recommended_size"], recommendation["samples"]) == (0, 2, [])


def test_enforcing_a_visitor_pool_grows_it_to_the_recommended_size_all_in_rotation(visitor_pool, now):
    _samples(visitor_pool, now, [2, 4])

    actions = pool_enforce(pool=visitor_pool, now=now)

    visitor_pool.refresh_from_db()
    assert visitor_pool.size == 6
    assert sorted(a.action for a in actions) == ["activate"] * 6 + ["create"] * 6
    assert statuses(visitor_pool) == {"active": 6}
    assert pool_enforce(pool=visitor_pool, now=now) == []


def test_the_preview_plans_at_the_recommended_size_but_writes_nothing(visitor_pool, now, django_assert_num_queries):
    _samples(visitor_pool, now, [2, 4])
    updated_at = Pool.objects.get(pk=visitor_pool.pk).updated_at

    with django_assert_num_queries(4):  # pool, peak, open leases, trackers: reads only
        actions, top = pool_preview(pool=visitor_pool, now=now)

    assert sorted(a.action for a in actions) == ["activate"] * 6 + ["create"] * 6 and top == []
    assert pool_plan(pool=visitor_pool, now=now).size == 6
    stored = Pool.objects.get(pk=visitor_pool.pk)
    assert (stored.size, stored.updated_at) == (2, updated_at)  # the run stores the size, never the preview
    assert pool_enforce(pool=visitor_pool, now=now, dry_run=True) == actions
    assert Pool.objects.get(pk=visitor_pool.pk).size == 2


def test_a_shrinking_visitor_pool_takes_idle_trackers_out_but_never_a_leased_one(visitor_pool, now):
    trackers = [CallTrackerFactory(pool=visitor_pool, active=True) for _ in range(6)]
    for tracker in trackers[-2:]:
        _lease(tracker, now)
    _samples(visitor_pool, now, [1, 2])
    ConcurrencySample.objects.create(pool=visitor_pool, sampled_at=now - timedelta(hours=25), leased=1, size=6)

    pool_enforce(pool=visitor_pool, now=now)

    visitor_pool.refresh_from_db()
    assert visitor_pool.size == 3
    assert statuses(visitor_pool) == {"active": 3, "flagged": 3}
    assert all(t.status == "active" for t in type(trackers[0]).objects.filter(pk__in=[t.pk for t in trackers[-2:]]))

    # After flag_days the idle ones are freed and their numbers released.
    pool_enforce(pool=visitor_pool, now=now + timedelta(days=1, minutes=30))
    assert statuses(visitor_pool) == {"active": 3}


def test_the_size_never_drops_below_the_leases_open_now_even_past_max_size(visitor_pool, now):
    visitor_pool.max_size = 4
    visitor_pool.save(update_fields=["max_size"])
    trackers = [CallTrackerFactory(pool=visitor_pool, active=True) for _ in range(5)]
    for tracker in trackers:
        _lease(tracker, now)
    _samples(visitor_pool, now, [1])

    pool_enforce(pool=visitor_pool, now=now)

    visitor_pool.refresh_from_db()
    assert visitor_pool.size == 5
    assert statuses(visitor_pool) == {"active": 5}


def test_a_busy_pool_sampled_for_minutes_has_not_enough_data_and_never_shrinks(visitor_pool, now):
    visitor_pool.size = 8
    visitor_pool.save(update_fields=["size"])
    for _ in range(8):
        CallTrackerFactory(pool=visitor_pool, active=True)
    _samples(visitor_pool, now, [1, 0, 2])  # the sampler started minutes ago

    recommendation = pool_sizing_recommendation(pool=visitor_pool, now=now)
    assert recommendation["has_enough_data"] is False
    assert recommendation["sampling_since"] == now - timedelta(minutes=3)
    assert recommendation["recommended_size"] == 8  # not 3

    assert pool_enforce(pool=visitor_pool, now=now) == []
    visitor_pool.refresh_from_db()
    assert visitor_pool.size == 8


def test_a_pool_sampled_for_minutes_still_grows_on_a_measured_peak(visitor_pool, now):
    _samples(visitor_pool, now, [4])
    pool_enforce(pool=visitor_pool, now=now)
    visitor_pool.refresh_from_db()
    assert visitor_pool.size == 6


def test_after_24_hours_of_samples_the_pool_shrinks_to_the_recommendation(visitor_pool, now):
    visitor_pool.size = 8
    visitor_pool.save(update_fields=["size"])
    _samples(visitor_pool, now, [1, 2])
    ConcurrencySample.objects.create(pool=visitor_pool, sampled_at=now - timedelta(hours=24), leased=1, size=8)

    recommendation = pool_sizing_recommendation(pool=visitor_pool, now=now)
    assert recommendation["has_enough_data"] is True and recommendation["recommended_size"] == 3
