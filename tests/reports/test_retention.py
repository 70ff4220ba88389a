"""Retention (reports.retention): raw rows past VISIT_RETENTION_DAYS go in batches once the rollups hold their days;
calls keep their attribution, the rollups their totals, other tenants their rows."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from attribution.models import PageView, RetentionState, SourceDay, Visit, Visitor
from attribution.source_counts import source_days_roll, website_source_counts
from calls.models import Call, CallEvent
from pools.models import Pool
from pools.peaks import pool_peaks_roll
from reports.retention import retention_purge
from reports.selectors import report_row_list, report_visit_count, report_window
from reports.services import rollup_invalidate, rollup_refresh
from tests.factories import (
    CallEventFactory,
    CallFactory,
    LeaseFactory,
    PageViewFactory,
    PoolFactory,
    VisitFactory,
    VisitorFactory,
    WebsiteFactory,
)
from trackers.models import Lease

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=450)     # past the default 400 days
YOUNG = NOW - timedelta(days=10)


def _site_with_history(account, *, old_visits=5, website=None):
    """Old and young visits (with page views), an old call attributed to an old visit (with callbacks), a lease."""
    website = website or WebsiteFactory(account=account)
    pool = PoolFactory(account=account, website=website, tracking="visitor")
    visitor = VisitorFactory(website=website, first_seen_at=OLD, last_seen_at=OLD)
    old = [VisitFactory(website=website, visitor=visitor, source="google", medium="cpc", campaign="spring",
                        term="plumber", landing_page="https://shop.example/offer?x=1",
                        started_at=OLD + timedelta(hours=i)) for i in range(old_visits)]
    for visit in old:
        PageViewFactory(visit=visit, viewed_at=visit.started_at)
    LeaseFactory(tracker__pool=pool, visit=old[0], started_at=OLD, ended_at=OLD + timedelta(minutes=3))
    returning = VisitorFactory(website=website, first_seen_at=OLD, last_seen_at=YOUNG)
    VisitFactory(website=website, visitor=returning, source="bing", medium="organic", started_at=OLD + timedelta(days=1))
    young = VisitFactory(website=website, visitor=returning, source="bing", medium="organic", started_at=YOUNG)
    PageViewFactory(visit=young, viewed_at=YOUNG)
    VisitFactory(website=website, visitor=visitor, is_bot=True, started_at=OLD)
    call = CallFactory(tracker__pool=pool, account=account, visit=old[0], started_at=OLD + timedelta(minutes=5),
                       source="google", medium="cpc", campaign="spring", term="plumber",
                       landing_page="https://shop.example/offer?x=1", gclid="G-1")
    CallEventFactory(call=call, received_at=call.started_at)
    young_call = CallFactory(tracker__pool=pool, account=account, started_at=YOUNG)
    CallEventFactory(call=young_call, received_at=YOUNG)
    return website, call, young


def _rolled(account):
    rollup_refresh(account=account, through=NOW.date())
    source_days_roll(now=NOW)
    pool_peaks_roll(now=NOW)


def _report(account):
    window = report_window(account=account, start_date=(OLD - timedelta(days=2)).date(), end_date=NOW.date())
    rows = {(row.key, row.calls, row.visits) for row in report_row_list(window=window, dimension="source_medium")}
    return rows, report_visit_count(window=window)


@pytest.fixture
def history(account):
    return _site_with_history(account)


def test_rows_past_retention_go_and_younger_ones_stay(account, history):
    website, call, young = history
    _rolled(account)
    counts = retention_purge(now=NOW)
    assert counts.visits == 7 and counts.page_views == 5 and counts.leases == 1 and counts.call_events == 1
    assert list(Visit.objects.filter(website=website)) == [young]
    assert PageView.objects.filter(visit__website=website).count() == 1
    assert not Lease.objects.exists()
    assert list(CallEvent.objects.values_list("received_at", flat=True)) == [YOUNG]
    # The visitor without visits left goes; the one who came back stays.
    assert list(Visitor.objects.filter(website=website).values_list("pk", flat=True)) == [young.visitor_id]
    assert retention_purge(now=NOW).visits == 0  # nothing left to do


def test_a_call_keeps_its_attribution_when_its_visit_goes(account, history):
    _, call, _ = history
    _rolled(account)
    retention_purge(now=NOW)
    call.refresh_from_db()
    assert call.visit_id is None
    assert (call.source, call.medium, call.campaign, call.term, call.landing_page, call.gclid) == (
        "google", "cpc", "spring", "plumber", "https://shop.example/offer?x=1", "G-1")
    assert call.landing_page_key == "shop.example/offer" and call.channel == "Paid Search"
    assert Call.objects.count() == 2


def test_report_totals_and_the_engine_counts_are_the_same_after_the_deletion(account, history):
    website, _, _ = history
    Pool.objects.filter(website=website).update(visit_window_days=500)  # the engine reads back past retention
    _rolled(account)
    before = _report(account)
    since = NOW - timedelta(days=500)
    counts_before = website_source_counts(website_id=website.pk, since=since, until=NOW)
    assert retention_purge(now=NOW).visits
    assert _report(account) == before
    assert before[1] == 7  # human visits: 5 old + 1 old returning + 1 young
    assert website_source_counts(website_id=website.pk, since=since, until=NOW) == counts_before


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_a_re_roll_of_purged_days_keeps_their_visit_counts(account, zone):
    """A full refresh, or a conversion change that moves the rollup back years, re-rolls days whose raw visits are
    gone: their visits come from the rollup they were in, calls are recounted (calls are never deleted)."""
    account.timezone = zone
    account.save(update_fields=["timezone"])
    _site_with_history(account)
    _rolled(account)
    before = _report(account)
    assert retention_purge(now=NOW).visits
    rollup_refresh(account=account, through=NOW.date(), full=True)
    assert _report(account) == before
    rollup_invalidate(account_id=account.pk, day=OLD.date() - timedelta(days=1))
    rollup_refresh(account=account, through=NOW.date())
    assert _report(account) == before


def test_nothing_goes_before_the_rollups_hold_its_days(account, history):
    website, _, _ = history
    source_days_roll(now=NOW)
    pool_peaks_roll(now=NOW)
    assert retention_purge(now=NOW).visits == 0  # no report rollup yet
    rollup_refresh(account=account, through=(OLD + timedelta(hours=3)).date())  # reports hold the days before OLD's
    assert retention_purge(now=NOW).visits == 0
    rollup_refresh(account=account, through=NOW.date())
    assert retention_purge(now=NOW).visits == 7


def test_nothing_goes_before_the_engine_counts_hold_its_days(account, history):
    rollup_refresh(account=account, through=NOW.date())
    pool_peaks_roll(now=NOW)
    assert retention_purge(now=NOW).visits == 0  # no SourceDay counts yet
    source_days_roll(now=NOW)
    assert retention_purge(now=NOW).visits == 7


def test_nothing_goes_before_the_visitor_pools_peaks_hold_its_days(account, history):
    """The leases go with their visits: the pool's daily peak concurrency (pools.peaks) must hold their days first."""
    from pools.models import PoolDayPeak

    website, _, _ = history
    rollup_refresh(account=account, through=NOW.date())
    source_days_roll(now=NOW)
    assert retention_purge(now=NOW).visits == 0  # the visitor pool is not rolled up yet
    pool_peaks_roll(now=NOW)
    assert retention_purge(now=NOW).visits == 7
    assert PoolDayPeak.objects.filter(pool__website=website, day=OLD.date(), peak=1).exists()


def test_another_tenant_is_untouched(account, other_account, history):
    other_site, other_call, _ = _site_with_history(other_account)
    _rolled(account)
    rollup_refresh(account=other_account, through=NOW.date())
    other_visits = Visit.objects.filter(website=other_site).count()
    retention_purge(now=NOW, account=account)
    assert Visit.objects.filter(website=other_site).count() == other_visits
    assert CallEvent.objects.filter(call=other_call).exists()
    other_call.refresh_from_db()
    assert other_call.visit_id is not None


def test_deletion_runs_in_batches_and_resumes(account):
    website, _, _ = _site_with_history(account, old_visits=9)
    _rolled(account)
    first = retention_purge(now=NOW, batch_size=2, budget_seconds=-1)  # stopped before the first batch
    assert not first.finished and first.visits == 0
    counts = retention_purge(now=NOW, batch_size=2)
    assert counts.finished and counts.visits == 11
    assert counts.batches >= 6  # 10 human visits two at a time, the bot, the call's callbacks
    assert Visit.objects.filter(website=website).count() == 1


def test_call_events_resume_from_where_the_last_run_stopped(account, history):
    _rolled(account)
    retention_purge(now=NOW)
    state = RetentionState.objects.get(account=account)
    assert state.call_events_purged_before == NOW - timedelta(days=400)
    zone = ZoneInfo(account.timezone)  # a midnight of the account's zone: a ReportDay day has all its visits or none
    cutoff_day = (NOW - timedelta(days=400)).astimezone(zone).date()
    assert state.visits_purged_before == datetime.combine(cutoff_day, time.min, tzinfo=zone)
    late = CallEventFactory(call=Call.objects.get(started_at=YOUNG), received_at=OLD)  # before the mark: not looked at again
    assert retention_purge(now=NOW).call_events == 0
    assert CallEvent.objects.filter(pk=late.pk).exists()


def test_the_retention_period_is_a_setting(account, history, settings):
    settings.VISIT_RETENTION_DAYS = 500
    _rolled(account)
    assert retention_purge(now=NOW).visits == 0


def test_the_command_counts_dry_and_then_deletes(account, history, capsys, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    _rolled(account)
    call_command("purge_expired_rows", "--dry-run")
    assert "would delete 7 visits, 5 page views, 1 leases, 1 call events older than 400 days" in capsys.readouterr().out
    assert Visit.objects.count() == 8
    call_command("purge_expired_rows", "--batch-size", "3")
    out = capsys.readouterr().out
    assert "deleted 7 visits, 5 page views, 1 leases, 1 visitors, 1 call events" in out
    assert Visit.objects.count() == 1


def _source_days(website) -> list:
    return sorted(SourceDay.objects.filter(website=website).values_list("day", flat=True).distinct())


def test_daily_source_counts_past_retention_go_unless_a_pool_still_reads_them(account, history):
    """SourceDay rows of the UTC days before the retention cutoff go, in batches, resumably, with the raw visits;
    those inside the longest visit window of the website's pools stay (the rules engine reads them)."""
    website, _, _ = history
    _rolled(account)
    assert _source_days(website)[0] == OLD.date()
    cutoff_day = (NOW - timedelta(days=400)).date()
    Pool.objects.filter(website=website).update(visit_window_days=460)  # reaches back past OLD
    assert retention_purge(now=NOW, dry_run=True).source_days == 0
    assert retention_purge(now=NOW).source_days == 0 and _source_days(website)[0] == OLD.date()
    Pool.objects.filter(website=website).update(visit_window_days=451)  # OLD's day, not the day before
    assert retention_purge(now=NOW).source_days == 0
    Pool.objects.filter(website=website).update(visit_window_days=30)
    old_rows = SourceDay.objects.filter(website=website, day__lt=cutoff_day).count()
    assert old_rows == 2  # google / cpc on OLD's day, bing / organic the day after
    assert retention_purge(now=NOW, dry_run=True).source_days == old_rows
    stopped = retention_purge(now=NOW, batch_size=1, budget_seconds=-1)
    assert not stopped.finished and SourceDay.objects.filter(website=website, day__lt=cutoff_day).count() == old_rows
    counts = retention_purge(now=NOW, batch_size=1)
    assert counts.finished and counts.source_days == old_rows
    assert all(day >= cutoff_day for day in _source_days(website)) and _source_days(website)
    assert retention_purge(now=NOW).source_days == 0  # nothing left to do


def test_daily_source_counts_go_by_the_retention_setting(account, history, settings):
    website, _, _ = history
    settings.VISIT_RETENTION_DAYS = 500
    _rolled(account)
    assert retention_purge(now=NOW).source_days == 0
    assert _source_days(website)[0] == OLD.date()
