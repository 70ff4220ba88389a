from datetime import date, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from dashboard.filters import parse_filters
from dashboard.selectors.report_page import filters_window
from reports.aggregates import DIMENSIONS, calls_per_day, report_rows, report_visits
from reports.models import ReportDay, RollupState
from reports.selectors import report_day_list, report_row_list, report_summary, report_visit_count
from reports.services import rollup_refresh
from tests.factories import (
    CallFactory,
    CallTrackerFactory,
    PoolFactory,
    TagFactory,
    VisitFactory,
    WebsiteFactory,
)


@pytest.fixture
def history(account, website, other_call):
    """Calls and visits spread over ten days, two websites, answered and not, one call without a pool, tags (none,
    one or two a call) and a spam call."""
    second = WebsiteFactory(account=account, name="Second site")
    booked, vip = TagFactory(account=account, name="booked"), TagFactory(account=account, name="vip")
    trackers = [CallTrackerFactory(pool=PoolFactory(account=account, website=site), active=True) for site in (website, second)]
    now = timezone.now()
    for i in range(10):
        at = now - timedelta(days=i, hours=i)
        site = (website, second)[i % 2]
        VisitFactory(website=site, source=("google", "bing")[i % 2], medium="cpc", campaign=f"c{i % 3}",
                     term=f"k{i % 4}", landing_page=f"/p{i % 5}", started_at=at)
        call = CallFactory(tracker=trackers[i % 2], source=("google", "bing")[i % 2], medium="cpc", campaign=f"c{i % 3}",
                           term=f"k{i % 4}", landing_page=f"/p{i % 5}", started_at=at, answered_at=at if i % 3 else None,
                           is_first_time_caller=bool(i % 2))
        call.tags.add(*[tag for tag, on in ((booked, i % 3 == 0), (vip, i % 2 == 1)) if on])
    CallFactory(tracker=trackers[0], pool=None, started_at=now - timedelta(days=4))
    CallFactory(tracker=trackers[0], spam=True, source="google", medium="cpc", started_at=now - timedelta(days=3)).tags.add(vip)
    return second


def _filters(account, query, websites):
    zone = ZoneInfo(account.timezone)
    return parse_filters(params=QueryDict(query), websites=websites, zone=zone, today=timezone.now().astimezone(zone).date())[0]


def _today(account):
    return timezone.now().astimezone(ZoneInfo(account.timezone)).date()


@pytest.mark.parametrize("query", ["range=30", "range=7", "range=30&website={second}"])
def test_rolled_up_reports_equal_the_live_reports(account, website, history, query):
    rollup_refresh(account=account, through=_today(account))
    filters = _filters(account, query.format(second=history.pk), [website, history])
    window = filters_window(account=account, filters=filters)
    assert window.rolled is not None and window.live is not None
    scope = {"account": account, "start": filters.start, "end": filters.end, "website": filters.website}
    for dimension in DIMENSIONS:
        assert report_row_list(window=window, dimension=dimension) == report_rows(dimension=dimension, **scope), dimension
    assert report_day_list(window=window) == calls_per_day(**scope)
    assert report_visit_count(window=window) == report_visits(**scope).count()


@pytest.mark.parametrize("rolled_days_ago", [0, 5, None])
@pytest.mark.parametrize("query", ["range=30", "range=7", "range=30&website={second}", "range=today"])
def test_the_summary_reads_as_its_parts(account, website, history, query, rolled_days_ago):
    """The overview's one read (report_summary) gives the days, visits and rows the separate reads give, rolled or
    live or both, with conversions and values."""
    CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True),
                is_conversion=True, conversion_value="12.34", source="google", medium="cpc", campaign="c1",
                started_at=timezone.now() - timedelta(days=2))
    if rolled_days_ago is not None:
        rollup_refresh(account=account, through=_today(account) - timedelta(days=rolled_days_ago))
    window = filters_window(account=account, filters=_filters(account, query.format(second=history.pk), [website, history]))
    summary = report_summary(window=window, dimensions=("source_medium", "campaign"))
    assert summary.days == report_day_list(window=window)
    assert summary.visits == report_visit_count(window=window)
    for dimension in ("source_medium", "campaign"):
        assert summary.rows[dimension] == report_row_list(window=window, dimension=dimension), dimension


def test_refresh_is_idempotent_and_records_how_far_it_reached(account, history):
    through = _today(account)
    first = rollup_refresh(account=account, through=through)
    assert rollup_refresh(account=account, through=through, full=True) == first
    assert ReportDay.objects.filter(account=account).count() == first
    assert RollupState.objects.get(account=account).rolled_through == through


def test_incremental_refresh_picks_up_late_calls(account, website, history):
    through = _today(account)
    rollup_refresh(account=account, through=through)
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    CallFactory(tracker=tracker, source="late", medium="call", started_at=timezone.now() - timedelta(days=1))
    rollup_refresh(account=account, through=through)
    assert ReportDay.objects.filter(account=account, dimension="source_medium", key1="late").exists()


def test_rollup_never_mixes_accounts(account, other_account, history):
    rollup_refresh(account=account, through=_today(account))
    rollup_refresh(account=other_account, through=_today(other_account))
    assert not ReportDay.objects.filter(account=account, key1="bobsource").exists()


def test_pages_read_the_rollup_and_still_hide_other_accounts(marketer_client, account, other_account, other_call, history):
    other_call.started_at = timezone.now() - timedelta(days=3)
    other_call.save()
    for acct in (account, other_account):
        rollup_refresh(account=acct, through=_today(acct))
    assert ReportDay.objects.filter(account=other_account, key1="bobsource").exists()
    response = marketer_client.get(reverse("dashboard:overview"))
    assert response.context["totals"]["calls"] == 11
    for dimension in DIMENSIONS:
        body = marketer_client.get(reverse("dashboard:report", args=[dimension])).content.decode()
        assert "bobsource" not in body and "bob-campaign" not in body and "Bob secret pool" not in body, dimension


def test_a_stale_rollup_falls_back_to_live_data_for_the_days_after_it(account, history):
    rollup_refresh(account=account, through=_today(account) - timedelta(days=5))
    filters = _filters(account, "range=30", [])
    window = filters_window(account=account, filters=filters)
    scope = {"account": account, "start": filters.start, "end": filters.end, "website": None}
    assert report_row_list(window=window, dimension="campaign") == report_rows(dimension="campaign", **scope)


def test_window_before_any_rollup_is_all_live(account):
    window = filters_window(account=account, filters=_filters(account, "range=7", []))
    assert window.rolled is None and window.live is not None


def test_window_entirely_before_the_rolled_day_reads_no_live_data(account):
    RollupState.objects.create(account=account, rolled_through=date(2030, 1, 1), refreshed_at=timezone.now())
    window = filters_window(account=account, filters=_filters(account, "range=custom&start=2026-01-01&end=2026-01-31", []))
    assert window.rolled == (date(2026, 1, 1), date(2026, 2, 1)) and window.live is None


def test_command_refreshes_and_prints_rows(account, history):
    out = StringIO()
    call_command("rollup_reports", "--full", stdout=out)
    assert out.getvalue().strip().endswith("rows") and ReportDay.objects.filter(account=account).exists()


def test_command_rejects_an_unknown_account(db):
    with pytest.raises(CommandError):
        call_command("rollup_reports", "--account", "nope", stdout=StringIO())


@pytest.mark.slow
def test_seed_demo_rolls_up_the_demo_account(db):
    call_command("seed_demo", stdout=StringIO())
    assert RollupState.objects.filter(account__name="Demo Co").exists()


def test_pool_pages_count_calls_from_the_rollup_and_today(marketer_client, account, history):
    rollup_refresh(account=account, through=_today(account))
    pools = marketer_client.get(reverse("dashboard:pool_list")).context["pools"]
    assert sum(pool.calls_in_range for pool in pools) == 10  # the call without a pool belongs to no pool
    detail = marketer_client.get(reverse("dashboard:pool_detail", args=[pools[0].pk]))
    assert detail.context["calls_in_range"] == pools[0].calls_in_range > 0
