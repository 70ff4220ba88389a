"""The columns of the dashboard's CSV downloads: which fields, under which headers, formatted how."""

from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from reports.aggregates import Dimension, ReportRow
from reports.attribution_models import credit_text

CALL_EXPORT_FIELDS = (
    "started_at", "provider_call_id", "status", "caller_number", "tracking_number", "original_number",
    "duration_seconds", "talk_seconds", "is_first_time_caller", "source", "medium", "campaign", "term",
    "landing_page", "gclid", "attribution_method", "attribution_confidence",
)
CALL_EXPORT_HEADER = (
    "Started at", "Call id", "Status", "Caller", "Tracking number", "Forwarded to", "Duration (s)",
    "Talk time (s)", "First-time caller", "Source", "Medium", "Campaign", "Keyword", "Landing page", "GCLID",
    "Attribution method", "Attribution confidence", "Pool",
    "Outcome", "Value", "Note", "Score", "Spam", "Caller city", "Caller region", "Caller country", "Caller name", "Tags",
)
# What people marked and where the caller is from: after the pool, tags last (a comma-separated list of names).
CALL_EXPORT_MARK_FIELDS = ("outcome", "value", "note", "score", "spam", "caller_city", "caller_region", "caller_country",
                           "caller_name")

def call_export_header(*, zone_name: str) -> tuple[str, ...]:
    """The calls CSV header; the start time's column names the zone its times are in (SPEC "Time")."""
    return (f"Started at ({zone_name})", *CALL_EXPORT_HEADER[1:])


def local_time_cell(value: datetime | None, zone: ZoneInfo) -> str:
    """A time as a person reads it in a CSV: `YYYY-MM-DD HH:MM:SS` in their zone, no microseconds, no offset."""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if value else ""


REPORT_HEADER_TAIL = ("Calls", "Answered", "First-time callers", "Visits", "Conversions", "Value",
                      "Conversion rate (conversions/visits)", "Calls per visit")


def report_csv_header(spec: Dimension) -> tuple[str, ...]:
    """One column per part of the dimension's key ("Source", "Medium"), then the counts."""
    return (*(label.capitalize() for label in spec.label.split(" / ")), *REPORT_HEADER_TAIL)


def report_csv_rows(rows: Iterable[ReportRow]) -> Iterator[tuple]:
    for row in rows:
        yield (*row.key, credit_text(row.calls), credit_text(row.answered), credit_text(row.first_time),
               "" if row.visits is None else row.visits, credit_text(row.conversions), f"{row.value:.2f}",
               "" if row.conversion_rate is None else f"{row.conversion_rate:.4f}",
               "" if row.calls_per_visit is None else f"{row.calls_per_visit:.4f}")
