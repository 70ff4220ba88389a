"""The rules engine reads daily source counts (attribution.SourceDay) instead of scanning visits: the counts agree
with the raw visits in every window, whatever has been counted, and the engine decides the same from them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attribution.models import SourceDay, SourceDayRollup, Visit
from attribution.source_counts import (
    CHUNK_DAYS,
    CLOSE_GRACE,
    closed_before,
    source_days_roll,
    website_source_counts,
)
from pools.selectors import pool_source_counts, pool_top_sources, top_sources_queryset
from pools.services import pool_enforce
from tests.factories import WebsiteFactory
from tests.pools.conftest import NOW, active_sources

pytestmark = pytest.mark.django_db


def raw_counts(website, since, until):
    rows = (Visit.objects.filter(website=website, is_bot=False, started_at__gte=since, started_at__lte=until)
            .values_list("source", "medium"))
    counts: dict = {}
    for key in rows:
        counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.fixture
def history(website, add_visits):
    """Visits spread over 100 days at odd hours, a few bots, and some today (not closed yet)."""
    for days_ago in range(0, 100, 3):
        at = NOW - timedelta(days=days_ago, hours=days_ago % 7, minutes=13)
        add_visits("google", "organic", 2 + days_ago % 5, at=at)
        add_visits("bing", "cpc", 1, at=at - timedelta(hours=5))
        add_visits("google", "organic", 1, at=at, is_bot=True)
    add_visits("news.example", "referral", 4, at=NOW - timedelta(minutes=5))


def test_rolled_counts_plus_live_edges_equal_the_raw_visits_in_every_window(website, history):
    assert source_days_roll(now=NOW) > CHUNK_DAYS  # several chunks: the first run counts the whole history
    assert SourceDayRollup.objects.get(website=website).rolled_through == closed_before(NOW) == NOW.date()
    assert SourceDay.objects.filter(website=website).exists()
    for since, until in [
        (NOW - timedelta(days=30), NOW),
        (NOW - timedelta(days=7, hours=3), NOW),
        (NOW - timedelta(days=365), NOW),
        (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 20, 6, tzinfo=UTC)),  # a window in the past
        (NOW - timedelta(hours=2), NOW),  # inside today: live only
    ]:
        assert website_source_counts(website_id=website.pk, since=since, until=until) == raw_counts(website, since, until)


def test_a_read_is_right_before_anything_was_counted_and_after_a_partial_catch_up(website, history):
    since = NOW - timedelta(days=90)
    assert website_source_counts(website_id=website.pk, since=since, until=NOW) == raw_counts(website, since, NOW)
    source_days_roll(now=NOW - timedelta(days=40))  # stopped 40 days ago
    assert website_source_counts(website_id=website.pk, since=since, until=NOW) == raw_counts(website, since, NOW)


def test_counting_is_resumable_and_idempotent(website, history):
    source_days_roll(now=NOW, budget_seconds=-1)  # over budget at once: counts nothing, keeps no half-state
    assert not SourceDayRollup.objects.filter(website=website).exists()
    source_days_roll(now=NOW)
    rows = sorted(SourceDay.objects.values_list("day", "source", "medium", "visits"))
    assert source_days_roll(now=NOW) == 0
    assert source_days_roll(now=NOW + timedelta(minutes=5)) == 0  # today is not closed yet
    assert sorted(SourceDay.objects.values_list("day", "source", "medium", "visits")) == rows


def test_counts_survive_the_raw_visits_being_deleted(website, history):
    """What retention relies on: a counted day is read from SourceDay, not from Visit."""
    source_days_roll(now=NOW)
    since = NOW - timedelta(days=60)
    before = website_source_counts(website_id=website.pk, since=since, until=NOW)
    Visit.objects.filter(website=website, started_at__lt=NOW - timedelta(days=2)).delete()
    assert website_source_counts(website_id=website.pk, since=since, until=NOW) == before


def test_each_website_counts_its_own_visits(website, add_visits):
    other = WebsiteFactory(account=website.account)
    add_visits("google", "organic", 3, at=NOW - timedelta(days=2))
    add_visits("google", "organic", 5, at=NOW - timedelta(days=2), site=other)
    source_days_roll(now=NOW)
    since = NOW - timedelta(days=30)
    assert website_source_counts(website_id=website.pk, since=since, until=NOW) == {("google", "organic"): 3}
    assert website_source_counts(website_id=other.pk, since=since, until=NOW) == {("google", "organic"): 5}


def test_the_engine_reads_counts_and_decides_as_the_raw_scan_did(auto_pool, add_visits, now):
    for days_ago, source in [(2, "google"), (10, "bing"), (40, "yahoo"), (89, "duckduckgo"), (91, "ecosia")]:
        add_visits(source, "organic", 5 + days_ago % 4, at=now - timedelta(days=days_ago, hours=3))
    add_visits("facebook", "social", 4, at=now - timedelta(days=1))  # under min_visits
    raw = [(row["source"], row["medium"], row["visits"]) for row in top_sources_queryset(pool=auto_pool, now=now)]
    source_days_roll(now=now)
    top = [(c.source, c.medium, c.visits) for c in pool_top_sources(pool=auto_pool, now=now)]
    assert top == raw and len(top) == 4
    assert ("facebook", "social", 4) in [(c.source, c.medium, c.visits) for c in pool_source_counts(pool=auto_pool, now=now)]
    pool_enforce(pool=auto_pool, now=now)
    assert active_sources(auto_pool) == {(s, m) for s, m, _ in raw}


def test_the_engine_does_not_scan_counted_days_of_visits(auto_pool, add_visits, now):
    add_visits("google", "organic", 6, at=now - timedelta(days=20))
    source_days_roll(now=now)
    with CaptureQueriesContext(connection) as queries:
        pool_top_sources(pool=auto_pool, now=now)
    visit_reads = [q["sql"] for q in queries if "attribution_visit" in q["sql"]]
    assert len(visit_reads) == 1
    # The live part covers only the partial first day and today, never the counted days in between.
    assert str((now - timedelta(days=20)).date()) not in " ".join(visit_reads)


@pytest.fixture
def hourly(website, add_visits):
    """Visits every few hours over 40 days, a few bots: every window edge cuts through some day's visits."""
    for hours_ago in range(0, 40 * 24, 5):
        at = NOW - timedelta(hours=hours_ago, minutes=hours_ago % 50)
        add_visits(["google", "bing", "news.example"][hours_ago % 3], ["organic", "cpc", "referral"][hours_ago % 3],
                   1 + hours_ago % 2, at=at)
        if hours_ago % 7 == 0:
            add_visits("google", "organic", 1, at=at, is_bot=True)
    add_visits("yelp.com", "referral", 2, at=NOW - timedelta(days=30, hours=11))  # only before an early window start


def _windows(now):
    return [(now - timedelta(days=days, hours=hours), now) for days in (1, 3, 7, 30) for hours in (0, 3, 11, 13, 22)]


def test_today_is_counted_up_to_a_moment_and_reads_agree_with_the_raw_visits(website, hourly):
    """The scheduled run counts today up to CLOSE_GRACE ago (partial_until); reads at any later moment (the same
    day, or after midnight before the next run) add only the visits after it, and agree with the raw visits."""
    source_days_roll(now=NOW)
    state = SourceDayRollup.objects.get(website=website)
    assert state.rolled_through == NOW.date() and state.partial_until == NOW - CLOSE_GRACE
    today_rows = dict(((s, m), n) for s, m, n in SourceDay.objects.filter(website=website, day=NOW.date())
                      .values_list("source", "medium", "visits"))
    assert today_rows == raw_counts(website, datetime.combine(NOW.date(), datetime.min.time(), tzinfo=UTC),
                                    NOW - CLOSE_GRACE - timedelta(microseconds=1))
    for later in (NOW, NOW + timedelta(hours=5), NOW + timedelta(hours=13)):  # the last one: the next day
        for since, until in _windows(later) + [(later - timedelta(hours=1), later)]:
            assert website_source_counts(website_id=website.pk, since=since, until=until) == raw_counts(website, since, until)
    # A window that ends before the partial moment reads today's visits live, never the partial rows.
    for since, until in [(NOW - timedelta(days=2), NOW - timedelta(hours=2)), (NOW - timedelta(days=7, hours=1), NOW - timedelta(hours=11))]:
        assert website_source_counts(website_id=website.pk, since=since, until=until) == raw_counts(website, since, until)


def test_the_partial_day_is_rewritten_each_run_and_counted_whole_once_closed(website, hourly, add_visits):
    source_days_roll(now=NOW)
    assert source_days_roll(now=NOW) == 0  # the same moment: nothing to rewrite
    add_visits("late.example", "referral", 3, at=NOW - timedelta(minutes=30))  # recorded late, before the moment
    source_days_roll(now=NOW + timedelta(minutes=20))
    state = SourceDayRollup.objects.get(website=website)
    assert state.partial_until == NOW + timedelta(minutes=10)
    assert SourceDay.objects.get(website=website, day=NOW.date(), source="late.example").visits == 3
    tomorrow = NOW + timedelta(days=1)
    add_visits("late.example", "referral", 1, at=NOW + timedelta(hours=6))
    assert source_days_roll(now=tomorrow) == 1  # today closed: counted whole, tomorrow partial
    state = SourceDayRollup.objects.get(website=website)
    assert state.rolled_through == tomorrow.date() and state.partial_until == tomorrow - CLOSE_GRACE
    assert SourceDay.objects.get(website=website, day=NOW.date(), source="late.example").visits == 4
    for since, until in _windows(tomorrow):
        assert website_source_counts(website_id=website.pk, since=since, until=until) == raw_counts(website, since, until)


def test_an_early_first_day_is_read_as_its_counted_day_less_the_visits_before_the_window(website, hourly):
    """The live part of a read is at most half a day of visits: a window starting at 03:00 reads 00:00–03:00 of its
    first day live (subtracted from the counted day), not 03:00–24:00; one starting at 21:00 reads 21:00–24:00."""
    source_days_roll(now=NOW)
    day = (NOW - timedelta(days=7)).date()
    for hour, live_from, live_to in [(3, f"{day} 00:00:00", f"{day} 03:00:00"),
                                     (21, f"{day} 21:00:00", f"{day + timedelta(days=1)} 00:00:00")]:
        since = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)
        with CaptureQueriesContext(connection) as queries:
            counts = website_source_counts(website_id=website.pk, since=since, until=NOW)
        assert counts == raw_counts(website, since, NOW)
        visit_reads = " ".join(q["sql"] for q in queries if "attribution_visit" in q["sql"])
        assert live_from in visit_reads and live_to in visit_reads
        if hour == 3:
            assert f"{day + timedelta(days=1)} 00:00:00" not in visit_reads  # not the rest of the day
        assert str(NOW - CLOSE_GRACE)[:19] in visit_reads  # today only after the partial moment
    # A source seen only before the window's start on its first day is not in the counts (its difference is 0).
    since = NOW - timedelta(days=30, hours=9)  # 03:00: yelp.com's visits at 01:00 are subtracted, not counted
    assert website_source_counts(website_id=website.pk, since=since - timedelta(hours=3), until=NOW)[("yelp.com", "referral")] == 2
    assert ("yelp.com", "referral") not in website_source_counts(website_id=website.pk, since=since, until=NOW)
