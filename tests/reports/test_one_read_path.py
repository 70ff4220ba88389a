"""The API and the dashboard read reports through one selector (reports.selectors): the same numbers for the
same data and range, rolled-up days and today's not-yet-rolled calls alike."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import api_token_create
from calls.models import Call
from calls.outcomes import call_set_outcome, website_conversions_recompute
from core.actors import Actor
from reports.aggregates import DIMENSIONS, report_rows
from reports.models import ReportDay, RollupState
from reports.selectors import report_row_list, report_window
from reports.services import rollup_refresh, rollup_spans_write
from tests.factories import (
    CallFactory,
    CallTrackerFactory,
    ConversionRuleFactory,
    PoolFactory,
    VisitFactory,
    WebsiteFactory,
)

pytestmark = pytest.mark.django_db


def _today(account):
    return timezone.now().astimezone(ZoneInfo(account.timezone)).date()


@pytest.fixture
def second(account):
    return WebsiteFactory(account=account, name="Second site", key="secondsite")


@pytest.fixture
def history(account, website, second, other_account):
    """Twelve days of calls and visits on two websites; the rollup reaches yesterday's start minus four days,
    so a 30-day range reads both ReportDay rows and live calls (including today's)."""
    trackers = [CallTrackerFactory(pool=PoolFactory(account=account, website=site), active=True) for site in (website, second)]
    now = timezone.now()
    for i in range(12):
        at = now - timedelta(days=i, minutes=5 * i)
        VisitFactory(website=(website, second)[i % 2], source=("google", "bing", "")[i % 3], medium="cpc",
                     campaign=f"c{i % 3}", term=f"k{i % 4}", landing_page=f"/p{i % 5}", started_at=at)
        CallFactory(tracker=trackers[i % 2], source=("google", "bing", "")[i % 3], medium="cpc", campaign=f"c{i % 3}",
                    term=f"k{i % 4}", landing_page=f"/p{i % 5}", started_at=at, answered_at=at if i % 3 else None,
                    is_first_time_caller=bool(i % 2), is_conversion=bool(i % 3),
                    conversion_value=Decimal(f"{i}.25") if i % 3 else Decimal("0"))
    bob_site = WebsiteFactory(account=other_account, key="bobsite")
    CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=other_account, website=bob_site), active=True),
                source="bobsource", medium="cpc", started_at=now, is_conversion=True, conversion_value=Decimal("99.00"))
    rollup_refresh(account=account, through=_today(account) - timedelta(days=4))
    return trackers


def _api(account):
    _, key = api_token_create(account=account, scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _as_api(rows):
    return [{"key": list(r.key), "label": r.label, "calls": r.calls, "answered": r.answered, "missed": r.missed,
             "abandoned": r.abandoned, "busy_or_failed": r.busy_or_failed, "voicemail": r.voicemail,
             "first_time": r.first_time,
             "visits": r.visits, "conversions": r.conversions, "value": f"{r.value:.2f}",
             "conversion_rate": r.conversion_rate, "calls_per_visit": r.calls_per_visit} for r in rows]


@pytest.mark.parametrize("dimension", list(DIMENSIONS))
@pytest.mark.parametrize("by_site", [False, True])
def test_api_and_dashboard_give_the_same_rows(marketer_client, account, second, history, dimension, by_site):
    start, end = _today(account) - timedelta(days=20), _today(account)
    api_query = f"?start={start}&end={end}" + ("&website=secondsite" if by_site else "")
    page_query = f"?range=custom&start={start}&end={end}" + (f"&website={second.pk}" if by_site else "")

    api_rows = _api(account).get(f"/api/v1/reports/{dimension}/{api_query}").json()["rows"]
    page_rows = [item.row for item in marketer_client.get(reverse("dashboard:report", args=[dimension]) + page_query).context["rows"]]

    assert api_rows == _as_api(page_rows)
    assert sum(row["calls"] for row in api_rows) == (6 if by_site else 12)
    # Calls i % 3 != 0 convert with value i.25: all sites 8 conversions worth 50.00; the second site (odd i) 4 worth 25.00.
    assert sum(row["conversions"] for row in api_rows) == (4 if by_site else 8)
    assert sum(Decimal(row["value"]) for row in api_rows) == (Decimal("25.00") if by_site else Decimal("50.00"))
    # …and both equal the raw-table reference over the same range.
    zone = ZoneInfo(account.timezone)
    scope = {"start": datetime.combine(start, time.min, zone), "end": datetime.combine(end + timedelta(days=1), time.min, zone)}
    reference = report_rows(account=account, dimension=dimension, website=second if by_site else None, **scope)
    assert api_rows == _as_api(reference)


def test_the_api_reads_closed_days_from_the_rollup(account, history):
    rolled_day = _today(account) - timedelta(days=10)
    ReportDay.objects.create(account=account, day=rolled_day, dimension="campaign", key1="rollup-only", calls=3)
    # The blocks of days (ReportSpan) that hold it, as a rollup chunk re-sums them after writing its days.
    rollup_spans_write(account=account, first=rolled_day, last=rolled_day + timedelta(days=1),
                       whole_until=RollupState.objects.get(account=account).rolled_through)
    rows = _api(account).get(f"/api/v1/reports/campaign/?start={rolled_day}&end={_today(account)}").json()["rows"]
    assert {"rollup-only": 3}.items() <= {row["key"][0]: row["calls"] for row in rows}.items()


def test_the_api_counts_todays_calls_the_rollup_does_not_hold_yet(account, history):
    tracker = history[0]
    CallFactory(tracker=tracker, campaign="just-now", started_at=timezone.now())
    rows = _api(account).get("/api/v1/reports/campaign/").json()["rows"]
    assert {row["key"][0]: row["calls"] for row in rows}["just-now"] == 1


def test_the_limit_cuts_the_same_sorted_rows(account, history):
    window = report_window(account=account, start_date=_today(account) - timedelta(days=29), end_date=_today(account))
    full = report_row_list(window=window, dimension="landing_page")
    rows = _api(account).get("/api/v1/reports/landing_page/?limit=2").json()["rows"]
    assert rows == _as_api(full[:2]) and len(full) > 2


def test_another_account_reads_none_of_it(account, other_account, history):
    rows = _api(other_account).get("/api/v1/reports/source_medium/").json()["rows"]
    assert [row["key"] for row in rows] == [["bobsource", "cpc"]]


def test_api_report_query_count_is_pinned(account, history, django_assert_num_queries):
    client = _api(account)
    # token, token last used, rollup state, ReportDay sums (rolled days), calls and visits grouped (live days)
    with django_assert_num_queries(6):
        assert client.get("/api/v1/reports/source_medium/").status_code == 200


def _api_totals(account, dimension="campaign"):
    rows = _api(account).get(f"/api/v1/reports/{dimension}/").json()["rows"]
    return sum(row["conversions"] for row in rows), sum(Decimal(row["value"]) for row in rows)


def _reference(account, dimension="campaign"):
    zone = ZoneInfo(account.timezone)
    start = datetime.combine(_today(account) - timedelta(days=29), time.min, zone)
    end = datetime.combine(_today(account) + timedelta(days=1), time.min, zone)
    return _as_api(report_rows(account=account, dimension=dimension, start=start, end=end))


def test_an_outcome_change_on_a_rolled_up_day_shows_at_once_and_is_re_rolled(account, marketer, history):
    call = Call.objects.get(account=account, conversion_value=Decimal("8.25"))  # i = 8: eight days ago, rolled up
    assert _api_totals(account) == (8, Decimal("50.00"))
    call_set_outcome(call=call, actor=Actor.person(marketer, via="dashboard"), outcome="not_lead")
    day = call.started_at.astimezone(ZoneInfo(account.timezone)).date()
    assert RollupState.objects.get(account=account).rolled_through == day
    assert _api_totals(account) == (7, Decimal("41.75"))
    # The next refresh re-rolls the day: the rollup reaches back to yesterday's end and holds the new numbers.
    rollup_refresh(account=account)
    assert RollupState.objects.get(account=account).rolled_through == _today(account)
    rolled = ReportDay.objects.filter(account=account, dimension="campaign", day=day).get()
    assert (rolled.conversions, rolled.value) == (0, Decimal("0.00"))
    assert _api(account).get("/api/v1/reports/campaign/").json()["rows"] == _reference(account)


def test_a_rule_change_re_labels_rolled_up_days_in_the_reports(account, website, history, other_account):
    bob_state = RollupState.objects.create(account=other_account, rolled_through=_today(account), refreshed_at=timezone.now())
    ConversionRuleFactory(website=website, min_seconds=0, value=Decimal("7.00"))
    assert website_conversions_recompute(website_id=website.pk) > 0
    # Answered calls to the first website (i = 2, 4, 8, 10) now convert at the rule's 7.00; the second site's keep i.25.
    assert _api_totals(account) == (8, Decimal("53.00"))
    assert _api(account).get("/api/v1/reports/campaign/").json()["rows"] == _reference(account)
    assert RollupState.objects.get(account=account).rolled_through < _today(account) - timedelta(days=4)
    bob_state.refresh_from_db()
    assert bob_state.rolled_through == _today(account)  # another account's rollup is left alone
    rollup_refresh(account=account)
    assert _api_totals(account) == (8, Decimal("53.00"))


def test_an_outcome_change_on_a_live_day_leaves_the_rollup_alone(account, marketer, history):
    call = Call.objects.get(account=account, conversion_value=Decimal("1.25"))  # i = 1: yesterday, read live
    before = RollupState.objects.get(account=account).rolled_through
    call_set_outcome(call=call, actor=Actor.person(marketer, via="dashboard"), outcome="lead", value="10")
    assert RollupState.objects.get(account=account).rolled_through == before
    assert _api_totals(account) == (8, Decimal("58.75"))


def test_another_account_sees_none_of_the_conversions(account, other_account, history):
    rows = _api(other_account).get("/api/v1/reports/source_medium/").json()["rows"]
    assert [(row["key"], row["conversions"], row["value"]) for row in rows] == [(["bobsource", "cpc"], 1, "99.00")]
    assert _api_totals(account, "source_medium") == (8, Decimal("50.00"))


def test_a_relabel_during_a_refresh_keeps_its_days_live(account, history, monkeypatch):
    """rollup_invalidate committing between the refresh's reads and its write must not be overwritten."""
    import reports.services as services

    day = _today(account) - timedelta(days=9)
    real = services.report_visits

    def relabel_meanwhile(**kwargs):
        services.rollup_invalidate(account_id=account.pk, day=day)
        return real(**kwargs)

    monkeypatch.setattr(services, "report_visits", relabel_meanwhile)
    rollup_refresh(account=account)
    assert RollupState.objects.get(account=account).rolled_through == day
