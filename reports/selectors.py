"""The one read path of reports (dashboard pages, CSV and the API): closed days from the ReportDay rollup, the
days after it live from Call/Visit.

Each function gives the same answer as its reports.aggregates counterpart over the raw tables (tests compare them);
only the cost differs. A date range is split once per request into a rolled part and a live part.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum

from accounts.models import Account, Website
from reports.aggregates import (
    CENTS,
    COUNT_FIELDS,
    DIMENSIONS,
    ReportRow,
    add_totals,
    calls_per_day,
    empty_totals,
    report_rows,
    report_rows_from_totals,
    report_visits,
)
from reports.attribution_models import LAST, credited_report_rows, model_changes_rows
from reports.models import ReportDay, RollupState


@dataclass(frozen=True)
class ReportWindow:
    account: Account
    website: Website | None
    rolled: tuple[date, date] | None         # [first day, day after last) read from ReportDay
    live: tuple[datetime, datetime] | None   # [start, end) read from Call/Visit


def report_window(*, account: Account, start_date: date, end_date: date, website: Website | None = None) -> ReportWindow:
    """The days start_date..end_date (inclusive, in the account's time zone), split where the rollup ends."""
    zone = ZoneInfo(account.timezone)
    state = RollupState.objects.filter(account=account).only("rolled_through").first()
    rolled_through = state.rolled_through if state else date.min
    split = max(start_date, min(end_date + timedelta(days=1), rolled_through))
    rolled = (start_date, split) if split > start_date else None
    live_start = datetime.combine(split, time.min, tzinfo=zone)
    end = datetime.combine(end_date + timedelta(days=1), time.min, tzinfo=zone)
    live = (live_start, end) if live_start < end else None
    return ReportWindow(account, website, rolled, live)


def _rolled(window: ReportWindow, dimension: str):
    assert window.rolled is not None
    rows = ReportDay.objects.filter(
        account=window.account, dimension=dimension, day__gte=window.rolled[0], day__lt=window.rolled[1]
    )
    if window.website is not None:
        rows = rows.filter(website=window.website)
    return rows


def _sums(*fields: str) -> dict:
    return {field: Sum(field) for field in fields or COUNT_FIELDS}


def _live_scope(window: ReportWindow) -> dict:
    assert window.live is not None
    return {"account": window.account, "start": window.live[0], "end": window.live[1], "website": window.website}


def window_bounds(window: ReportWindow) -> tuple[datetime, datetime]:
    """The window's [start, end) as times in the account's zone."""
    zone = ZoneInfo(window.account.timezone)
    start = datetime.combine(window.rolled[0], time.min, tzinfo=zone) if window.rolled else window.live[0]  # type: ignore[index]
    end = window.live[1] if window.live else datetime.combine(window.rolled[1], time.min, tzinfo=zone)  # type: ignore[index]
    return start, end


def report_row_list(*, window: ReportWindow, dimension: str, limit: int | None = None, model: str = LAST) -> list[ReportRow]:
    """reports.aggregates.report_rows() over the window; with another attribution `model` than the last session
    (reports.attribution_models), the visit dimensions' calls are credited by it, read live."""
    if model_changes_rows(model=model, dimension=dimension):
        start, end = window_bounds(window)
        return credited_report_rows(account=window.account, dimension=dimension, start=start, end=end, model=model,
                                    website=window.website, limit=limit)
    spec = DIMENSIONS[dimension]
    if window.rolled is None:
        return report_rows(dimension=dimension, limit=limit, **_live_scope(window))
    totals: dict[tuple, dict] = {}
    width = len(spec.call_fields)
    for group in _rolled(window, dimension).values("key1", "key2").annotate(**_sums()):
        add_totals(totals.setdefault((group["key1"], group["key2"])[:width], empty_totals()), group)
    if window.live is not None:
        for row in report_rows(dimension=dimension, **_live_scope(window)):
            add_totals(totals.setdefault(row.key, empty_totals()), row.__dict__)
    return report_rows_from_totals(dimension=dimension, totals=totals, limit=limit)


def report_day_list(*, window: ReportWindow) -> list[dict]:
    """calls_per_day() over the window: [{"day", "calls", "answered", "missed", "abandoned", "busy_or_failed",
    "first_time", "conversions", "value"}] for days with calls."""
    days = []
    if window.rolled is not None:
        # Every call is in exactly one row of the "pool" dimension, so its per-day sums are the day's totals.
        days = [
            {**row, "value": Decimal(row["value"] or 0).quantize(CENTS)} for row in _rolled(window, "pool").values("day")
            .annotate(**_sums(*(field for field in COUNT_FIELDS if field != "visits"))).order_by("day")
            if row["calls"]
        ]
    if window.live is not None:
        days += calls_per_day(**_live_scope(window))
    return days


def report_visit_count(*, window: ReportWindow) -> int:
    """Visits in the window (each visit is in exactly one "source_medium" row)."""
    total = 0
    if window.rolled is not None:
        total += _rolled(window, "source_medium").aggregate(n=Sum("visits"))["n"] or 0
    if window.live is not None:
        total += report_visits(**_live_scope(window)).count()
    return total
