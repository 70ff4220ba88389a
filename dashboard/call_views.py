"""Which query parameters make a calls-log view (what a saved view keeps): the date range and website, the log's
filters, its sort, columns and page size. Anything else in a query string (the page, a cursor) is left out."""

from urllib.parse import urlencode

RANGE_PARAMS = ("range", "start", "end", "website")
LAYOUT_PARAMS = ("sort", "columns", "per_page")
FILTER_PARAMS = ("q", "result", "status", "source", "medium", "channel", "campaign", "term", "landing_page",
                 "tracking_number", "pool", "pool_name", "first_time", "answered", "recording", "is_conversion", "tag",
                 "spam", "blank", "outcome", "score", "value_min")
VIEW_PARAMS = (*RANGE_PARAMS, *FILTER_PARAMS, *LAYOUT_PARAMS)
VIEW_VALUE_MAX = 500


def view_params_clean(params) -> dict[str, str]:
    """The view's own parameters of a query dict, non-empty, in VIEW_PARAMS order (values cut to a sane length;
    the log parses them again, with messages, when the view is applied)."""
    kept = {}
    for name in VIEW_PARAMS:
        value = str(params.get(name) or "").strip()[:VIEW_VALUE_MAX]
        if value and "\x00" not in value:
            kept[name] = value
    return kept


def view_query(params: dict[str, str]) -> str:
    return urlencode(view_params_clean(params))

