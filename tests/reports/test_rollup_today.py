"""Today's partial rollup (reports.services.rollup_today): pages read today's calls and visits from ReportDay up to
RollupState.partial_until and only the last minutes live, with the same numbers as the live read of the whole day."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from calls.models import Call
from calls.outcomes import call_set_outcome
from core.actors import Actor
from reports import services
from reports.aggregates import DIMENSIONS, calls_per_day, report_rows
from reports.attribution_models import CREDIT_DIMENSIONS, FIRST, LINEAR, credited_report_rows
from reports.models import CreditDay, ReportDay, RollupState
from reports.selectors import (
    call_totals_of_windows,
    report_calls_by_key,
    report_day_list,
    report_row_list,
    report_summary,
    report_window,
    report_windows_of_accounts,
)
from reports.services import TODAY_MARGIN, rollup_refresh, rollup_refresh_chunk, rollup_today
from tests.factories import (
    AccountFactory,
    CallFactory,
    CallTrackerFactory,
    PoolFactory,
    VisitFactory,
    VisitorFactory,
)

pytestmark = pytest.mark.django_db


def _midday_zone(now: datetime) -> str:
    """A zone where it is between 10:00 and 14:00 now, so that today has hours behind it whatever the test's hour."""
    for offset in range(-12, 15):
        zone = f"Etc/GMT{'+' if offset <= 0 else '-'}{abs(offset)}"
        if 10 <= now.astimezone(ZoneInfo(zone)).hour < 14:
            return zone
    raise AssertionError("some zone is at midday")


@pytest.fixture
def day(account, website):
    """Calls and visits of today (hours, minutes and seconds ago) and of the days before, on a visitor pool whose
    visitors came back through other sources (so first touch and linear differ from the last session)."""
    now = timezone.now()
    account.timezone = _midday_zone(now)
    account.save(update_fields=["timezone"])
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website, tracking="visitor"), active=True)
    for index, ago in enumerate([timedelta(days=2), timedelta(hours=26), timedelta(hours=5), timedelta(hours=3),
                                 timedelta(minutes=90), timedelta(minutes=20), timedelta(minutes=1)]):
        visitor = VisitorFactory(website=website)
        VisitFactory(website=website, visitor=visitor, source="newsletter", medium="email", campaign="june",
                     started_at=now - ago - timedelta(days=1))
        source = ("google", "bing", "")[index % 3]
        visit = VisitFactory(website=website, visitor=visitor, source=source, medium="cpc", campaign=f"c{index % 2}",
                             term=f"k{index % 3}", landing_page=f"https://shop.example/p{index % 2}", started_at=now - ago)
        CallFactory(tracker=tracker, visit=visit, source=source, medium="cpc", campaign=visit.campaign,
                    term=visit.term, landing_page=visit.landing_page, landing_page_key=visit.landing_page_key,
                    channel=visit.channel, started_at=now - ago + timedelta(seconds=30),
                    status=("completed", "no-answer", "busy")[index % 3],
                    answered_at=now - ago if index % 3 == 0 else None, is_first_time_caller=bool(index % 2),
                    is_conversion=bool(index % 2), conversion_value=Decimal("12.34") if index % 2 else Decimal("0"))
    return tracker


def _today(account):
    return timezone.now().astimezone(ZoneInfo(account.timezone)).date()


def _bounds(account, first, last):
    zone = ZoneInfo(account.timezone)
    return (datetime.combine(first, time.min, tzinfo=zone), datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone))


def _assert_reads_as_live(account, first, last):
    start, end = _bounds(account, first, last)
    window = report_window(account=account, start_date=first, end_date=last)
    for dimension in DIMENSIONS:
        rows = report_row_list(window=window, dimension=dimension)
        assert rows == report_rows(account=account, dimension=dimension, start=start, end=end), dimension
        assert report_calls_by_key(window=window, dimension=dimension) == {row.key: row.calls for row in rows if row.calls}
    for model in (FIRST, LINEAR):
        for dimension in CREDIT_DIMENSIONS:
            assert report_row_list(window=window, dimension=dimension, model=model) == credited_report_rows(
                account=account, dimension=dimension, start=start, end=end, model=model), (model, dimension)
    assert report_day_list(window=window) == calls_per_day(account=account, start=start, end=end)
    assert call_totals_of_windows(windows=[window]) == {account.pk: _summed(calls_per_day(account=account, start=start, end=end))}
    summary = report_summary(window=window, dimensions=("source_medium", "campaign"))
    assert summary.days == calls_per_day(account=account, start=start, end=end)
    assert summary.rows["campaign"] == report_rows(account=account, dimension="campaign", start=start, end=end)
    return window


def _summed(days: list[dict]) -> dict:
    return {"calls": sum(d["calls"] for d in days), "answered": sum(d["answered"] for d in days),
            "conversions": sum(d["conversions"] for d in days), "value": sum((d["value"] for d in days), Decimal("0.00"))}


def test_the_calls_of_several_accounts_windows_are_summed_at_once_as_each_reads_alone(account, day):
    """The all-accounts page: each account's rolled days, partial today and live calls, two queries for all."""
    other = AccountFactory(timezone="Asia/Tokyo")
    other_tracker = CallTrackerFactory(pool=PoolFactory(account=other), active=True)
    for hours in (1, 20, 30, 24 * 40):
        CallFactory(tracker=other_tracker, started_at=timezone.now() - timedelta(hours=hours), is_conversion=True,
                    conversion_value=Decimal("5.55"))
    rollup_refresh(account=account)
    CallFactory(tracker=day, source="yelp.com", medium="referral")  # after the cut: live
    spans = [(account, _today(account) - timedelta(days=29), _today(account)),
             (other, _today(other) - timedelta(days=29), _today(other))]
    windows = report_windows_of_accounts(spans=spans)
    assert windows == [report_window(account=a, start_date=first, end_date=last) for a, first, last in spans]
    assert windows[0].rolled is not None and windows[0].live is not None and windows[1].rolled is None
    totals = call_totals_of_windows(windows=windows)
    for acc, first, last in spans:
        start, end = _bounds(acc, first, last)
        assert totals[acc.pk] == _summed(calls_per_day(account=acc, start=start, end=end))
    assert totals[other.pk]["calls"] == 3 and totals[other.pk]["value"] == Decimal("16.65")


def test_today_is_rolled_up_to_a_moment_and_only_the_minutes_after_it_are_read_live(account, day):
    before = timezone.now()
    rollup_refresh(account=account)
    state = RollupState.objects.get(account=account)
    today = _today(account)
    assert state.rolled_through == today
    assert before - TODAY_MARGIN <= state.partial_until <= timezone.now() - TODAY_MARGIN
    assert ReportDay.objects.filter(account=account, day=today, dimension="pool").get().calls == 4  # the last one is live
    assert CreditDay.objects.filter(account=account, day=today).exists()

    window = _assert_reads_as_live(account, today, today)
    assert window.rolled == (today, today + timedelta(days=1))
    assert window.live == (state.partial_until, _bounds(account, today, today)[1])
    _assert_reads_as_live(account, today - timedelta(days=6), today)

    # A call after the cut (calls are written as they start) is read live; one more rollup takes it in.
    CallFactory(tracker=day, source="yelp.com", medium="referral")
    _assert_reads_as_live(account, today, today)
    assert rollup_today(account=account, now=timezone.now() + TODAY_MARGIN + timedelta(seconds=1))  # minutes later
    assert ReportDay.objects.filter(account=account, day=today, dimension="pool").get().calls == 6
    _assert_reads_as_live(account, today - timedelta(days=6), today)


def test_a_call_that_is_not_final_holds_the_cut_back_to_its_start(account, day):
    started = timezone.now() - timedelta(minutes=40)
    ringing = CallFactory(tracker=day, source="google", medium="cpc", started_at=started, status=Call.Status.IN_PROGRESS)
    settling = CallFactory(tracker=day, source="google", medium="cpc", started_at=started + timedelta(minutes=5),
                           settles_at=timezone.now() + timedelta(minutes=1))
    stuck = CallFactory(tracker=day, source="google", medium="cpc", started_at=timezone.now() - timedelta(hours=7),
                        status=Call.Status.RINGING)
    rollup_refresh(account=account)
    assert RollupState.objects.get(account=account).partial_until == started
    today = _today(account)
    # The call is answered and ends after the rollup: the page counts it as it is now.
    Call.objects.filter(pk=ringing.pk).update(status=Call.Status.COMPLETED, answered_at=started, talk_seconds=90)
    _assert_reads_as_live(account, today, today)
    Call.objects.filter(pk=ringing.pk).update(status=Call.Status.COMPLETED)
    rollup_refresh(account=account)
    assert RollupState.objects.get(account=account).partial_until == settling.started_at
    Call.objects.filter(pk=settling.pk).update(settles_at=None)
    rollup_refresh(account=account)
    assert RollupState.objects.get(account=account).partial_until > settling.started_at
    assert stuck.started_at.astimezone(ZoneInfo(account.timezone)).date() == today  # midday zone: still today
    _assert_reads_as_live(account, today, today)


def test_a_call_relabeled_today_drops_the_partial_rollup(account, day):
    rollup_refresh(account=account)
    today = _today(account)
    cut = RollupState.objects.get(account=account).partial_until
    call = Call.objects.filter(account=account, is_conversion=False, started_at__lt=cut).order_by("-started_at").first()
    assert call.started_at.astimezone(ZoneInfo(account.timezone)).date() == today
    call_set_outcome(call=call, outcome="sale", value=Decimal("50.00"), actor=Actor.process("test"))
    state = RollupState.objects.get(account=account)
    assert state.partial_until is None and state.rolled_through == today
    _assert_reads_as_live(account, today, today)
    rollup_refresh(account=account)
    assert RollupState.objects.get(account=account).partial_until is not None
    _assert_reads_as_live(account, today - timedelta(days=3), today)


def test_an_invalidation_while_today_is_rolled_up_wins(account, day, monkeypatch):
    rollup_refresh(account=account)
    first_cut = RollupState.objects.get(account=account).partial_until
    today = _today(account)
    computed = services._credit_rows

    def invalidated_meanwhile(**kwargs):
        rows = computed(**kwargs)
        services.rollup_invalidate(account_id=account.pk, day=today)
        return rows

    monkeypatch.setattr(services, "_credit_rows", invalidated_meanwhile)
    CallFactory(tracker=day, source="yelp.com", medium="referral", started_at=timezone.now() - timedelta(minutes=3))
    assert rollup_today(account=account, now=timezone.now() + timedelta(minutes=2)) == 0
    state = RollupState.objects.get(account=account)
    assert state.partial_until is None and first_cut is not None
    _assert_reads_as_live(account, today, today)


def test_a_pass_past_the_partial_day_rolls_it_whole(account, day):
    rollup_refresh(account=account)
    today = _today(account)
    CallFactory(tracker=day, source="yelp.com", medium="referral", started_at=timezone.now() - timedelta(seconds=10))
    # As the first pass of tomorrow does: it re-rolls the last days, today among them, to their ends.
    while not rollup_refresh_chunk(account=account, through=today + timedelta(days=1), full=False).done:
        pass
    state = RollupState.objects.get(account=account)
    assert state.rolled_through == today + timedelta(days=1) and state.partial_until is None
    assert ReportDay.objects.filter(account=account, day=today, dimension="pool").get().calls == 6
    window = _assert_reads_as_live(account, today - timedelta(days=3), today)
    assert window.live is None


def test_today_is_not_rolled_up_before_the_days_before_it(account, day):
    """A pass still under way (or none yet): today stays live, whatever the time."""
    rollup_refresh(account=account, through=_today(account) - timedelta(days=1))
    assert rollup_today(account=account) == 0
    assert RollupState.objects.get(account=account).partial_until is None
    _assert_reads_as_live(account, _today(account) - timedelta(days=3), _today(account))
