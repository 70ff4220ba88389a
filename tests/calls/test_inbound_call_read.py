"""calls.selectors.inbound_call_read on PostgreSQL runs SQL the ORM built once per connection (core.prepared_sql.
CompiledQuery), planned once, with attribution's reads folded in: it must read exactly what the ORM reads."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from calls import selectors
from calls.selectors import inbound_call_read
from tests.factories import (
    BlockedNumberFactory,
    CallFactory,
    LeaseFactory,
    TelephonySettingsFactory,
    TrackerStatusChangeFactory,
    VisitFactory,
)

CALLER = "+14158675309"

pytestmark = pytest.mark.postgres


def _facts(inbound):
    tracker = inbound.tracker
    return (tracker.pk, tracker.pool.pk, tracker.pool.account.pk,
            getattr(tracker.pool.account, "telephony_settings", None), inbound.caller, inbound.caller_blocked,
            inbound.caller_called_before, inbound.caller_first_later, inbound.ring_listeners)


@pytest.mark.parametrize("caller", [CALLER, "", "anonymous", "(415) 867-5309"])
def test_the_compiled_read_reads_what_the_orm_reads(visitor_tracker, caller, monkeypatch):
    account = visitor_tracker.pool.account
    TelephonySettingsFactory(account=account)
    now = timezone.now()
    visit = VisitFactory(website=visitor_tracker.pool.website, source="google")
    LeaseFactory(tracker=visitor_tracker, visit=visit, started_at=now - timedelta(minutes=5))
    LeaseFactory(tracker=visitor_tracker, visit=VisitFactory(website=visitor_tracker.pool.website),
                 started_at=now - timedelta(minutes=50), expires_at=now - timedelta(minutes=20),
                 ended_at=now - timedelta(minutes=25), is_shared=True)
    LeaseFactory(tracker=visitor_tracker, visit=VisitFactory(website=visitor_tracker.pool.website),
                 started_at=now - timedelta(hours=5), expires_at=now - timedelta(hours=4),
                 ended_at=now - timedelta(hours=4))  # outside the window
    CallFactory(tracker=visitor_tracker, caller_number=CALLER, started_at=now - timedelta(days=1))
    CallFactory(tracker=visitor_tracker, caller_number=CALLER, started_at=now + timedelta(minutes=1),
                is_first_time_caller=True)
    BlockedNumberFactory(account=account, number="+1415")
    read = dict(number=visitor_tracker.tracking_number, caller_number=caller, call_sid="CA1", at=now)

    compiled = inbound_call_read(**read)
    monkeypatch.setattr(selectors, "compiled_query", lambda key, build: None)
    orm = inbound_call_read(**read)

    assert _facts(compiled) == _facts(orm)
    assert orm.attribution is None
    leases, assignments = compiled.attribution
    assert sorted(leases) == sorted(selectors.leases_around(tracker_id=visitor_tracker.pk, call_at=now,
                                                            window_start=now - timedelta(minutes=30)))
    assert len(leases) == 2 and assignments == ()


def test_a_source_trackers_status_changes_are_read_with_it(active_tracker):
    now = timezone.now()
    for minutes in range(7, 0, -1):
        TrackerStatusChangeFactory(tracker=active_tracker, created_at=now - timedelta(minutes=minutes))
    TrackerStatusChangeFactory(tracker=active_tracker, created_at=now + timedelta(minutes=1))  # after the call

    inbound = inbound_call_read(number=active_tracker.tracking_number, caller_number=CALLER, call_sid="CA1", at=now)

    assert inbound.attribution[1] == tuple(selectors.assignments_before(tracker_id=active_tracker.pk, call_at=now))
    assert len(inbound.attribution[1]) == 5 and inbound.attribution[1][0][1] == now - timedelta(minutes=1)


def test_an_unknown_number_reads_nothing(active_tracker):
    assert inbound_call_read(number="+18005550199", caller_number=CALLER, call_sid="CA1", at=timezone.now()) is None


def _prepared_tracker_reads() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%lease_rows%FROM \"trackers_calltracker\"%"])
        return cursor.fetchone()[0]


def test_the_read_is_prepared_once_per_connection_and_shape(active_tracker):
    before = _prepared_tracker_reads()
    for index in range(3):
        inbound_call_read(number=active_tracker.tracking_number, caller_number=CALLER, call_sid=f"CA{index}",
                          at=timezone.now())
    assert _prepared_tracker_reads() - before == 1
