import pytest
from django.utils import timezone

from core.errors import DomainError
from pools.services import pool_update
from tests.factories import CallTrackerFactory, PoolFactory, UserFactory
from trackers.models import CallTracker, TrackerStatusChange
from trackers.services import tracker_add, tracker_delete, tracker_set_status

Status = CallTracker.Status


def test_activating_a_tracker_writes_history_with_actor_and_reason(db):
    tracker = CallTrackerFactory(available=True)
    user = UserFactory()
    tracker_set_status(tracker=tracker, status=Status.ACTIVE, source="google", medium="cpc", actor=user, reason="by hand")
    change = TrackerStatusChange.objects.get(tracker=tracker)
    assert (change.from_status, change.to_status) == ("available", "active")
    assert (change.source, change.medium, change.actor, change.reason) == ("google", "cpc", user, "by hand")


def test_activation_freezes_the_pools_current_original_number(db):
    pool = PoolFactory(original_number="+12025550100")
    tracker = CallTrackerFactory(pool=pool)
    tracker_set_status(tracker=tracker, status=Status.ACTIVE, reason="test")
    pool_update(pool=pool, original_number="+12025550150")
    tracker.refresh_from_db()
    assert tracker.original_number == "+12025550100"


def test_flagging_sets_flagged_at_and_unflagging_clears_it(db):
    tracker = CallTrackerFactory(active=True)
    tracker_set_status(tracker=tracker, status=Status.FLAGGED, reason="test")
    tracker.refresh_from_db()
    assert tracker.flagged_at is not None
    tracker_set_status(tracker=tracker, status=Status.ACTIVE, reason="test")
    tracker.refresh_from_db()
    assert tracker.flagged_at is None and tracker.status == Status.ACTIVE


def test_a_stale_status_change_is_refused_not_overwritten(db):
    tracker = CallTrackerFactory(available=True)
    stale = CallTracker.objects.get(pk=tracker.pk)
    tracker_set_status(tracker=tracker, status=Status.ACTIVE, reason="first")
    with pytest.raises(DomainError) as excinfo:
        tracker_set_status(tracker=stale, status=Status.FLAGGED, reason="second")
    assert excinfo.value.code == "conflict"
    assert TrackerStatusChange.objects.filter(tracker=tracker).count() == 1


def test_an_unknown_status_is_refused(db):
    with pytest.raises(DomainError):
        tracker_set_status(tracker=CallTrackerFactory(), status="asleep", reason="test")


def test_tracker_add_parses_the_number_in_the_accounts_region(db):
    tracker = tracker_add(pool=PoolFactory(), tracking_number="(312) 555-0123")
    assert tracker.tracking_number == "+13125550123"
    assert tracker.history.get().to_status == "available"


def test_tracker_add_rejects_an_invalid_number_and_stores_nothing(db):
    with pytest.raises(DomainError) as excinfo:
        tracker_add(pool=PoolFactory(), tracking_number="12345")
    assert excinfo.value.code == "invalid_phone"
    assert CallTracker.objects.count() == 0


def test_tracker_delete_keeps_the_row_and_records_it(db):
    tracker = CallTrackerFactory(active=True)
    tracker_delete(tracker=tracker, reason="retired", now=timezone.now())
    tracker.refresh_from_db()
    assert tracker.deleted_at is not None
    assert tracker.history.first().to_status == "deleted"
    assert CallTracker.objects.live().count() == 0
