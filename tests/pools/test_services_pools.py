from decimal import Decimal

import pytest

from core.errors import DomainError
from pools.services import pool_create, pool_update
from tests.factories import PoolFactory, WebsiteFactory


def test_pool_create_stores_the_original_number_as_e164(account, website):
    pool = pool_create(account=account, website=website, name="Main", original_number="(202) 555-0100")
    assert pool.original_number == "+12025550100"
    assert pool.min_visits == 100 and pool.visit_window_days == 30 and pool.flag_days == 30 and pool.lease_minutes == 30


def test_pool_create_rejects_a_bad_phone_number_with_a_field_error(account, website):
    with pytest.raises(DomainError) as excinfo:
        pool_create(account=account, website=website, name="Main", original_number="call us")
    assert "original_number" in excinfo.value.fields


def test_pool_create_rejects_another_accounts_website(account, other_account):
    with pytest.raises(DomainError):
        pool_create(account=account, website=WebsiteFactory(account=other_account), name="X", original_number="2025550100")


def test_pool_update_rejects_utilization_outside_0_1(db):
    pool = PoolFactory()
    with pytest.raises(DomainError) as excinfo:
        pool_update(pool=pool, utilization=Decimal("1.01"))
    assert "utilization" in excinfo.value.fields
    pool.refresh_from_db()
    assert pool.utilization == Decimal("1")
