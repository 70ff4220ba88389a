"""The columns of the dashboard's CSV downloads: which fields, under which headers, formatted how."""

from collections.abc import Iterable, Iterator

from calls.reports import Dimension, ReportRow

CALL_EXPORT_FIELDS = (
    "started_at", "provider_call_id", "status", "caller_number", "tracking_number", "original_number",
    "duration_seconds", "talk_seconds", "is_first_time_caller", "source", "medium", "campaign", "term",
    "landing_page", "gclid", "attribution_method", "attribution_confidence",
)
CALL_EXPORT_HEADER = (
    "Started at (UTC)", "Call id", "Status", "Caller", "Tracking number", "Forwarded to", "Duration (s)",
    "Talk time (s)", "First-time caller", "Source", "Medium", "Campaign", "Keyword", "Landing page", "GCLID",
    "Attribution method", "Attribution confidence", "Pool",
)

REPORT_HEADER_TAIL = ("Calls", "Answered", "First-time callers", "Visits", "Conversion rate")


def report_csv_header(spec: Dimension) -> tuple[str, ...]:
    """One column per part of the dimension's key ("Source", "Medium"), then the counts."""
    return (*(label.capitalize() for label in spec.label.split(" / ")), *REPORT_HEADER_TAIL)


def report_csv_rows(rows: Iterable[ReportRow]) -> Iterator[tuple]:
    for row in rows:
        yield (*row.key, row.calls, row.answered, row.first_time,
               "" if row.visits is None else row.visits,
               "" if row.conversion_rate is None else f"{row.conversion_rate:.4f}")
