"""Aligned blocks of days (reports.models.ReportSpan): the report read sums the blocks inside a range and the days
at its edges, and must give exactly what the live reference (reports.aggregates.report_rows) gives over any range."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import Call
from reports.aggregates import COUNT_FIELDS, report_rows
from reports.models import SPAN_DAYS, SPAN_EPOCH, ReportDay, ReportSpan, RollupState, span_pieces
from reports.selectors import (
    report_calls_by_key,
    report_row_list,
    report_rows_of_keys,
    report_window,
)
from reports.services import (
    rollup_invalidate,
    rollup_refresh,
    rollup_refresh_chunk,
    rollup_refresh_days,
)
from tests.factories import (
    CallFactory,
    CallTrackerFactory,
    PoolFactory,
    VisitFactory,
    WebsiteFactory,
)

DAYS = 70
DIMENSIONS = ("term", "campaign", "source_medium", "landing_page", "pool")


def _today(account):
    return timezone.now().astimezone(ZoneInfo(account.timezone)).date()


@pytest.mark.parametrize("seed", range(200))
def test_a_range_is_aligned_blocks_and_at_most_a_day_at_each_edge(seed):
    rng = random.Random(seed)
    start = date(2026, 1, 1) + timedelta(days=rng.randrange(400))
    end = start + timedelta(days=rng.randrange(0, 120))
    blocks, single = span_pieces(start, end)
    covered = sorted([(first, days) for first, days in blocks] + [(day, 1) for day in single])
    day = start
    for first, days in covered:
        assert first == day, "contiguous, no overlap"
        assert days == 1 or (days in SPAN_DAYS and (first - SPAN_EPOCH).days % days == 0)
        day = first + timedelta(days=days)
    assert day == max(start, end)
    assert len(single) <= 2


@pytest.fixture
def history(db, account, website):
    """DAYS days of calls and visits on two websites with many keywords, rolled up chunk by chunk."""
    second = WebsiteFactory(account=account, name="Second", key="secondsite")
    trackers = [CallTrackerFactory(pool=PoolFactory(account=account, website=site, name=f"pool {site.key}"), active=True)
                for site in (website, second)]
    rng = random.Random(7)
    now = timezone.now()
    for i in range(DAYS * 3):
        at = now - timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(600))
        site = rng.randrange(2)
        keys = {"source": rng.choice(["google", "bing", ""]), "medium": "cpc", "campaign": f"c{rng.randrange(4)}",
                "term": f"k{rng.randrange(15)}", "landing_page": f"/p{rng.randrange(5)}"}
        VisitFactory(website=(website, second)[site], started_at=at, **keys)
        if i % 2:
            converted = rng.random() < 0.5
            CallFactory(tracker=trackers[site], started_at=at, answered_at=at if rng.random() < 0.6 else None,
                        is_first_time_caller=rng.random() < 0.5, is_conversion=converted,
                        conversion_value=Decimal(f"{rng.randrange(100)}.{rng.randrange(100):02}") if converted else Decimal("0"),
                        **keys)
    rollup_refresh(account=account)
    return second


def _reference(account, start, end, dimension, website=None):
    zone = ZoneInfo(account.timezone)
    return report_rows(account=account, dimension=dimension, website=website,
                       start=datetime.combine(start, time.min, zone),
                       end=datetime.combine(end + timedelta(days=1), time.min, zone))


def _read(account, start, end, dimension, website=None):
    window = report_window(account=account, start_date=start, end_date=end, website=website)
    return report_row_list(window=window, dimension=dimension)


def _assert_random_ranges_exact(account, second, seed, ranges=25):
    rng = random.Random(seed)
    today = _today(account)
    for _ in range(ranges):
        start = today - timedelta(days=rng.randrange(DAYS + 5))
        end = min(today, start + timedelta(days=rng.randrange(60)))
        dimension = rng.choice(DIMENSIONS)
        website = rng.choice([None, second])
        assert _read(account, start, end, dimension, website) == _reference(account, start, end, dimension, website), \
            (start, end, dimension, website)


def test_reports_over_random_ranges_equal_the_live_reference(account, history):
    assert ReportSpan.objects.filter(account=account, days=32).exists(), "the ranges read whole blocks"
    _assert_random_ranges_exact(account, history, seed=1, ranges=60)


def test_every_block_is_the_sum_of_its_days(account, history):
    rolled_through = RollupState.objects.get(account=account).rolled_through
    for days in SPAN_DAYS:
        starts = set(ReportSpan.objects.filter(account=account, days=days).values_list("start", flat=True))
        assert starts
        for start in starts:
            end = start + timedelta(days=days)
            assert end <= rolled_through, "only whole rolled days are in a block"
            fields = list(COUNT_FIELDS)
            block = sorted(ReportSpan.objects.filter(account=account, days=days, start=start)
                           .values_list("website_id", "dimension", "key1", "key2", *fields))
            summed = sorted(ReportDay.objects.filter(account=account, day__gte=start, day__lt=end)
                            .values_list("website_id", "dimension", "key1", "key2")
                            .annotate(*(Sum(field) for field in fields)))
            assert block == summed


def test_a_changed_day_re_rolled_re_sums_its_blocks(account, history):
    # Days inside the last 32-day block that is whole by rolled_through (one still filling is neither written nor
    # read), whatever today's date: a fixed "20 days ago" fell in the filling block on some days of the month.
    rolled_through = RollupState.objects.get(account=account).rolled_through
    whole_blocks_end = SPAN_EPOCH + timedelta(days=(rolled_through - SPAN_EPOCH).days // 32 * 32)
    day = whole_blocks_end - timedelta(days=5)
    zone = ZoneInfo(account.timezone)
    changed = Call.objects.filter(account=account, started_at__gte=datetime.combine(day - timedelta(days=3), time.min, zone),
                                  started_at__lt=datetime.combine(day + timedelta(days=1), time.min, zone))
    assert changed.update(term="late keyword", campaign="late campaign")
    rollup_refresh_days(account=account, days=[day - timedelta(days=3), day])
    _assert_random_ranges_exact(account, history, seed=2)
    assert ReportSpan.objects.filter(account=account, days=32, key1="late keyword").exists()


def test_a_pass_under_way_never_reads_a_stale_block(account, history):
    """An invalidation moves the rolled day back; the pass re-rolls chunk by chunk, and between chunks every range
    still reads exactly (a block is read only once all its days are re-rolled)."""
    day = _today(account) - timedelta(days=40)
    zone = ZoneInfo(account.timezone)
    Call.objects.filter(account=account, started_at__gte=datetime.combine(day, time.min, zone)).update(campaign="moved")
    assert rollup_invalidate(account_id=account.pk, day=day)
    chunk = rollup_refresh_chunk(account=account)
    seed = 3
    while not (chunk.done or chunk.busy):
        _assert_random_ranges_exact(account, history, seed=seed, ranges=8)
        seed += 1
        chunk = rollup_refresh_chunk(account=account)
    _assert_random_ranges_exact(account, history, seed=seed)


def test_calls_per_key_read_the_blocks_and_equal_the_live_reference(account, history):
    rng = random.Random(4)
    today = _today(account)
    for _ in range(25):
        start = today - timedelta(days=rng.randrange(DAYS + 5))
        end = min(today, start + timedelta(days=rng.randrange(60)))
        dimension = rng.choice(DIMENSIONS)
        website = rng.choice([None, history])
        window = report_window(account=account, start_date=start, end_date=end, website=website)
        assert report_calls_by_key(window=window, dimension=dimension) == {
            row.key: row.calls for row in _reference(account, start, end, dimension, website) if row.calls}, \
            (start, end, dimension, website)
    window = report_window(account=account, start_date=today - timedelta(days=DAYS), end_date=today)
    with CaptureQueriesContext(connection) as queries:
        report_calls_by_key(window=window, dimension="pool")
    assert any("reports_reportspan" in query["sql"] for query in queries.captured_queries), "whole blocks, not their days"


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_the_rows_of_some_keys_and_the_totals_of_all(account, history, dimension):
    today = _today(account)
    start, end = today - timedelta(days=45), today
    window = report_window(account=account, start_date=start, end_date=end)
    every = report_row_list(window=window, dimension=dimension)
    keys = [row.key for row in every[::2]] + [("no such key",) * len(every[0].key)]
    rows, totals = report_rows_of_keys(window=window, dimension=dimension, keys=keys)
    assert rows == [row for row in every if row.key in set(keys)]
    for field in ("calls", "answered", "first_time", "conversions", "value"):
        assert totals[field] == sum(getattr(row, field) for row in every), field
    assert totals["visits"] == sum(row.visits or 0 for row in every)
    assert report_rows_of_keys(window=window, dimension=dimension, keys=[])[1] == totals


def test_report_rows_are_built_as_the_dataclass_builds_them():
    from dataclasses import fields

    from reports.aggregates import ReportRow, empty_totals, report_rows_from_totals

    totals = {("a",): {**empty_totals(), "calls": 3, "answered": 2, "conversions": 1, "value": Decimal("2.5"), "visits": 4}}
    [row] = report_rows_from_totals(dimension="campaign", totals=totals)
    assert list(row.__dict__) == [field.name for field in fields(ReportRow)]
    assert row == ReportRow(key=("a",), label="a", calls=3, answered=2, first_time=0, missed=0, abandoned=0, busy_or_failed=0,
                            voicemail=0, visits=4, conversions=1, value=Decimal("2.50"), conversion_rate=0.25,
                            calls_per_visit=0.75)
    assert str(row.value) == "2.50"
