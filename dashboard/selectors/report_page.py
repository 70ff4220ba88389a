"""Reads of the report pages (and the numbers other pages borrow from them), all through reports.selectors."""

from decimal import Decimal

from accounts.models import Account
from attribution.classification import ADS_TRACKING_TEMPLATE, NOT_SET
from dashboard.explore import rows_sorted
from dashboard.filters import DashboardFilters
from reports.aggregates import DIMENSIONS
from reports.attribution_models import LAST, model_changes_rows
from reports.selectors import (
    ReportWindow,
    report_calls_by_key,
    report_row_list,
    report_rows_of_keys,
    report_table,
    report_window,
)
from trackers.models import CallTracker


def filters_window(*, account: Account, filters: DashboardFilters) -> ReportWindow:
    """The report window of the page's date range and website."""
    return report_window(account=account, start_date=filters.start_date, end_date=filters.end_date, website=filters.website)


def _total(values):
    """A column's total: linear shares add up to whole calls again (up to float rounding)."""
    total = sum(values)
    if isinstance(total, float):
        total = round(total, 2)
        return int(total) if total.is_integer() else total
    return total


def report_get(*, account: Account, filters: DashboardFilters, dimension: str, model: str = LAST) -> dict:
    rows = report_row_list(window=filters_window(account=account, filters=filters), dimension=dimension, model=model)
    spec = DIMENSIONS[dimension]
    totals: dict = {
        "calls": _total(row.calls for row in rows),
        "answered": _total(row.answered for row in rows),
        "first_time": _total(row.first_time for row in rows),
        "conversions": _total(row.conversions for row in rows),
        "value": sum((row.value for row in rows), Decimal("0.00")),
        "visits": sum(row.visits or 0 for row in rows) if spec.visit_fields else None,
    }
    totals["conversion_rate"] = (totals["conversions"] / totals["visits"]) if totals["visits"] else None
    return {"dimension": spec, "rows": rows, "totals": totals, "has_visits": spec.visit_fields is not None}


def report_page_get(*, account: Account, filters: DashboardFilters, dimension: str, sort: str, shown: int,
                    model: str = LAST) -> dict:
    """report_get() as the report page shows it: the first `shown` rows in the `sort` order (dashboard.explore),
    "rows_count" (all rows), the totals of all rows and "keyword_hint" (report_keyword_hint). With last-session
    attribution only the shown rows are built: a keyword report has thousands."""
    if model_changes_rows(model=model, dimension=dimension):
        data = report_get(account=account, filters=filters, dimension=dimension, model=model)
        ordered = rows_sorted(data["rows"], sort)
        data["keyword_hint"] = report_keyword_hint(dimension=dimension, rows=data["rows"])
        data["rows"], data["rows_count"] = ordered[:shown], len(ordered)
        return data
    spec = DIMENSIONS[dimension]
    table = report_table(window=filters_window(account=account, filters=filters), dimension=dimension,
                         order=sort.lstrip("-"), descending=sort.startswith("-"), limit=shown,
                         keys=[(NOT_SET,)] if dimension == "term" else [])
    totals: dict = {field: table.sums[field] for field in ("calls", "answered", "first_time", "conversions", "value")}
    totals["visits"] = table.sums["visits"] if spec.visit_fields else None
    totals["conversion_rate"] = (totals["conversions"] / totals["visits"]) if totals["visits"] else None
    return {"dimension": spec, "rows": table.rows, "rows_count": table.count, "totals": totals,
            "has_visits": spec.visit_fields is not None,
            "keyword_hint": report_keyword_hint(dimension=dimension, rows=table.of_keys.values())}


def report_previous_get(*, account: Account, filters: DashboardFilters, dimension: str, keys, model: str = LAST) -> dict:
    """report_get() of the previous period as the page compares with it: the rows of `keys` (those shown) only, the
    totals of all rows (the same numbers as report_get()'s)."""
    if model_changes_rows(model=model, dimension=dimension):
        return report_get(account=account, filters=filters, dimension=dimension, model=model)
    rows, sums = report_rows_of_keys(window=filters_window(account=account, filters=filters), dimension=dimension, keys=keys)
    spec = DIMENSIONS[dimension]
    totals: dict = {field: sums[field] for field in ("calls", "answered", "first_time", "conversions", "value")}
    totals["visits"] = sums["visits"] if spec.visit_fields else None
    totals["conversion_rate"] = (totals["conversions"] / totals["visits"]) if totals["visits"] else None
    return {"dimension": spec, "rows": rows, "totals": totals, "has_visits": spec.visit_fields is not None}


def tracker_names(*, account: Account) -> dict[str, str]:
    """Tracking number → the name people gave it (named numbers only), for the tracker report."""
    return dict(
        CallTracker.objects.filter(pool__account=account).exclude(name="")
        .order_by("deleted_at", "-id").values_list("tracking_number", "name")[:5000]
    )


def calls_by_pool_name(*, account: Account, filters: DashboardFilters) -> dict[str, int]:
    """Calls in the range per pool name (names are unique per account), from the rollup where it can."""
    calls = report_calls_by_key(window=filters_window(account=account, filters=filters), dimension="pool")
    return {key[0]: n for key, n in calls.items()}


def report_keyword_hint(*, dimension: str, rows) -> dict | None:
    """On the keyword report: paid clicks that arrived without a keyword (`(not set)`) and the Google Ads tracking
    template that fills it, or None when there are none."""
    if dimension != "term":
        return None
    untagged = next((row for row in rows if row.key == (NOT_SET,)), None)
    if untagged is None:
        return None
    return {"template": ADS_TRACKING_TEMPLATE, "calls": untagged.calls, "visits": untagged.visits or 0}
