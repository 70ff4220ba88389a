"""The engine's invariants, checked against the database after real runs (pool_enforce), for random pools."""

from datetime import timedelta
from decimal import Decimal
from math import floor

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pools.models import Pool
from pools.selectors import pool_top_sources
from pools.services import pool_enforce
from tests.factories import CallTrackerFactory
from tests.support import examples
from trackers.models import CallTracker

KEYS = [(s, m) for s in ("google", "bing", "facebook", "newsletter") for m in ("organic", "cpc")]

settings_for_db = settings(max_examples=examples(25), deadline=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@st.composite
def pools(draw):
    return {
        "size": draw(st.integers(0, 6)),
        "utilization": draw(st.sampled_from(["0", "0.34", "0.5", "1"])),
        "min_visits": draw(st.integers(1, 6)),
        "flag_days": draw(st.integers(0, 30)),
        "visits": draw(st.dictionaries(st.sampled_from(KEYS), st.integers(0, 8), max_size=6)),
        "trackers": draw(st.lists(
            st.tuples(st.sampled_from(["active", "flagged", "available"]), st.sampled_from(KEYS), st.integers(0, 40)),
            max_size=6,
        )),
    }


@settings_for_db
@given(scenario=pools())
def test_after_real_runs_the_rules_hold_in_the_database(auto_pool, add_visits, now, scenario):
    with transaction.atomic():
        Pool.objects.filter(pk=auto_pool.pk).update(
            size=scenario["size"], utilization=Decimal(scenario["utilization"]),
            min_visits=scenario["min_visits"], flag_days=scenario["flag_days"],
        )
        auto_pool.refresh_from_db()
        for (source, medium), count in scenario["visits"].items():
            add_visits(source, medium, count)
        for status, (source, medium), days in scenario["trackers"]:
            extra = {"flagged_at": now - timedelta(days=days)} if status == "flagged" else {}
            CallTrackerFactory(pool=auto_pool, status=status, source=source if status != "available" else "",
                               medium=medium if status != "available" else "", **extra)

        pool_enforce(pool=auto_pool, now=now)

        live = CallTracker.objects.live().filter(pool=auto_pool)
        active = list(live.filter(status="active").values_list("source", "medium"))
        top = {(c.source, c.medium) for c in pool_top_sources(pool=auto_pool, now=now)}
        assert len(active) <= floor(auto_pool.size * auto_pool.utilization)
        assert set(active) <= top and len(set(active)) == len(active)
        assert live.count() <= max(auto_pool.size, live.exclude(status="available").count())
        assert pool_enforce(pool=auto_pool, now=now) == []

        later = now + timedelta(days=auto_pool.flag_days)
        pool_enforce(pool=auto_pool, now=later)
        assert live.count() <= auto_pool.size
        transaction.set_rollback(True)
