from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import DomainError
from pools.models import PoolChange
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


def test_pool_update_saves_only_what_changed_and_records_it_with_the_actor(account, account_admin):
    pool = PoolFactory(account=account, size=5, name="Main")
    with CaptureQueriesContext(connection) as queries:
        changed = pool_update(pool=pool, actor=account_admin, reason="bigger", size=8, name="Main")

    assert changed is True
    update = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE"))
    assert '"size"' in update and '"name"' not in update
    history = PoolChange.objects.get(pool=pool)
    assert (history.changes, history.actor, history.actor_label, history.reason) == (
        {"size": ["5", "8"]}, account_admin, account_admin.username, "bigger")
    pool.refresh_from_db()
    assert pool.size == 8


def test_pool_update_without_a_change_saves_nothing_and_records_nothing(account):
    pool = PoolFactory(account=account, size=5)
    assert pool_update(pool=pool, size=5, original_number="+12025550100") is False
    assert not PoolChange.objects.exists()


def test_a_retired_pool_refuses_any_change(account):
    pool = PoolFactory(account=account, retired_at=timezone.now(), size=5)
    with pytest.raises(DomainError) as excinfo:
        pool_update(pool=pool, size=6)
    assert excinfo.value.code == "retired"
    pool.refresh_from_db()
    assert pool.size == 5
