import pytest

from core.errors import DomainError
from pools.services import trackers_provision
from tests.factories import PoolFactory
from trackers.models import CallTracker


def test_provisioning_a_source_pool_adds_available_trackers(db):
    pool = PoolFactory(tracking="source")
    trackers = trackers_provision(pool=pool, count=3)
    assert [t.status for t in trackers] == ["available"] * 3
    assert all(t.provider == "sandbox" and t.provider_number_id for t in trackers)


def test_provisioning_a_visitor_pool_adds_active_trackers_forwarding_to_the_original(db):
    pool = PoolFactory(tracking="visitor", original_number="+12025550100")
    trackers = trackers_provision(pool=pool, count=2)
    assert {(t.status, t.original_number) for t in trackers} == {("active", "+12025550100")}


def test_provisioning_never_hands_out_a_live_number_or_an_original_number(db):
    # Texas: the sandbox has five area codes there, so 150 local numbers exist beyond the first one's 100.
    first, second = PoolFactory(original_number="+12145550100"), PoolFactory(original_number="+12145550101")
    numbers = {t.tracking_number for t in trackers_provision(pool=first, count=150)}
    numbers |= {t.tracking_number for t in trackers_provision(pool=second, count=10)}
    assert len(numbers) == 160
    assert not {"+12145550100", "+12145550101"} & numbers


def test_provisioning_a_silly_count_is_refused(db):
    with pytest.raises(DomainError):
        trackers_provision(pool=PoolFactory(), count=0)
    assert CallTracker.objects.count() == 0
