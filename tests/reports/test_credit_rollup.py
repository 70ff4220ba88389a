"""The credited rollup (reports.models.CreditDay): first-touch and linear reports read from it give exactly the rows
the live computation (reports.attribution_models.credited_report_rows) gives, on generated journeys across time
zones, day boundaries, websites, calls without visitors and purged visits."""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attribution.models import RetentionState, Visit
from reports.attribution_models import CREDIT_DIMENSIONS, FIRST, LAST, LINEAR, credited_report_rows
from reports.models import CreditDay
from reports.selectors import report_row_list, report_window
from reports.services import rollup_refresh
from tests.factories import (
    CallFactory,
    CallTrackerFactory,
    PoolFactory,
    VisitFactory,
    VisitorFactory,
    WebsiteFactory,
)

pytestmark = pytest.mark.django_db

SOURCES = [("google", "cpc", "spring", "plumber"), ("google", "organic", "", ""), ("facebook", "social", "fb", ""),
           ("", "", "", ""), ("newsletter", "email", "june", ""), ("bing", "cpc", "spring", "(not set)")]
VALUES = [Decimal("0"), Decimal("33.33"), Decimal("10.01"), Decimal("99.99"), Decimal("7")]


def _journeys(account, *, seed: int, now: datetime, days: int = 40):
    """Two websites' visitors with random sessions (bots among them), some on the minutes around the account's
    midnights, calling from the visitor pools (conversions with odd cents), plus source-pool calls without a visit."""
    rnd = random.Random(seed)
    zone = ZoneInfo(account.timezone)
    sites = [WebsiteFactory(account=account), WebsiteFactory(account=account)]
    trackers = [CallTrackerFactory(pool=PoolFactory(account=account, website=site, tracking="visitor"), active=True)
                for site in sites]
    source_tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=sites[0], tracking="source"), active=True)

    def moment() -> datetime:
        if rnd.random() < 0.3:  # a few minutes either side of a midnight in the account's zone
            day = (now - timedelta(days=rnd.randint(1, days))).astimezone(zone).date()
            return datetime.combine(day, time.min, tzinfo=zone) + timedelta(minutes=rnd.randint(-5, 5))
        return now - timedelta(days=rnd.uniform(0, days))

    for _ in range(40):
        index = rnd.randrange(2)
        visitor = VisitorFactory(website=sites[index])
        visits: list = []
        for _ in range(rnd.randint(1, 6)):
            source, medium, campaign, term = rnd.choice(SOURCES)
            visits.append(VisitFactory(
                website=sites[index], visitor=visitor, source=source, medium=medium, campaign=campaign, term=term,
                landing_page=f"https://shop.example/{rnd.choice(['a', 'b', 'c'])}", is_bot=rnd.random() < 0.1,
                started_at=min(moment(), now - timedelta(minutes=1))))
        for _ in range(rnd.randint(0, 3)):
            visit = rnd.choice(visits)
            value = rnd.choice(VALUES)
            CallFactory(tracker=trackers[index], visit=visit, source=visit.source, medium=visit.medium,
                        campaign=visit.campaign, term=visit.term, landing_page=visit.landing_page,
                        landing_page_key=visit.landing_page_key, channel=visit.channel,
                        started_at=min(now - timedelta(seconds=30), visit.started_at + timedelta(minutes=rnd.choice([1, 30, 600, 3000]))),
                        status=rnd.choice(["completed", "no-answer", "busy"]), is_first_time_caller=rnd.random() < 0.5,
                        is_conversion=bool(value), conversion_value=value)
    for _ in range(8):
        value = rnd.choice(VALUES)
        CallFactory(tracker=source_tracker, source="billboard", medium="offline", started_at=moment(),
                    is_conversion=bool(value), conversion_value=value, spam=rnd.random() < 0.2)
    return sites


def _compare(account, *, start_date: date, end_date: date, website=None):
    zone = ZoneInfo(account.timezone)
    start = datetime.combine(start_date, time.min, tzinfo=zone)
    end = datetime.combine(end_date + timedelta(days=1), time.min, tzinfo=zone)
    window = report_window(account=account, start_date=start_date, end_date=end_date, website=website)
    for model in (FIRST, LINEAR):
        for dimension in CREDIT_DIMENSIONS:
            expected = credited_report_rows(account=account, dimension=dimension, start=start, end=end, model=model,
                                            website=website)
            assert report_row_list(window=window, dimension=dimension, model=model) == expected, (model, dimension)


@pytest.mark.parametrize(("zone", "seed"), [("America/New_York", 1), ("Asia/Kolkata", 2), ("Pacific/Kiritimati", 3),
                                            ("America/Los_Angeles", 4)])
def test_the_credited_rollup_reads_as_the_live_computation(account, zone, seed):
    account.timezone = zone
    account.save(update_fields=["timezone"])
    now = timezone.now()
    sites = _journeys(account, seed=seed, now=now)
    today = now.astimezone(ZoneInfo(zone)).date()
    rollup_refresh(account=account, full=True)
    assert CreditDay.objects.filter(account=account, model=LINEAR).exists()
    assert CreditDay.objects.filter(account=account, model=FIRST).exists()
    for start_date, end_date in [(today - timedelta(days=45), today), (today - timedelta(days=20), today - timedelta(days=3)),
                                 (today - timedelta(days=7), today - timedelta(days=7)), (today, today)]:
        _compare(account, start_date=start_date, end_date=end_date)
        _compare(account, start_date=start_date, end_date=end_date, website=sites[1])
    # Half rolled: the days from the middle on are read live.
    rollup_refresh(account=account, through=today - timedelta(days=15), full=True)
    _compare(account, start_date=today - timedelta(days=45), end_date=today)
    _compare(account, start_date=today - timedelta(days=45), end_date=today, website=sites[0])


def test_calls_credited_as_their_own_attribution_write_no_rows(account, website):
    """A call without a visitor, or whose only visit in the lookback is the one that showed the number, is credited
    as in the last-session report: nothing to correct."""
    now = timezone.now()
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website, tracking="visitor"), active=True)
    visit = VisitFactory(website=website, source="google", medium="cpc", started_at=now - timedelta(days=3))
    CallFactory(tracker=tracker, visit=visit, source="google", medium="cpc", landing_page=visit.landing_page,
                landing_page_key=visit.landing_page_key, channel=visit.channel, started_at=now - timedelta(days=3, minutes=-5))
    CallFactory(tracker=tracker, source="billboard", medium="offline", started_at=now - timedelta(days=2))
    rollup_refresh(account=account, full=True)
    assert not CreditDay.objects.filter(account=account).exists()


def test_linear_thirds_are_exact_over_many_days(account, website):
    """A linear third of a call on each of many days adds up exactly (no float drift): whole calls stay integers."""
    now = timezone.now()
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website, tracking="visitor"), active=True)
    for offset in range(2, 20):
        visitor = VisitorFactory(website=website)
        for hours, source in ((30, "a"), (20, "b"), (1, "c")):
            VisitFactory(website=website, visitor=visitor, source=source, medium="x", started_at=now - timedelta(days=offset, hours=hours))
        last = Visit.objects.filter(visitor=visitor).order_by("-started_at").first()
        CallFactory(tracker=tracker, visit=last, source="c", medium="x", started_at=now - timedelta(days=offset),
                    is_conversion=True, conversion_value=Decimal("10.00"))
    rollup_refresh(account=account, full=True)
    today = now.astimezone(ZoneInfo(account.timezone)).date()
    window = report_window(account=account, start_date=today - timedelta(days=30), end_date=today)
    rows = {row.key: row for row in report_row_list(window=window, dimension="source_medium", model=LINEAR)}
    assert rows[("a", "x")].calls == 6 and isinstance(rows[("a", "x")].calls, int)
    assert rows[("a", "x")].value == Decimal("60.00")
    _compare(account, start_date=today - timedelta(days=30), end_date=today)


def test_purged_visits_read_as_the_live_computation_and_keep_their_visit_counts(account):
    """Retention deleted the old visits (calls lose their visit): a re-roll credits those calls as the live read
    does, and the purged days keep the visit counts rolled up before (reports.retention.retained_visit_counts)."""
    now = timezone.now()
    _journeys(account, seed=11, now=now)
    zone = ZoneInfo(account.timezone)
    today = now.astimezone(zone).date()
    rollup_refresh(account=account, full=True)
    window = report_window(account=account, start_date=today - timedelta(days=45), end_date=today)
    visits_before = {row.key: row.visits for row in report_row_list(window=window, dimension="source_medium", model=LAST)}
    cutoff = datetime.combine(today - timedelta(days=20), time.min, tzinfo=zone)
    Visit.objects.filter(website__account=account, started_at__lt=cutoff).delete()
    RetentionState.objects.create(account=account, visits_purged_before=cutoff.astimezone(UTC), updated_at=now)
    rollup_refresh(account=account, full=True)
    for model in (FIRST, LINEAR):
        expected = credited_report_rows(account=account, dimension="source_medium", model=model,
                                        start=datetime.combine(today - timedelta(days=45), time.min, tzinfo=zone),
                                        end=datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone))
        rows = report_row_list(window=window, dimension="source_medium", model=model)
        strip = [(row.key, row.calls, row.answered, row.missed, row.first_time, row.conversions, row.value) for row in rows]
        assert sorted(strip) == sorted((row.key, row.calls, row.answered, row.missed, row.first_time, row.conversions,
                                        row.value) for row in expected if row.calls)
        assert {row.key: row.visits for row in rows} == visits_before
    _compare(account, start_date=today - timedelta(days=15), end_date=today)  # days with their visits


def test_a_credited_report_reads_the_rollup_in_a_few_statements(account, website):
    now = timezone.now()
    _journeys(account, seed=5, now=now)
    rollup_refresh(account=account, full=True)
    today = now.astimezone(ZoneInfo(account.timezone)).date()
    window = report_window(account=account, start_date=today - timedelta(days=30), end_date=today - timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        report_row_list(window=window, dimension="source_medium", model=LINEAR)
    assert len(queries) == 2  # the ReportDay sums and the CreditDay corrections: no read of calls or visits


@pytest.mark.postgres
def test_a_page_reads_credit_without_parallel_workers_and_the_rollup_may_use_them(account):
    """A page credits only the minutes after today's partial rollup live: starting a parallel worker costs more than
    that (it doubled the first-touch page). The rollup's chunks credit days of calls: they keep the server's setting."""
    now = timezone.now()
    _journeys(account, seed=7, now=now, days=5)
    zone = ZoneInfo(account.timezone)
    start = datetime.combine(now.astimezone(zone).date() - timedelta(days=5), time.min, tzinfo=zone)

    def settings_sent(correction: bool) -> list[str]:
        from reports.attribution_models import credit_groups

        with CaptureQueriesContext(connection) as queries:
            credit_groups(account=account, start=start, end=now, zone=zone if correction else None, correction=correction)
        return [q["sql"] for q in queries.captured_queries if "set_config" in q["sql"]]

    page = settings_sent(correction=False)
    assert len(page) == 1 and "'max_parallel_workers_per_gather', '0'" in page[0] and "'jit', 'off'" in page[0]
    rollup = settings_sent(correction=True)
    assert len(rollup) == 1 and "max_parallel_workers_per_gather" not in rollup[0]
