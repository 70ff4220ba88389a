"""Report reads for the dashboard: closed days from the ReportDay rollup, the rest live from Call/Visit.

Each function gives the same answer as its calls.reports counterpart over the raw tables (tests compare them);
only the cost differs. A date range is split once per request into a rolled part and a live part.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Sum

from accounts.models import Account, Website
from calls.reports import (
    DIMENSIONS,
    ReportRow,
    calls_per_day,
    report_label,
    report_rows,
    report_visits,
)
from dashboard.filters import DashboardFilters
from dashboard.models import ReportDay, RollupState


@dataclass(frozen=True)
class ReportWindow:
    account: Account
    website: Website | None
    rolled: tuple[date, date] | None         # [first day, day after last) read from ReportDay
    live: tuple[datetime, datetime] | None   # [start, end) read from Call/Visit


def report_window(*, account: Account, filters: DashboardFilters) -> ReportWindow:
    state = RollupState.objects.filter(account=account).only("rolled_through").first()
    rolled_through = state.rolled_through if state else date.min
    split = max(filters.start_date, min(filters.end_date + timedelta(days=1), rolled_through))
    rolled = (filters.start_date, split) if split > filters.start_date else None
    live_start = datetime.combine(split, time.min, tzinfo=filters.zone)
    live = (live_start, filters.end) if live_start < filters.end else None
    return ReportWindow(account, filters.website, rolled, live)


def _rolled(window: ReportWindow, dimension: str):
    rows = ReportDay.objects.filter(
        account=window.account, dimension=dimension, day__gte=window.rolled[0], day__lt=window.rolled[1]
    )
    if window.website is not None:
        rows = rows.filter(website=window.website)
    return rows


def _live_scope(window: ReportWindow) -> dict:
    return {"account": window.account, "start": window.live[0], "end": window.live[1], "website": window.website}


def rows_for(*, window: ReportWindow, dimension: str, limit: int | None = None) -> list[ReportRow]:
    """report_rows() over the window."""
    spec = DIMENSIONS[dimension]
    if window.rolled is None:
        return report_rows(dimension=dimension, limit=limit, **_live_scope(window))
    totals: dict[tuple, dict] = {}
    width = len(spec.call_fields)
    for group in (
        _rolled(window, dimension).values("key1", "key2")
        .annotate(calls=Sum("calls"), answered=Sum("answered"), first_time=Sum("first_time"), visits=Sum("visits"))
    ):
        key = (group["key1"], group["key2"])[:width]
        into = totals.setdefault(key, {"calls": 0, "answered": 0, "first_time": 0, "visits": 0})
        for field in into:
            into[field] += group[field] or 0
    if window.live is not None:
        for row in report_rows(dimension=dimension, **_live_scope(window)):
            into = totals.setdefault(row.key, {"calls": 0, "answered": 0, "first_time": 0, "visits": 0})
            into["calls"] += row.calls
            into["answered"] += row.answered
            into["first_time"] += row.first_time
            into["visits"] += row.visits or 0
    rows = []
    for key, values in totals.items():
        if not values["calls"] and not values["visits"]:
            continue
        visits = values["visits"] if spec.visit_fields else None
        rows.append(ReportRow(
            key=key, label=report_label(key, spec.empty_label), calls=values["calls"],
            answered=values["answered"], first_time=values["first_time"], visits=visits,
            conversion_rate=(values["calls"] / visits) if visits else None,
        ))
    rows.sort(key=lambda row: (-row.calls, -(row.visits or 0), row.label))
    return rows[:limit] if limit else rows


def days_for(*, window: ReportWindow) -> list[dict]:
    """calls_per_day() over the window: [{"day", "calls", "answered", "first_time"}] for days with calls."""
    days = []
    if window.rolled is not None:
        # Every call is in exactly one row of the "pool" dimension, so its per-day sums are the day's totals.
        days = [
            row for row in _rolled(window, "pool").values("day")
            .annotate(calls=Sum("calls"), answered=Sum("answered"), first_time=Sum("first_time")).order_by("day")
            if row["calls"]
        ]
    if window.live is not None:
        days += calls_per_day(**_live_scope(window))
    return days


def visits_for(*, window: ReportWindow) -> int:
    """Visits in the window (each visit is in exactly one "source_medium" row)."""
    total = 0
    if window.rolled is not None:
        total += _rolled(window, "source_medium").aggregate(n=Sum("visits"))["n"] or 0
    if window.live is not None:
        total += report_visits(**_live_scope(window)).count()
    return total
