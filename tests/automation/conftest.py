from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CallFactory, CallTrackerFactory, PoolFactory


@pytest.fixture
def pool(account, website):
    return PoolFactory(account=account, website=website, name="Main line", original_number="+12025550100")


@pytest.fixture
def tracker(pool):
    return CallTrackerFactory(pool=pool, active=True, source="google", medium="cpc")


@pytest.fixture
def answered_call(tracker):
    """A final, answered call of 90 s from a San Francisco number, from Google Ads."""
    started = timezone.now() - timedelta(minutes=10)
    return CallFactory(tracker=tracker, caller_number="+14155550123", started_at=started,
                       answered_at=started + timedelta(seconds=5), ended_at=started + timedelta(seconds=95),
                       duration_seconds=95, talk_seconds=90, source="google", medium="cpc", campaign="spring",
                       caller_region="CA", caller_country="US")
