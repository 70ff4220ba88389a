"""FAQ: changing the original number affects only trackers activated afterwards; the pool remembers every
original it has had, the script keeps swapping the old ones, and Available trackers forward to the current one."""

import importlib
import json
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction

from calls.services import call_original_number, call_route_inbound
from pools.models import PoolOriginalNumber
from pools.selectors import pool_original_history, website_swap_numbers
from pools.services import pool_create, pool_enforce, pool_update
from tests.factories import CallTrackerFactory, PoolFactory
from trackers.models import CallTracker

OLD, NEW = "+12025550150", "+12025550177"


def _script_config(client, website) -> dict:
    body = client.get(f"/dni/{website.key}.js").content.decode()
    return json.loads(re.search(r"var C = (\{.*?\});", body).group(1))  # type: ignore[union-attr]


def _dials(tracker) -> str:
    twiml = call_route_inbound(params={"To": tracker.tracking_number, "From": "+12025550999", "CallSid": f"CA{tracker.pk:032d}"})
    return re.search(r"<Number[^>]*>([^<]+)</Number>", twiml).group(1)  # type: ignore[union-attr]


def test_faq_changing_the_original_number(client, auto_pool, add_visits, now):
    add_visits("google", "organic", 20)
    pool_enforce(pool=auto_pool, now=now)
    before_change = CallTracker.objects.get(pool=auto_pool, status="active")
    assert before_change.original_number == OLD

    pool_update(pool=auto_pool, original_number="(202) 555-0177")

    # The pool remembers both numbers and when it changed.
    history = [(row.number, row.ended_at is None) for row in pool_original_history(pool=auto_pool)]
    assert history == [(NEW, True), (OLD, False)]
    # Trackers activated before the change keep forwarding to the old number...
    before_change.refresh_from_db()
    assert before_change.original_number == OLD and _dials(before_change) == OLD
    # ...Available ones forward to the current number...
    available = CallTracker.objects.filter(pool=auto_pool, status="available").first()
    assert _dials(available) == NEW
    # ...and the next activation freezes the new one.
    add_visits("bing", "cpc", 30)
    pool_enforce(pool=auto_pool, now=now)
    activated = CallTracker.objects.get(pool=auto_pool, status="active", source="bing")
    assert activated.original_number == NEW and _dials(activated) == NEW
    # The served script swaps both: the old number stands for the pool's current one.
    assert _script_config(client, auto_pool.website)["o"] == [["1", "2025550177"], ["1", "2025550150", "12025550177"]]


def test_a_tracker_freed_after_flag_days_forwards_to_the_current_original(auto_pool, now):
    flagged = CallTrackerFactory(pool=auto_pool, flagged=True, source="gone", medium="x", flagged_at=now - timedelta(days=31))
    assert flagged.original_number == OLD
    pool_update(pool=auto_pool, original_number=NEW)

    pool_enforce(pool=auto_pool, now=now)

    flagged.refresh_from_db()
    assert (flagged.status, flagged.original_number) == ("available", "")
    assert call_original_number(flagged) == NEW == _dials(flagged)


def test_an_available_tracker_with_a_stale_frozen_number_still_forwards_to_the_current_original(auto_pool):
    stale = CallTrackerFactory(pool=auto_pool, status="available", original_number="+12025550111")
    assert call_original_number(stale) == OLD


def test_pool_create_records_its_first_original(account, website):
    pool = pool_create(account=account, website=website, name="New", original_number="202-555-0188")
    [row] = PoolOriginalNumber.objects.filter(pool=pool)
    assert (row.number, row.started_at, row.ended_at) == ("+12025550188", pool.created_at, None)


def test_a_pool_without_history_remembers_the_number_it_had_before_its_first_change(account, website):
    pool = PoolFactory(account=account, website=website, original_number=OLD)
    pool_update(pool=pool, original_number=NEW)
    pool_update(pool=pool, original_number="+12025550199")
    assert [row.number for row in pool_original_history(pool=pool)] == ["+12025550199", NEW, OLD]
    assert PoolOriginalNumber.objects.filter(pool=pool, ended_at__isnull=True).count() == 1


def test_saving_the_same_number_adds_no_history(account, website):
    pool = pool_create(account=account, website=website, name="Same", original_number=OLD)
    pool_update(pool=pool, original_number="(202) 555-0150", size=3)
    assert PoolOriginalNumber.objects.filter(pool=pool).count() == 1


def test_two_current_originals_for_one_pool_are_rejected_by_the_database(account, website):
    pool = PoolFactory(account=account, website=website)
    PoolOriginalNumber.objects.create(pool=pool, number=OLD, started_at=pool.created_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        PoolOriginalNumber.objects.create(pool=pool, number=NEW, started_at=pool.created_at)


def test_an_original_cannot_end_before_it_started(account, website):
    pool = PoolFactory(account=account, website=website)
    with pytest.raises(IntegrityError), transaction.atomic():
        PoolOriginalNumber.objects.create(pool=pool, number=OLD, started_at=pool.created_at,
                                          ended_at=pool.created_at - timedelta(seconds=1))


def test_the_migration_backfills_every_pools_current_original(account, website):
    pools = [PoolFactory(account=account, website=website, original_number=n) for n in (OLD, NEW)]
    migration = importlib.import_module("pools.migrations.0004_original_number_history")
    migration.backfill_current_originals(django_apps, None)
    rows = {(r.pool_id, r.number, r.started_at, r.ended_at) for r in PoolOriginalNumber.objects.all()}
    assert rows == {(p.pk, p.original_number, p.created_at, None) for p in pools}


def test_the_script_never_swaps_an_old_number_that_is_another_pools_current_original(account, website):
    first = PoolFactory(account=account, website=website, original_number=OLD)
    second = PoolFactory(account=account, website=website, original_number=NEW)
    pool_update(pool=first, original_number="+12025550199")
    pool_update(pool=second, original_number=OLD)
    assert website_swap_numbers(website=website) == [("+12025550199", "+12025550199"), (OLD, OLD), (NEW, OLD)]


def test_retired_pools_old_originals_are_not_swapped(account, website, now):
    pool = PoolFactory(account=account, website=website, original_number=OLD)
    pool_update(pool=pool, original_number=NEW)
    pool_update(pool=pool, original_number=NEW)
    type(pool).objects.filter(pk=pool.pk).update(retired_at=now)
    assert website_swap_numbers(website=website) == []
