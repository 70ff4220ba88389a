"""Leasing under real concurrency: threads with their own PostgreSQL connections."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import (
    CallTrackerFactory,
    LeaseFactory,
    PoolFactory,
    VisitFactory,
    WebsiteFactory,
)
from trackers.leasing import lease_acquire
from trackers.models import Lease

pytestmark = pytest.mark.postgres


def run_threads(workers):
    barrier = threading.Barrier(len(workers))
    errors = []

    def wrap(fn):
        def target():
            try:
                barrier.wait()
                fn()
            except Exception as exc:  # surfaced below: a thread must not fail silently
                errors.append(exc)
            finally:
                connection.close()
        return target

    threads = [threading.Thread(target=wrap(w)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_no_number_is_leased_twice_and_no_session_loses_its_number():
    website = WebsiteFactory()
    pool = PoolFactory(account=website.account, website=website, visitor=True, size=12, lease_minutes=30)
    trackers = [CallTrackerFactory(pool=pool, active=True) for _ in range(12)]
    now = timezone.now()
    # 12 sessions hold leases that lapsed a moment ago and come back (renew); 16 new sessions arrive at once.
    old = [VisitFactory(website=website) for _ in range(12)]
    for visit, tracker in zip(old, trackers, strict=True):
        LeaseFactory(tracker=tracker, visit=visit, started_at=now - timedelta(minutes=40), expires_at=now - timedelta(seconds=1))
    new = [VisitFactory(website=website) for _ in range(16)]
    last: dict[int, object] = {}

    def session(visit):
        def work():
            for beat in range(4):
                last[visit.pk] = lease_acquire(pool=pool, visit=visit, now=now + timedelta(seconds=beat))
        return work

    run_threads([session(v) for v in old + new])

    open_leases = list(Lease.objects.filter(ended_at__isnull=True, is_shared=False))
    held = [lease.tracker_id for lease in open_leases]
    assert len(held) == len(set(held)) == 12  # every number lent, none twice
    holder_of = {lease.tracker_id: lease.visit_id for lease in open_leases}
    granted = {visit_id: grant for visit_id, grant in last.items() if grant is not None}
    assert len(granted) == 12
    for visit_id, grant in granted.items():
        # What the session was last told is what the database says it holds.
        assert holder_of[grant.tracker_id] == visit_id
    assert len({g.tracker_id for g in granted.values()}) == 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_of_many_sessions_never_share_a_number():
    website = WebsiteFactory()
    pool = PoolFactory(account=website.account, website=website, visitor=True, size=8)
    for _ in range(8):
        CallTrackerFactory(pool=pool, active=True)
    visits = [VisitFactory(website=website) for _ in range(16)]
    grants = {}
    now = timezone.now()

    def session(visit):
        def work():
            grants[visit.pk] = lease_acquire(pool=pool, visit=visit, now=now)
        return work

    run_threads([session(v) for v in visits])
    taken = [g.tracker_id for g in grants.values() if g is not None]
    assert len(taken) == len(set(taken)) == 8
    assert sum(g is None for g in grants.values()) == 8
