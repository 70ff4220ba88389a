"""Two enforcement runs of one pool at the same time (scheduler + "Enforce now") must not both act."""

import threading

import pytest
from django.db import connection

from pools.services import pool_enforce
from tests.pools.conftest import statuses
from trackers.models import CallTracker, TrackerStatusChange


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_one_pool_leave_it_following_the_rules(auto_pool, add_visits, now):
    for source, visits in (("a", 40), ("b", 30), ("c", 20)):
        add_visits(source, "x", visits)
    barrier = threading.Barrier(3)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(pool_enforce(pool=auto_pool, now=now))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    # Whoever bought surplus numbers, the last locked pass deleted them down to size.
    assert statuses(auto_pool) == {"active": 3, "available": 1}
    active = CallTracker.objects.live().filter(pool=auto_pool, status="active")
    assert sorted(active.values_list("source", flat=True)) == ["a", "b", "c"]
    # Each source was activated exactly once: no run applied a plan made stale by another.
    assert TrackerStatusChange.objects.filter(tracker__pool=auto_pool, to_status="active").count() == 3
    assert pool_enforce(pool=auto_pool, now=now) == []
