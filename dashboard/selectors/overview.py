"""Reads of the overview page."""

from decimal import Decimal

from accounts.models import Account
from dashboard.charts import daily_series
from dashboard.explore import change
from dashboard.filters import DashboardFilters
from dashboard.selectors.report_page import filters_window
from reports.selectors import report_day_list, report_summary

# Counted per day by calls.results / reports.aggregates: "missed" here is the calls log's ?result=missed, call for call.
DAY_COUNTS = ("calls", "answered", "missed", "abandoned", "busy_or_failed", "voicemail", "first_time", "conversions")


def _day_sums(per_day: list[dict]) -> dict:
    return {key: sum(row[key] for row in per_day) for key in DAY_COUNTS}


def _previous_totals(*, account: Account, filters: DashboardFilters, totals: dict) -> dict:
    """Relative change of each KPI against the period of the same length just before (None: nothing to compare)."""
    window = filters_window(account=account, filters=filters.previous())
    per_day = report_day_list(window=window)
    before = {**_day_sums(per_day), "value": sum((row["value"] for row in per_day), Decimal("0.00"))}
    return {key: change(totals[key], before[key])
            for key in ("calls", "answered", "missed", "first_time", "conversions", "value")}


def overview_get(*, account: Account, filters: DashboardFilters) -> dict:
    window = filters_window(account=account, filters=filters)
    summary = report_summary(window=window, dimensions=("source_medium", "campaign"))
    per_day = summary.days
    points = daily_series(per_day, filters.start_date, filters.end_date)
    sums = _day_sums(per_day)
    calls, answered, first_time, conversions = sums["calls"], sums["answered"], sums["first_time"], sums["conversions"]
    value = sum((row["value"] for row in per_day), Decimal("0.00"))
    visits = summary.visits
    campaigns = [row for row in summary.rows["campaign"][:6] if row.key != ("",)]
    totals = {
        **sums, "repeat": calls - first_time, "visits": visits, "conversions": conversions,
        "value": value.quantize(Decimal("0.01")), "currency": account.currency,
        "answer_rate": (answered / calls) if calls else None,
        "conversion_rate": (conversions / visits) if visits else None,
        "calls_per_visit": (calls / visits) if visits else None,
    }
    return {
        "points": points,
        "totals": totals,
        "changes": _previous_totals(account=account, filters=filters, totals=totals),
        "top_sources": summary.rows["source_medium"][:5],
        "top_campaigns": campaigns[:5],
    }
