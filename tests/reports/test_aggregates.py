from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.aggregates import DIMENSIONS, calls_per_day, report_rows
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory


@pytest.fixture
def window():
    now = timezone.now()
    return now - timedelta(days=7), now + timedelta(minutes=1)


def test_source_medium_report_counts_calls_visits_and_conversion(account, website, window):
    pool = PoolFactory(account=account, website=website)
    tracker = CallTrackerFactory(pool=pool, active=True)
    for _ in range(4):
        VisitFactory(website=website, source="google", medium="cpc")
    CallFactory(tracker=tracker, source="google", medium="cpc", answered_at=timezone.now(), is_conversion=True,
                conversion_value=Decimal("30.00"))
    CallFactory(tracker=tracker, source="google", medium="cpc")
    VisitFactory(website=website, source="bing", medium="organic")
    rows = {row.key: row for row in report_rows(account=account, dimension="source_medium", start=window[0], end=window[1])}
    google = rows[("google", "cpc")]
    assert (google.calls, google.answered, google.visits, google.conversions, google.value) == (2, 1, 4, 1, Decimal("30.00"))
    assert (google.conversion_rate, google.calls_per_visit) == (0.25, 0.5)
    assert rows[("bing", "organic")].calls == 0 and rows[("bing", "organic")].visits == 1


def test_reports_never_count_another_accounts_calls_or_visits(account, other_account, website, window):
    CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=other_account), active=True), source="google", medium="cpc")
    VisitFactory(source="google", medium="cpc")  # another account's website
    for dimension in DIMENSIONS:
        assert report_rows(account=account, dimension=dimension, start=window[0], end=window[1]) == []


def test_tracker_report_has_no_visit_column(account, website, window):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    CallFactory(tracker=tracker)
    [row] = report_rows(account=account, dimension="tracker", start=window[0], end=window[1])
    assert row.key == (tracker.tracking_number,) and row.visits is None and row.conversion_rate is None


def test_calls_per_day_groups_in_the_accounts_time_zone(account, window):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account), active=True)
    CallFactory(tracker=tracker)
    CallFactory(tracker=tracker)
    days = calls_per_day(account=account, start=window[0], end=window[1])
    assert sum(day["calls"] for day in days) == 2
