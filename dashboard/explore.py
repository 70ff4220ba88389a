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

# Which calls-log filters one report row stands for (the row's key, in the dimension's call_fields order). Every
# dimension drills down, empty values included: an empty key part becomes `blank=<filter>` (dashboard.call_filters).
DRILL_PARAMS = {
    "source_medium": ("source", "medium"),
    "channel": ("channel",),
    "campaign": ("campaign",),
    "term": ("term",),
    "landing_page": ("landing_page",),  # the row's key is the page (host + path); the filter matches by page too
    "tracker": ("tracking_number",),
    "pool": ("pool_name",),
    "tag": ("tag",),
}
BLANK_PARAM = "blank"


def drill_params(dimension: str, key: tuple[str, ...]) -> dict[str, str] | None:
    """The calls-log filters of one report row: its non-empty key parts by name, the empty ones listed in `blank`
    (comma-separated). None for a dimension the calls log cannot filter by."""
    names = DRILL_PARAMS.get(dimension)
    if names is None:
        return None
    params = {name: value for name, value in zip(names, key, strict=True) if value}
    blank = [name for name, value in zip(names, key, strict=True) if not value]
    if blank:
        params[BLANK_PARAM] = ",".join(blank)
    return params


def drill_query(dimension: str, key: tuple[str, ...], base_params: dict[str, str]) -> str | None:
    """The calls log's query string for one report row (`base_params`: the page's range/website)."""
    params = drill_params(dimension, key)
    return None if params is None else urlencode({**base_params, **params})


def rows_with_drill(rows_with_width: list[tuple], dimension: str, *, base_params: dict[str, str]) -> list[tuple]:
    """[(row, width, drill query)] for the overview's short tables."""
    return [(row, width, drill_query(dimension, row.key, base_params)) for row, width in rows_with_width]


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
    return float((current - previous) / previous)


# The report columns compared with the previous period, per row and in the totals.
COMPARED_COLUMNS = ("calls", "conversions", "value")


@dataclass(frozen=True)
class Compared:
    row: object
    width: float              # bar width 0–100 (charts.share_bars)
    previous_calls: int
    calls_change: float | None
    drill: str | None         # the calls log's query string for this row, None when the dimension cannot drill
    conversions_change: float | None = None
    value_change: float | None = None


def rows_compared(rows_with_width: list[tuple], previous_rows: list, dimension: str, *,
                  base_params: dict[str, str]) -> list[Compared]:
    """Rows with their previous-period Δ of calls, conversions and value, and their drill-down query
    (`base_params`: the page's range/website)."""
    previous = {row.key: row for row in previous_rows}
    result = []
    for row, width in rows_with_width:
        before = previous.get(row.key)
        changes = {f"{column}_change": change(getattr(row, column), getattr(before, column) if before else None)
                   for column in COMPARED_COLUMNS}
        drill = drill_query(dimension, row.key, base_params)
        result.append(Compared(row, width, before.calls if before else 0, drill=drill, **changes))
    return result
