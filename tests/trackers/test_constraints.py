from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import CallTrackerFactory, LeaseFactory, PoolFactory, VisitFactory
from trackers.models import Lease


def test_a_tracking_number_cannot_be_live_in_two_trackers(db):
    tracker = CallTrackerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CallTrackerFactory(tracking_number=tracker.tracking_number, pool=PoolFactory())


def test_a_released_number_can_be_used_again(db):
    tracker = CallTrackerFactory(deleted_at=timezone.now())
    again = CallTrackerFactory(tracking_number=tracker.tracking_number)
    assert again.pk != tracker.pk


def test_a_flagged_tracker_must_have_flagged_at(db):
    tracker = CallTrackerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(tracker).objects.filter(pk=tracker.pk).update(status="flagged", flagged_at=None)


def test_a_tracker_cannot_have_two_open_leases(db):
    lease = LeaseFactory()
    other_visit = VisitFactory(website=lease.visit.website)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Lease.objects.create(tracker=lease.tracker, visit=other_visit, started_at=now, expires_at=now + timedelta(minutes=30))


def test_an_ended_lease_does_not_block_the_next_one(db):
    lease = LeaseFactory(ended_at=timezone.now())
    now = timezone.now()
    second = Lease.objects.create(
        tracker=lease.tracker, visit=VisitFactory(website=lease.visit.website), started_at=now, expires_at=now + timedelta(minutes=30)
    )
    assert second.pk


def test_a_lease_must_expire_after_it_starts(db):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        LeaseFactory(started_at=now, expires_at=now)
