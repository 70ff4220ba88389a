from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from attribution.models import Visit
from pools.models import Pool
from tests.factories import PoolFactory, VisitorFactory
from trackers.models import CallTracker

# Every engine test runs on this frozen clock (passed as `now`, never read from the system).
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def add_visits(website):
    """add_visits("google", "organic", 12) → 12 human visits one day before NOW (bulk, no factories)."""
    visitor = VisitorFactory(website=website)
    counter = iter(range(10**9))

    def add(source: str, medium: str, count: int, *, at: datetime = NOW - timedelta(days=1), is_bot: bool = False,
            site=None):
        site = site or website
        Visit.objects.bulk_create([
            Visit(website=site, visitor=visitor, session_uid=f"{source}-{medium}-{next(counter)}", source=source,
                  medium=medium, started_at=at, last_seen_at=at, is_bot=is_bot)
            for _ in range(count)
        ])

    return add


@pytest.fixture
def auto_pool(account, website):
    """An automated source pool: 4 trackers, all may be Active, 5 visits put a source on the top list."""
    return PoolFactory(
        account=account, website=website, name="Auto", kind=Pool.Kind.AUTOMATED, tracking=Pool.Tracking.SOURCE,
        size=4, utilization=Decimal("1"), min_visits=5, visit_window_days=90, flag_days=30,
        original_number="+12025550150",
    )


def statuses(pool) -> Counter:
    return Counter(CallTracker.objects.live().filter(pool=pool).values_list("status", flat=True))


def active_sources(pool) -> set[tuple[str, str]]:
    return set(CallTracker.objects.live().filter(pool=pool, status="active").values_list("source", "medium"))


def live_count(pool) -> int:
    return CallTracker.objects.live().filter(pool=pool).count()
