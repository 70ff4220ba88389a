from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pools.models import Pool
from tests.factories import PoolFactory


def test_utilization_above_one_is_a_validation_error(db):
    pool = PoolFactory.build(account=PoolFactory().account, utilization=Decimal("1.5"))
    pool.website = PoolFactory().website
    pool.account = pool.website.account
    with pytest.raises(ValidationError) as excinfo:
        pool.full_clean()
    assert "utilization" in excinfo.value.message_dict


def test_database_rejects_utilization_outside_0_1_even_from_a_direct_write(db):
    pool = PoolFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(utilization=Decimal("1.2"))


def test_database_rejects_negative_size(db):
    pool = PoolFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(size=-1)


def test_pool_with_a_non_e164_original_number_does_not_validate(db):
    pool = PoolFactory()
    pool.original_number = "202-555-0100"
    with pytest.raises(ValidationError) as excinfo:
        pool.full_clean()
    assert "original_number" in excinfo.value.message_dict


@pytest.mark.parametrize(("size", "utilization", "expected"), [(10, "0.7", 7), (100, "0.29", 29), (6, "0.5", 3), (5, "0", 0)])
def test_max_active_is_floor_of_size_times_utilization_without_float_error(size, utilization, expected):
    assert Pool(size=size, utilization=Decimal(utilization)).max_active == expected
