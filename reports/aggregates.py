"""Attribution reports over the raw Call/Visit tables, aggregated in SQL. Pages and the API read them through
reports.selectors, which adds the ReportDay rollup for closed days; these are its live part and its reference."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from accounts.models import Account, Website
from attribution.models import Visit
from calls.models import Call
from calls.results import call_result_counts
from pools.models import Pool


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    call_fields: tuple[str, ...]
    visit_fields: tuple[str, ...] | None  # None: visits do not split this way (tracker, pool)
    empty_label: str = "(not set)"  # the label of an empty value


# Keyword: "(not set)" is a stored value (paid clicks without a keyword), so an empty term reads differently.
TERM_EMPTY_LABEL = "(none)"


DIMENSIONS = {
    d.name: d
    for d in [
        Dimension("source_medium", "Source / medium", ("source", "medium"), ("source", "medium")),
        Dimension("channel", "Channel", ("channel",), ("channel",)),
        Dimension("campaign", "Campaign", ("campaign",), ("campaign",)),
        Dimension("term", "Keyword", ("term",), ("term",), TERM_EMPTY_LABEL),
        # Grouped by page (host + path), not by the full URL: every ad click on /contact is one row.
        Dimension("landing_page", "Landing page", ("landing_page_key",), ("landing_page_key",)),
        Dimension("tracker", "Tracking number", ("tracking_number",), None),
        Dimension("pool", "Pool", ("pool__name",), None),
        # A call with two tags is a row in each; calls without tags are one "(no tag)" row.
        Dimension("tag", "Tag", ("tags__name",), None, "(no tag)"),
    ]
}


@dataclass(frozen=True)
class ReportRow:
    key: tuple[str, ...]
    label: str
    calls: int
    answered: int
    first_time: int
    missed: int                       # calls.results: rang ≥ 15 s, nobody answered
    abandoned: int                    # unanswered, the caller left within 15 s
    busy_or_failed: int
    voicemail: int                    # unanswered, the caller left a message
    visits: int | None
    conversions: int                  # calls with is_conversion
    value: Decimal                    # sum of their conversion_value (account currency)
    conversion_rate: float | None     # conversions ÷ visits
    calls_per_visit: float | None     # calls ÷ visits


CENTS = Decimal("0.01")
_new_row = object.__new__
# The counts of one report row and of one ReportDay (empty_totals() is a row before any group is added).
COUNT_FIELDS = ("calls", "answered", "missed", "abandoned", "busy_or_failed", "voicemail", "first_time", "conversions", "value",
                "visits")


def empty_totals() -> dict:
    return {field: 0 for field in COUNT_FIELDS} | {"value": Decimal("0.00")}


def add_totals(into: dict, counts: dict) -> None:
    """Add a group's counts (missing or None: 0) to a row's totals."""
    for field in COUNT_FIELDS:
        into[field] += counts.get(field) or 0


def report_label(key: tuple[str, ...], empty_label: str = "(not set)") -> str:
    return " / ".join([part or empty_label for part in key])


def report_row_of(spec: Dimension, key: tuple, values: dict) -> ReportRow:
    """The report row of one key's totals ({"calls", "answered", …, "value", "visits"}): the one place a report row
    is assembled."""
    visits = values["visits"] if spec.visit_fields else None
    # ReportRow(**fields) without the frozen dataclass's __init__ (one object.__setattr__ per field): the same
    # object, four times quicker, which counts for the thousands of rows of a keyword report.
    row = _new_row(ReportRow)
    row.__dict__.update(
        key=key, label=report_label(key, spec.empty_label), calls=values["calls"], answered=values["answered"],
        first_time=values["first_time"], missed=values["missed"], abandoned=values["abandoned"],
        busy_or_failed=values["busy_or_failed"], voicemail=values["voicemail"], visits=visits,
        conversions=values["conversions"], value=Decimal(values["value"]).quantize(CENTS),
        conversion_rate=(values["conversions"] / visits) if visits else None,
        calls_per_visit=(values["calls"] / visits) if visits else None,
    )
    return row


def report_rows_from_totals(*, dimension: str, totals: dict[tuple, dict], limit: int | None = None) -> list[ReportRow]:
    """ReportRows from {key: {"calls", "answered", "first_time", "conversions", "value", "visits"}}, sorted by calls,
    then visits, then label; keys with neither calls nor visits are left out."""
    spec = DIMENSIONS[dimension]
    rows = [report_row_of(spec, key, values) for key, values in totals.items() if values["calls"] or values["visits"]]
    rows.sort(key=lambda row: (-row.calls, -(row.visits or 0), row.label))
    return rows[:limit] if limit else rows


# What a report's rows can be ordered by: per column, the value a row sorts by, read from its key and totals (the
# row's attribute it shows, before the row is built). REPORT_ORDER_DEFAULT is report_rows_from_totals()'s order,
# and the order of ties in any column.
REPORT_ORDERS = {
    "label": lambda spec, key, values: report_label(key, spec.empty_label).lower(),
    "calls": lambda spec, key, values: values["calls"],
    "answered": lambda spec, key, values: values["answered"],
    "first_time": lambda spec, key, values: values["first_time"],
    "conversions": lambda spec, key, values: values["conversions"],
    "value": lambda spec, key, values: Decimal(values["value"]).quantize(CENTS),
    "visits": lambda spec, key, values: values["visits"] if spec.visit_fields else 0,
    "conversion": lambda spec, key, values: (values["conversions"] / values["visits"])
    if spec.visit_fields and values["visits"] else 0.0,
}


def report_rows_ordered(*, dimension: str, totals: dict[tuple, dict], order: str = "calls", descending: bool = True,
                        limit: int | None = None) -> tuple[list[ReportRow], list[tuple[tuple, dict]]]:
    """report_rows_from_totals()'s rows put in the order of a REPORT_ORDERS column (ties in its own order), without
    building the rows after `limit`: (the first `limit` rows, every (key, totals) with calls or visits in that
    order). A keyword report has thousands of keys, and a page shows a hundred."""
    spec = DIMENSIONS[dimension]
    with_visits = spec.visit_fields is not None
    empty_label = spec.empty_label
    entries = [(key, values) for key, values in totals.items() if values["calls"] or values["visits"]]
    entries.sort(key=lambda entry: (-entry[1]["calls"], -(entry[1]["visits"] if with_visits else 0),
                                    report_label(entry[0], empty_label)))
    if order != "calls":  # by calls the default order is already in place (the sort is stable)
        value_of = REPORT_ORDERS[order]
        entries.sort(key=lambda entry: value_of(spec, *entry), reverse=descending)
    elif not descending:
        entries.sort(key=lambda entry: entry[1]["calls"])
    shown = entries[:limit] if limit else entries
    return [report_row_of(spec, key, values) for key, values in shown], entries


def call_counts() -> dict:
    """The counts every report aggregates per group of calls (`value` is None for a group without conversions)."""
    return {
        "calls": Count("id"),
        **call_result_counts(),  # answered, missed, abandoned, busy_or_failed, voicemail
        "first_time": Count("id", filter=Q(is_first_time_caller=True)),
        "conversions": Count("id", filter=Q(is_conversion=True)),
        "value": Sum("conversion_value", filter=Q(is_conversion=True)),
    }


def report_calls(*, account: Account, start: datetime, end: datetime, website: Website | None = None,
                 spam: bool | None = False):
    """The calls reports count: spam calls are left out unless asked for (`spam=True` only them, None all)."""
    calls = Call.objects.filter(account=account, started_at__gte=start, started_at__lt=end)
    if spam is not None:
        calls = calls.filter(spam=spam)
    if website is not None:
        # The website's pools as a list, not a join: PostgreSQL would otherwise read the pools' calls through their
        # pool index (millions of rows) next to the few of the time range.
        calls = calls.filter(pool_id__in=list(Pool.objects.filter(website=website).values_list("id", flat=True)))
    return calls


def report_visits(*, account: Account, start: datetime, end: datetime, website: Website | None = None):
    visits = Visit.objects.filter(website__account=account, started_at__gte=start, started_at__lt=end, is_bot=False)
    if website is not None:
        visits = visits.filter(website=website)
    return visits


def report_rows(*, account: Account, dimension: str, start: datetime, end: datetime,
                website: Website | None = None, limit: int | None = None) -> list[ReportRow]:
    """Rows sorted by calls, then visits. A dimension value with visits but no calls is still a row."""
    spec = DIMENSIONS[dimension]
    call_groups = (
        report_calls(account=account, start=start, end=end, website=website)
        .values(*spec.call_fields)
        .annotate(**call_counts())
    )
    by_key: dict[tuple, dict] = {}
    for group in call_groups:
        key = tuple(group[field] or "" for field in spec.call_fields)
        add_totals(by_key.setdefault(key, empty_totals()), group)
    if spec.visit_fields:
        visit_groups = (
            report_visits(account=account, start=start, end=end, website=website)
            .values(*spec.visit_fields)
            .annotate(visits=Count("id"))
        )
        for group in visit_groups:
            key = tuple(group[field] or "" for field in spec.visit_fields)
            by_key.setdefault(key, empty_totals())["visits"] = group["visits"]
    return report_rows_from_totals(dimension=dimension, totals=by_key, limit=limit)


def calls_per_day(*, account: Account, start: datetime, end: datetime, website: Website | None = None) -> list[dict]:
    """[{"day": date, "calls", "answered", "missed", "abandoned", "busy_or_failed", "first_time", "conversions",
    "value"}] in the account's time zone, days
    with calls only."""
    zone = ZoneInfo(account.timezone)
    days = list(
        report_calls(account=account, start=start, end=end, website=website)
        .annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day")
        .annotate(**call_counts())
        .order_by("day")
    )
    for day in days:
        day["value"] = Decimal(day["value"] or 0).quantize(CENTS)
    return days
