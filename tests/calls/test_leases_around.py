"""What attribution reads of a tracker's leases around a call (calls.selectors.leases_around, and the same read in
the voice webhook's one query): every lease the matcher could pick, and not the tracker's whole history, which
grows for the retention period (400 days) while the caller waits for the phone to ring."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from attribution import matcher
from calls import selectors
from calls.selectors import inbound_call_read, leases_around
from tests.factories import LeaseFactory, VisitFactory
from tests.support import lease_rows_read
from trackers.models import Lease

CALLER = "+14158675309"
LEASE_MINUTES = 30  # the pool factory's lease time

# A lease as minutes around the call: (start, minutes to its expiry, minutes to its release or None, shared).
# Narrow ranges on a one-minute grid, so that releases land on the window's edges and several leases cover the call.
lease_spans = st.tuples(st.integers(-80, 20), st.integers(1, 90), st.none() | st.integers(0, 90), st.booleans())


def _facts(rows) -> list[matcher.LeaseFact]:
    return [matcher.LeaseFact(visit_id=visit_id, started_at=started_at, expires_at=expires_at, ended_at=ended_at,
                              is_shared=is_shared)
            for visit_id, started_at, expires_at, ended_at, is_shared, *_ in rows]


def _match(facts, at):
    return matcher.plan_visitor_match(leases=facts, call_at=at, lease_minutes=LEASE_MINUTES)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=st.lists(lease_spans, max_size=8))
@example(spans=[(-40, 60, 10, False)])  # released as the window opens: the one recent lease
@example(spans=[(-40, 60, 50, True), (-20, 60, 30, True)])  # two released after the call began: both covered it
@pytest.mark.django_db
def test_the_read_leaves_out_no_lease_the_matcher_could_pick(visitor_tracker, spans):
    Lease.objects.filter(tracker=visitor_tracker).delete()
    at = timezone.now().replace(microsecond=0)
    website = visitor_tracker.pool.website
    exclusive_open = False
    for start, expires, released, shared in spans:
        if released is None and not shared:
            if exclusive_open:  # a tracker has one open exclusive lease at most (database constraint)
                shared = True
            exclusive_open = True
        started_at = at + timedelta(minutes=start)
        LeaseFactory(tracker=visitor_tracker, visit=VisitFactory(website=website), started_at=started_at,
                     expires_at=started_at + timedelta(minutes=expires), is_shared=shared,
                     ended_at=None if released is None else started_at + timedelta(minutes=released))
    everything = _match(_facts(Lease.objects.filter(tracker=visitor_tracker).values_list(
        *selectors.LEASE_FACT_FIELDS)), at)

    read = leases_around(tracker_id=visitor_tracker.pk, call_at=at, window_start=at - timedelta(minutes=LEASE_MINUTES))

    assert _match(_facts(read), at) == everything
    assert all(row[1] <= at for row in read)
    if connection.vendor == "postgresql":  # the voice webhook's query reads the same rows
        inbound = inbound_call_read(number=visitor_tracker.tracking_number, caller_number=CALLER, call_sid="CA1", at=at)
        assert sorted(inbound.attribution[0]) == sorted(read)


@pytest.mark.postgres
@pytest.mark.parametrize("plan", ["force_generic_plan", "force_custom_plan"])
def test_a_trackers_history_is_not_read_whatever_the_plan(visitor_tracker, plan):
    """The webhook's query is prepared: from its sixth run PostgreSQL may plan it once for any parameters (the
    generic plan), where a lease read bounded on two columns walked the tracker's whole history."""
    now = timezone.now()
    visit = VisitFactory(website=visitor_tracker.pool.website)
    Lease.objects.bulk_create(
        Lease(tracker=visitor_tracker, pool_id=visitor_tracker.pool_id, visit=visit,
              started_at=now - timedelta(hours=2, minutes=3 * index),
              expires_at=now - timedelta(hours=1, minutes=30 + 3 * index),
              ended_at=now - timedelta(hours=2, minutes=3 * index - 2))
        for index in range(3000))
    LeaseFactory(tracker=visitor_tracker, visit=visit, started_at=now - timedelta(minutes=5))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trackers_lease")
        cursor.execute(f"SET LOCAL plan_cache_mode = {plan}")
    before = lease_rows_read()

    for index in range(7):
        inbound = inbound_call_read(number=visitor_tracker.tracking_number, caller_number=CALLER,
                                    call_sid=f"CA{index}", at=now)
    rows = list(leases_around(tracker_id=visitor_tracker.pk, call_at=now, window_start=now - timedelta(minutes=30)))

    assert len(inbound.attribution[0]) == len(rows) == 1
    assert lease_rows_read() - before <= 8 * 2
