import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pools.models import ConcurrencySample
from tests.factories import PoolFactory


def test_a_sample_with_negative_leases_is_rejected_by_validation_and_the_database(db):
    pool = PoolFactory(tracking="visitor")
    sample = ConcurrencySample(pool=pool, sampled_at="2026-03-02T12:00:00Z", leased=-1, size=1)
    with pytest.raises(ValidationError):
        sample.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        sample.save()
