"""Making reports explorable: sort a report's rows, compare them with the previous period, and link each row
to the calls log filtered by it. Pure functions over reports.aggregates.ReportRow-like rows (no ORM, no clock)."""

from dataclasses import dataclass
from urllib.parse import urlencode

# ?sort= values: a column, "-" first for descending. Ties keep the report's order (calls, then label).
SORT_COLUMNS = {
    "label": lambda row: row.label.lower(),
    "calls": lambda row: row.calls,
    "answered": lambda row: row.answered,
    "first_time": lambda row: row.first_time,
    "conversions": lambda row: row.conversions,
    "value": lambda row: row.value,
    "visits": lambda row: row.visits or 0,
    "conversion": lambda row: row.conversion_rate or 0.0,
}
DEFAULT_SORT = "-calls"

# Which calls-log filters one report row stands for (the row's key, in the dimension's call_fields order).
DRILL_PARAMS = {
    "source_medium": ("source", "medium"),
    "campaign": ("campaign",),
    "term": ("term",),
    # landing_page: the report groups pages (host + path, no query string), which no single call field equals.
    "tracker": ("tracking_number",),
    "pool": ("pool_name",),
    "tag": ("tag",),
}


def sort_parse(raw: str | None) -> str:
    """A valid ?sort= value, or the default (bad values are ignored, not an error)."""
    raw = (raw or "").strip()
    return raw if raw.lstrip("-") in SORT_COLUMNS else DEFAULT_SORT


def rows_sorted(rows: list, sort: str) -> list:
    column = sort.lstrip("-")
    return sorted(rows, key=SORT_COLUMNS[column], reverse=sort.startswith("-"))


def sort_links(sort: str) -> dict[str, dict]:
    """Per column: the ?sort= value its header links to (flips when it is the current one) and its arrow."""
    links = {}
    for column in SORT_COLUMNS:
        if sort.lstrip("-") == column:
            descending = sort.startswith("-")
            links[column] = {"sort": column if descending else f"-{column}", "arrow": "↓" if descending else "↑",
                             "aria": "descending" if descending else "ascending"}
        else:
            links[column] = {"sort": column if column == "label" else f"-{column}", "arrow": "", "aria": "none"}
    return links


def change(current: float | int | None, previous: float | int | None) -> float | None:
    """Relative change from the previous period (0.25 = +25 %); None when there is nothing to compare with."""
    if current is None or not previous:
        return None
    return (current - previous) / previous


@dataclass(frozen=True)
class Compared:
    row: object
    width: float              # bar width 0–100 (charts.share_bars)
    previous_calls: int
    calls_change: float | None
    drill: str | None  # the calls log's query string for this row, None when a key part is "(not set)"


def rows_compared(rows_with_width: list[tuple], previous_rows: list, dimension: str, *,
                  base_params: dict[str, str]) -> list[Compared]:
    """Rows with their previous-period calls, Δ and drill-down query (`base_params`: the page's range/website)."""
    previous = {row.key: row.calls for row in previous_rows}
    result = []
    for row, width in rows_with_width:
        before = previous.get(row.key, 0)
        drill = None
        names = DRILL_PARAMS.get(dimension)
        if names and all(row.key):
            drill = urlencode({**base_params, **dict(zip(names, row.key, strict=True))})
        result.append(Compared(row, width, before, change(row.calls, before), drill))
    return result
