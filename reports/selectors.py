"""The one read path of reports (dashboard pages, CSV and the API): closed days from the ReportDay rollup, the
days after it live from Call/Visit.

Each function gives the same answer as its reports.aggregates counterpart over the raw tables (tests compare them);
only the cost differs. A date range is split once per request into a rolled part and a live part.
"""

import operator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Context, Decimal
from functools import reduce
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from accounts.models import Account, Website
from calls.models import Call
from reports.aggregates import (
    CENTS,
    COUNT_FIELDS,
    DIMENSIONS,
    ReportRow,
    add_totals,
    call_counts,
    calls_per_day,
    empty_totals,
    report_calls,
    report_row_of,
    report_rows,
    report_rows_from_totals,
    report_rows_ordered,
    report_visits,
)
from reports.attribution_models import (
    CREDIT_COUNTS,
    LAST,
    credit_groups,
    credited_rows_from_parts,
    model_changes_rows,
)
from reports.models import CreditDay, ReportDay, ReportSpan, RollupState, span_pieces

_FLOAT_CONTEXT = Context(prec=15)


@dataclass(frozen=True)
class ReportWindow:
    account: Account
    website: Website | None
    rolled: tuple[date, date] | None         # [first day, day after last) read from ReportDay
    live: tuple[datetime, datetime] | None   # [start, end) read from Call/Visit; may start inside the last rolled day
    whole_until: date | None = None          # the rolled days before this one are whole (not today's partial day)


def report_window(*, account: Account, start_date: date, end_date: date, website: Website | None = None) -> ReportWindow:
    """The days start_date..end_date (inclusive, in the account's time zone), split where the rollup ends: at the
    end of the rolled days, or inside today where its partial rollup ends (RollupState.partial_until)."""
    state = RollupState.objects.filter(account=account).only("rolled_through", "partial_until").first()
    return _window_of(account=account, state=state, start_date=start_date, end_date=end_date, website=website)


def report_windows_of_accounts(*, spans: list[tuple[Account, date, date]]) -> list[ReportWindow]:
    """report_window() of several accounts (each with its own days start_date..end_date), in one query."""
    states = {state.account_id: state for state in RollupState.objects.filter(
        account__in=[account.pk for account, _, _ in spans]).only("account", "rolled_through", "partial_until")}
    return [_window_of(account=account, state=states.get(account.pk), start_date=start_date, end_date=end_date, website=None)
            for account, start_date, end_date in spans]


def _window_of(*, account: Account, state: RollupState | None, start_date: date, end_date: date,
               website: Website | None) -> ReportWindow:
    zone = ZoneInfo(account.timezone)
    rolled_through = state.rolled_through if state else date.min
    end = datetime.combine(end_date + timedelta(days=1), time.min, tzinfo=zone)
    if state is not None and state.partial_until is not None and start_date <= rolled_through <= end_date:
        live = (state.partial_until, end) if state.partial_until < end else None
        return ReportWindow(account, website, (start_date, rolled_through + timedelta(days=1)), live, rolled_through)
    split = max(start_date, min(end_date + timedelta(days=1), rolled_through))
    rolled = (start_date, split) if split > start_date else None
    live_start = datetime.combine(split, time.min, tzinfo=zone)
    live = (live_start, end) if live_start < end else None
    return ReportWindow(account, website, rolled, live, split if rolled else None)


def _days_merged(days: list[dict]) -> list[dict]:
    """Per-day rows with a day in both the rolled and the live part (today's partial rollup) added into one."""
    merged: dict[date, dict] = {}
    for row in days:
        into = merged.get(row["day"])
        if into is None:
            merged[row["day"]] = dict(row)
        else:
            for field, count in row.items():
                if field != "day":
                    into[field] = (into.get(field) or 0) + (count or 0)
    return [merged[day] for day in sorted(merged)]


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


def report_row_list(*, window: ReportWindow, dimension: str, limit: int | None = None, model: str = LAST) -> list[ReportRow]:
    """reports.aggregates.report_rows() over the window; with another attribution `model` than the last session
    (reports.attribution_models), the visit dimensions' calls are credited by it, read live."""
    if model_changes_rows(model=model, dimension=dimension):
        return _credited_row_list(window=window, dimension=dimension, model=model, limit=limit)
    if window.rolled is None:
        return report_rows(dimension=dimension, limit=limit, **_live_scope(window))
    return report_rows_from_totals(dimension=dimension, totals=_report_totals(window, dimension), limit=limit)


def _report_totals(window: ReportWindow, dimension: str) -> dict[tuple, dict]:
    """{key: report totals} over the window (last-session attribution): the rolled days' and the live part's."""
    totals = _rolled_totals(window, dimension) if window.rolled is not None else {}
    if window.live is not None:
        for row in report_rows(dimension=dimension, **_live_scope(window)):
            add_totals(totals.setdefault(row.key, empty_totals()), row.__dict__)
    return totals


@dataclass(frozen=True)
class ReportTable:
    """A report as a page shows it: its first rows in one order, how many rows it has, and the sums of them all."""

    rows: list[ReportRow]               # the first rows in the order asked for
    count: int                          # the rows of the whole report
    sums: dict                          # {field: sum over every row} of COUNT_FIELDS (value in cents)
    of_keys: dict[tuple, ReportRow]     # the rows of the keys asked for, wherever they are in the order


def report_table(*, window: ReportWindow, dimension: str, order: str = "calls", descending: bool = True,
                 limit: int, keys=()) -> ReportTable:
    """report_row_list() (last-session attribution) ordered by a reports.aggregates.REPORT_ORDERS column (ties in
    the report's own order), its first `limit` rows only built: the same rows, count and sums as the whole list."""
    spec = DIMENSIONS[dimension]
    totals = _report_totals(window, dimension)
    rows, entries = report_rows_ordered(dimension=dimension, totals=totals, order=order, descending=descending,
                                        limit=limit)
    every = [values for _, values in entries]
    sums = {field: sum(map(itemgetter(field), every)) for field in COUNT_FIELDS if field != "value"}
    # Each value has at most two decimal places (a sum of cents), so their sum quantized is the sum of them quantized.
    sums["value"] = Decimal(sum(map(itemgetter("value"), every), Decimal("0.00"))).quantize(CENTS)
    of_keys = {}
    for key in keys:
        values = totals.get(tuple(key))
        if values is not None and (values["calls"] or values["visits"]):
            of_keys[tuple(key)] = report_row_of(spec, tuple(key), values)
    return ReportTable(rows=rows, count=len(entries), sums=sums, of_keys=of_keys)


def report_calls_by_key(*, window: ReportWindow, dimension: str) -> dict[tuple, int]:
    """{row key: calls} of report_row_list()'s rows with calls (last session): the pool pages' calls per pool. Two
    queries: the rolled days as report_row_list reads them (ReportSpan blocks and edge days), the live calls counted
    and nothing else."""
    calls: dict[tuple, int] = {}
    if window.rolled is not None:
        calls = {key: counts["calls"] or 0 for key, counts in _rolled_totals(window, dimension).items()}
    if window.live is not None:
        fields = DIMENSIONS[dimension].call_fields
        for group in report_calls(**_live_scope(window)).values(*fields).annotate(n=Count("id")).order_by():
            key = tuple(group[field] or "" for field in fields)
            calls[key] = calls.get(key, 0) + group["n"]
    return {key: n for key, n in calls.items() if n}


def _rolled_totals(window: ReportWindow, dimension: str, only: frozenset[str] | None = None) -> dict[tuple, dict]:
    """{key: report totals} of the window's rolled days: the aligned blocks inside its whole days from ReportSpan,
    the days at the edges (and today's partial day) from ReportDay. With `only` (one-field dimensions): the keys
    in it, and all the others summed under the key (None,)."""
    assert window.rolled is not None
    first, end = window.rolled
    whole_end = min(end, window.whole_until or first)
    blocks, single = span_pieces(first, whole_end) if whole_end > first else ([], [])
    groups: list[QuerySet] = []
    if blocks:
        by_length: dict[int, list[date]] = {}
        for start, length in blocks:
            by_length.setdefault(length, []).append(start)
        which = Q()
        for length, starts in by_length.items():
            which |= Q(days=length, start__in=starts)
        spans = ReportSpan.objects.filter(which, account=window.account, dimension=dimension)
        if window.website is not None:
            spans = spans.filter(website=window.website)
        groups.append(spans)
    if not blocks:
        days = Q(day__gte=first, day__lt=end)
    else:
        days = Q(day__in=single) if single else Q()
        if whole_end < end:
            days |= Q(day__gte=whole_end, day__lt=end)
    if days:
        rows = ReportDay.objects.filter(days, account=window.account, dimension=dimension)
        if window.website is not None:
            rows = rows.filter(website=window.website)
        groups.append(rows)
    # One statement: the blocks' and the days' rows together, summed per key.
    parts, params = [], []
    for rows in groups:
        sql, part_params = rows.values("key1", "key2", *COUNT_FIELDS).query.get_compiler(using=rows.db).as_sql()
        parts.append(sql)
        params += part_params
    sums = ", ".join(f"SUM({field})" for field in COUNT_FIELDS)
    union = " UNION ALL ".join(parts)
    if only is None:
        statement = f"SELECT key1, key2, {sums} FROM ({union}) parts GROUP BY key1, key2"
    elif only:
        wanted = ", ".join(["%s"] * len(only))
        statement = f"SELECT CASE WHEN key1 IN ({wanted}) THEN key1 END, '', {sums} FROM ({union}) parts GROUP BY 1"
        params = [*sorted(only), *params]
    else:
        statement = f"SELECT NULL, '', {sums} FROM ({union}) parts"
    totals: dict[tuple, dict] = {}
    width = len(DIMENSIONS[dimension].call_fields)
    value_at = 2 + COUNT_FIELDS.index("value")
    with connections[ReportDay.objects.db].cursor() as cursor:
        cursor.execute(statement, params)
        sums_by_key = cursor.fetchall()
    if sums_by_key and not isinstance(sums_by_key[0][value_at], Decimal):  # SQLite sums decimals as floats (or ints)
        sums_by_key = [(*row[:value_at], _FLOAT_CONTEXT.create_decimal_from_float(float(row[value_at] or 0))
                        .quantize(CENTS), *row[value_at + 1:]) for row in sums_by_key]
    for row in sums_by_key:
        if row[2] is None:  # the sums of no rows (`only` empty)
            continue
        key = row[:2] if width == 2 else row[:1]
        counts = dict(zip(COUNT_FIELDS, row[2:], strict=True))
        if key in totals:  # only if a one-field dimension's row had a key2
            add_totals(totals[key], counts)
        else:
            totals[key] = counts
    return totals


def report_rows_of_keys(*, window: ReportWindow, dimension: str, keys) -> tuple[list[ReportRow], dict]:
    """What a page compares its shown rows with, for far less than report_row_list(): the rows of `keys` (those of
    them with calls or visits) and the totals of every row, {field: sum} of COUNT_FIELDS (the sums of
    report_row_list()'s rows, exactly: the rows it leaves out count nothing). Last-session attribution."""
    spec = DIMENSIONS[dimension]
    wanted = {tuple(key) for key in keys}
    if len(spec.call_fields) != 1:
        rows = report_row_list(window=window, dimension=dimension)
        everything = empty_totals()
        for row in rows:
            add_totals(everything, row.__dict__)
        return [row for row in rows if row.key in wanted], everything
    only = frozenset(key[0] for key in wanted)
    totals = _rolled_totals(window, dimension, only=only) if window.rolled is not None else {}
    if window.live is not None:
        for row in report_rows(dimension=dimension, **_live_scope(window)):
            key = row.key if row.key[0] in only else (None,)
            add_totals(totals.setdefault(key, empty_totals()), row.__dict__)
    everything = empty_totals()
    for counts in totals.values():
        add_totals(everything, counts)
    everything["value"] = Decimal(everything["value"]).quantize(CENTS)
    totals.pop((None,), None)
    return report_rows_from_totals(dimension=dimension, totals=totals), everything


def _credited_row_list(*, window: ReportWindow, dimension: str, model: str, limit: int | None) -> list[ReportRow]:
    """reports.attribution_models.credited_report_rows() over the window: the rolled days' last-session totals
    (ReportDay) with their corrections under `model` (CreditDay), the live days credited from Call/Visit."""
    width = len(DIMENSIONS[dimension].call_fields)
    whole: dict[tuple, dict] = {}
    shared: list[tuple[tuple, int, list]] = []
    if window.rolled is not None:
        whole = _rolled_totals(window, dimension)
        corrections = CreditDay.objects.filter(account=window.account, model=model, dimension=dimension,
                                               day__gte=window.rolled[0], day__lt=window.rolled[1])
        if window.website is not None:
            corrections = corrections.filter(website=window.website)
        for group in corrections.values("key1", "key2", "share").annotate(**_sums(*CREDIT_COUNTS)):
            sums = dict(group)
            shared.append(((group["key1"], group["key2"])[:width], group["share"],
                           [sums[field] or 0 for field in CREDIT_COUNTS]))
    if window.live is not None:
        scope = _live_scope(window)
        credit = credit_groups(**scope, dimensions=(dimension,), models=(model,))
        shared += [((key1, key2)[:width], share, counts) for (_, _, _, _, key1, key2, share), counts in credit.items()]
        fields = DIMENSIONS[dimension].visit_fields or ()
        for group in report_visits(**scope).values(*fields).annotate(visits=Count("id")):
            key = tuple(group[field] or "" for field in fields)
            whole.setdefault(key, empty_totals())["visits"] += group["visits"]
    return credited_rows_from_parts(dimension=dimension, whole=whole, shared=shared, limit=limit)


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
        days = _days_merged(days + calls_per_day(**_live_scope(window)))
    return days


SUMMARY_FIELDS = ("calls", "answered", "conversions", "value")


def call_totals_of_windows(*, windows: list[ReportWindow]) -> dict[int, dict]:
    """{account id: {"calls", "answered", "conversions", "value"}}: report_day_list()'s days summed, for the windows
    of several accounts (no website) at once, in two queries (the rolled days, the live calls)."""
    assert all(window.website is None for window in windows)
    totals = {window.account.pk: {"calls": 0, "answered": 0, "conversions": 0, "value": Decimal("0.00")} for window in windows}

    def add(rows):
        for row in rows:
            into: dict = totals[row["account_id"]]
            for field in SUMMARY_FIELDS:
                into[field] += Decimal(row[field] or 0).quantize(CENTS) if field == "value" else (row[field] or 0)

    rolled = [Q(account=w.account, day__gte=w.rolled[0], day__lt=w.rolled[1]) for w in windows if w.rolled is not None]
    if rolled:
        # Every call is in exactly one row of the "pool" dimension, so its sums are the calls' totals.
        add(ReportDay.objects.filter(reduce(operator.or_, rolled), dimension="pool").values("account_id")
            .annotate(**_sums(*SUMMARY_FIELDS)).order_by())
    live = [Q(account=w.account, started_at__gte=w.live[0], started_at__lt=w.live[1]) for w in windows if w.live is not None]
    if live:
        counts = call_counts()
        add(Call.objects.filter(reduce(operator.or_, live), spam=False).values("account_id")
            .annotate(**{field: counts[field] for field in SUMMARY_FIELDS}).order_by())
    return totals


def report_visit_count(*, window: ReportWindow) -> int:
    """Visits in the window (each visit is in exactly one "source_medium" row)."""
    total = 0
    if window.rolled is not None:
        total += _rolled(window, "source_medium").aggregate(n=Sum("visits"))["n"] or 0
    if window.live is not None:
        total += report_visits(**_live_scope(window)).count()
    return total


@dataclass(frozen=True)
class ReportSummary:
    """What the overview reads of a window, all at once: report_day_list(), report_visit_count() and
    report_row_list() of some dimensions (all their rows)."""

    days: list[dict]
    visits: int
    rows: dict[str, list[ReportRow]]


def report_summary(*, window: ReportWindow, dimensions: tuple[str, ...]) -> ReportSummary:
    """report_day_list(), report_visit_count() and each of `dimensions`' report_row_list() (visit dimensions only)
    over the window, the same numbers in fewer statements: the rolled days' visits are the sum of a dimension's
    (each visit is in exactly one row of each visit dimension), and the live days are read once, their calls grouped
    by day and every dimension's fields together, their visits by the fields together."""
    specs = {name: DIMENSIONS[name] for name in dimensions}
    assert specs and all(spec.visit_fields for spec in specs.values()), "visit dimensions only"
    totals = {name: _rolled_totals(window, name) if window.rolled is not None else {} for name in specs}
    visits = sum(row["visits"] for row in next(iter(totals.values())).values())
    days = report_day_list(window=replace(window, live=None)) if window.rolled is not None else []
    if window.live is not None:
        scope = _live_scope(window)
        zone = ZoneInfo(window.account.timezone)
        fields = sorted({field for spec in specs.values() for field in spec.call_fields})
        by_day: dict[date, dict] = {}
        groups = (report_calls(**scope).annotate(day=TruncDate("started_at", tzinfo=zone))
                  .values("day", *fields).annotate(**call_counts()))
        for group in groups:
            add_totals(by_day.setdefault(group["day"], {"day": group["day"], **empty_totals()}), group)
            for name, spec in specs.items():
                add_totals(totals[name].setdefault(tuple(group[f] or "" for f in spec.call_fields), empty_totals()), group)
        for day in sorted(by_day):
            row = by_day[day]
            del row["visits"]
            days.append({**row, "value": Decimal(row["value"]).quantize(CENTS)})
        days = _days_merged(days)
        visit_fields = sorted({field for spec in specs.values() for field in spec.visit_fields or ()})
        for group in report_visits(**scope).values(*visit_fields).annotate(visits=Count("id")):
            visits += group["visits"]
            for name, spec in specs.items():
                key = tuple(group[f] or "" for f in spec.visit_fields or ())
                totals[name].setdefault(key, empty_totals())["visits"] += group["visits"]
    return ReportSummary(days=days, visits=visits,
                         rows={name: report_rows_from_totals(dimension=name, totals=totals[name]) for name in specs})
