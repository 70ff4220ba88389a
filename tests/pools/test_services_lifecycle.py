"""Beyond the FAQ: retiring a pool, reassigning the original number, the scheduled run, enqueueing on save."""

from datetime import timedelta
from unittest import mock

import pytest
from django_q.models import Schedule

from core.errors import DomainError
from core.schedules import register_schedules
from pools.models import Pool
from pools.selectors import pools_to_enforce
from pools.services import (
    pool_create,
    pool_enforce,
    pool_reassign_original,
    pool_retire,
    pool_update,
    pools_enforce_all,
    trackers_provision,
)
from pools.tasks import enforce_all_pools, enforce_pool
from tests.factories import CallTrackerFactory, PoolFactory
from tests.pools.conftest import statuses
from trackers.models import CallTracker, TrackerStatusChange


def test_retiring_a_pool_flags_actives_releases_available_and_keeps_the_data(auto_pool, add_visits, now):
    add_visits("google", "organic", 40)
    pool_enforce(pool=auto_pool, now=now)
    assert statuses(auto_pool) == {"active": 1, "available": 3}

    pool_retire(pool=auto_pool, now=now)

    auto_pool.refresh_from_db()
    assert auto_pool.retired_at == now
    # The Active tracker keeps forwarding calls for flag_days.
    assert statuses(auto_pool) == {"flagged": 1}
    assert CallTracker.objects.filter(pool=auto_pool).count() == 4


def test_a_retired_pools_numbers_are_released_after_flag_days_and_it_hands_out_no_new_ones(auto_pool, add_visits, now):
    add_visits("google", "organic", 40)
    pool_enforce(pool=auto_pool, now=now)
    pool_retire(pool=auto_pool, now=now)
    add_visits("bing", "cpc", 40)

    assert pool_enforce(pool=auto_pool, now=now + timedelta(days=29)) == []
    assert list(pools_to_enforce()) == [auto_pool]
    actions = pool_enforce(pool=auto_pool, now=now + timedelta(days=30))

    assert [a.action for a in actions] == ["delete"]
    assert statuses(auto_pool) == {}
    assert CallTracker.objects.filter(pool=auto_pool).count() == 4
    assert list(pools_to_enforce()) == []


def test_retiring_twice_keeps_the_first_retirement_time(auto_pool, now):
    pool_retire(pool=auto_pool, now=now)
    pool_retire(pool=auto_pool, now=now + timedelta(days=3))
    auto_pool.refresh_from_db()
    assert auto_pool.retired_at == now


def test_reassign_points_active_and_flagged_trackers_at_the_new_original_number(auto_pool, now):
    old = "+12025550150"
    active = CallTrackerFactory(pool=auto_pool, active=True, original_number=old, source="a", medium="b")
    flagged = CallTrackerFactory(pool=auto_pool, flagged=True, original_number=old)
    available = CallTrackerFactory(pool=auto_pool)
    pool_update(pool=auto_pool, original_number="+12025550177")

    moved = pool_reassign_original(pool=auto_pool, now=now)

    assert moved == 2
    for tracker in (active, flagged):
        tracker.refresh_from_db()
        assert tracker.original_number == "+12025550177"
        row = TrackerStatusChange.objects.get(tracker=tracker)
        assert row.original_number == "+12025550177" and "reassigned" in row.reason
    available.refresh_from_db()
    assert available.original_number == ""
    assert pool_reassign_original(pool=auto_pool, now=now) == 0


def test_the_scheduled_run_enforces_automated_pools_and_leaves_manual_ones_alone(auto_pool, account, website, add_visits):
    add_visits("google", "organic", 40, at=auto_pool.created_at)
    manual = PoolFactory(account=account, website=website, flag_days=1)
    expired = CallTrackerFactory(pool=manual, flagged=True, flagged_at=auto_pool.created_at - timedelta(days=2))
    untouched = PoolFactory(account=account, website=website)
    CallTrackerFactory(pool=untouched, active=True)

    assert set(pools_to_enforce()) == {auto_pool}
    assert enforce_all_pools() == 5  # 4 created + 1 activated; the manual pool's flagged tracker stays

    assert statuses(auto_pool) == {"active": 1, "available": 3}
    expired.refresh_from_db()
    assert (expired.status, expired.deleted_at) == ("flagged", None)


def test_one_failing_pool_does_not_stop_the_scheduled_run(auto_pool, account, website, now):
    other = PoolFactory(account=account, website=website, kind=Pool.Kind.AUTOMATED, size=1)
    real = pool_enforce

    def flaky(*, pool, **kwargs):
        if pool.pk == auto_pool.pk:
            raise RuntimeError("boom")
        return real(pool=pool, **kwargs)

    with mock.patch("pools.services.pool_enforce", side_effect=flaky):
        assert pools_enforce_all(now=now) == 1
    assert statuses(other) == {"available": 1}


def test_enforce_pool_task_ignores_a_pool_that_no_longer_exists(db):
    assert enforce_pool(987654) == 0


def test_saving_an_automated_pool_enqueues_an_immediate_run(auto_pool, add_visits, django_capture_on_commit_callbacks):
    add_visits("google", "organic", 40, at=auto_pool.created_at)
    with django_capture_on_commit_callbacks(execute=True):
        pool_update(pool=auto_pool, size=2)
    # Q_SYNC runs the enqueued task inline.
    assert statuses(auto_pool) == {"active": 1, "available": 1}


def test_creating_an_automated_pool_enqueues_a_run_and_a_manual_one_does_not(
    account, website, django_capture_on_commit_callbacks
):
    with mock.patch("core.queue.async_task", autospec=True) as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            auto = pool_create(account=account, website=website, name="A", original_number="2025550100",
                               kind="automated", size=1)
            pool_create(account=account, website=website, name="M", original_number="2025550100", size=1)
            assert enqueue.call_count == 0  # only once the pool is committed
    enqueue.assert_called_once_with("pools.tasks.enforce_pool", auto.pk)


def test_manual_pool_update_does_not_enqueue(account, website, django_capture_on_commit_callbacks):
    pool = PoolFactory(account=account, website=website)
    with mock.patch("core.queue.async_task", autospec=True) as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            pool_update(pool=pool, size=3)
    enqueue.assert_not_called()


def test_the_schedules_include_enforcement_and_concurrency_sampling(db):
    register_schedules()
    assert Schedule.objects.get(name="enforce automated pools").func == "pools.tasks.enforce_all_pools"
    sampling = Schedule.objects.get(name="sample visitor pool concurrency")
    assert (sampling.func, sampling.minutes) == ("pools.tasks.sample_pool_concurrency", 1)


def test_a_retired_pool_cannot_be_given_new_numbers(auto_pool, now):
    pool_retire(pool=auto_pool, now=now)
    with pytest.raises(DomainError) as excinfo:
        trackers_provision(pool=auto_pool, count=1)
    assert excinfo.value.code == "retired"
    assert CallTracker.objects.filter(pool=auto_pool).count() == 0


def test_buying_numbers_by_hand_is_refused_for_automated_pools_and_allowed_for_manual_ones(auto_pool, account, website):
    from pools.services import pool_provision

    with pytest.raises(DomainError) as excinfo:
        pool_provision(pool=auto_pool, count=2)
    assert excinfo.value.code == "automated_pool" and "Raise the pool's size instead" in excinfo.value.message
    assert not CallTracker.objects.filter(pool=auto_pool).exists()
    manual = PoolFactory(account=account, website=website, tracking="visitor")
    assert [t.status for t in pool_provision(pool=manual, count=2)] == ["active", "active"]
