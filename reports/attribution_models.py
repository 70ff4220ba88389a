"""Attribution models: which visits get the credit for a call (SPEC "Attribution", `?model=`).

- `last` (default): the session that showed the number — the call's own attribution snapshot.
- `first`: the visitor's first visit within the lookback window before the call (first touch).
- `linear`: an equal share for each of the visitor's sessions within the lookback window.

A call without a visitor (source pools, offline numbers, calls no lease explains) keeps its own attribution in
every model, so a report's totals are the same in every model; only the split between rows differs. Linear shares
are exact fractions until a row is built. Bot visits never get credit. Only the visit dimensions (source/medium,
channel, campaign, keyword, landing page) change with the model; tracker, pool and tag rows are the call's own.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Value
from django.db.models.functions import TruncDate

from accounts.models import Account, Website
from attribution.models import Visit
from calls.results import COUNTED_RESULTS, call_result_expression
from reports.aggregates import (
    DIMENSIONS,
    ReportRow,
    empty_totals,
    report_calls,
    report_rows_from_totals,
    report_visits,
)

Touch = TypeVar("Touch")

LAST, FIRST, LINEAR = "last", "first", "linear"
MODELS = {LAST: "Last session", FIRST: "First touch", LINEAR: "Linear"}
MODEL_HELP = {
    LAST: "Each call counts for the session that showed the number.",
    FIRST: "Each call counts for the visitor's first visit in the {days} days before it.",
    LINEAR: "Each call is shared equally among the visitor's visits in the {days} days before it.",
}
LOOKBACK_DAYS = 30
_VISITOR_CHUNK = 2000
_CREDITED = ("calls", *(result.value for result in COUNTED_RESULTS), "first_time", "conversions", "value")


def model_changes_rows(*, model: str, dimension: str) -> bool:
    """Whether `model` can split `dimension` differently from the last-session report."""
    return model != LAST and DIMENSIONS[dimension].visit_fields is not None


def touch_shares(*, model: str, touches: list[Touch]) -> list[tuple[Touch, Fraction]]:
    """(touch, share) for the touches (oldest first) that get credit for one call under `model`. Pure."""
    if not touches:
        return []
    if model == FIRST:
        return [(touches[0], Fraction(1))]
    if model == LINEAR:
        share = Fraction(1, len(touches))
        return [(touch, share) for touch in touches]
    return [(touches[-1], Fraction(1))]


def credit_text(value):
    """A count as people read it (pages, CSV): whole numbers as integers, linear shares to two decimals."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}"
    return int(value)


def _number(value: Fraction):
    """An exact share as the report shows it: an int when whole, else a float (linear splits)."""
    return int(value) if value.denominator == 1 else float(value)


def credited_report_rows(*, account: Account, dimension: str, start: datetime, end: datetime, model: str,
                         website: Website | None = None, lookback_days: int = LOOKBACK_DAYS,
                         limit: int | None = None) -> list[ReportRow]:
    """reports.aggregates.report_rows() with each call credited by `model` (calls, results, first-time,
    conversions and value are shared; visits are counted as in every report). Read live from Call/Visit."""
    spec = DIMENSIONS[dimension]
    assert spec.visit_fields is not None, "only the visit dimensions change with the model"
    lookback = timedelta(days=lookback_days)
    calls = list(
        report_calls(account=account, start=start, end=end, website=website)
        .annotate(result=call_result_expression())
        .values("id", "started_at", "visit__visitor_id", "result", "is_first_time_caller", "is_conversion",
                "conversion_value", *spec.call_fields)
    )
    touches = _touches_by_visitor(
        visitor_ids={call["visit__visitor_id"] for call in calls if call["visit__visitor_id"]},
        fields=spec.visit_fields, start=start - lookback, end=end,
    )
    totals: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(_CREDITED, Fraction(0)))
    for call in calls:
        counts = _call_counts(call)
        visits = [t for t in touches.get(call["visit__visitor_id"], ())
                  if call["started_at"] - lookback <= t["started_at"] <= call["started_at"]]
        shares = touch_shares(model=model, touches=visits)
        if not shares:  # no visitor, or none of its visits in the window: the call's own attribution
            shares = [(call, Fraction(1))]
        for touch, share in shares:
            row = totals[tuple(touch[field] or "" for field in spec.call_fields)]
            for field, count in counts.items():
                row[field] += count * share
    by_key = {
        key: {**{field: _number(value) for field, value in row.items() if field != "value"},
              "value": Decimal(row["value"].numerator) / Decimal(row["value"].denominator), "visits": 0}
        for key, row in totals.items()
    }
    for group in report_visits(account=account, start=start, end=end, website=website).values(*spec.visit_fields) \
            .annotate(visits=Count("id")):
        key = tuple(group[field] or "" for field in spec.visit_fields)
        by_key.setdefault(key, {**dict.fromkeys(_CREDITED, 0), "value": Decimal(0)})["visits"] = group["visits"]
    # Linear shares stay unrounded floats (a column adds up to whole calls again); faces show two decimals.
    return report_rows_from_totals(dimension=dimension, totals=by_key, limit=limit)


# The counts a credit row holds, in this order (ReportDay's without visits); `value` last.
CREDIT_COUNTS = ("calls", *(result.value for result in COUNTED_RESULTS), "first_time", "conversions", "value")
CREDIT_MODELS = (FIRST, LINEAR)
CREDIT_DIMENSIONS = tuple(name for name, spec in DIMENSIONS.items() if spec.visit_fields is not None)


def credit_groups(*, account: Account, start: datetime, end: datetime, website: Website | None = None,
                  dimensions: Iterable[str] = CREDIT_DIMENSIONS, models: Iterable[str] = CREDIT_MODELS,
                  zone: ZoneInfo | None = None, correction: bool = False,
                  lookback_days: int = LOOKBACK_DAYS) -> dict[tuple, list]:
    """The credit the calls of [start, end) give under each of `models`, in integers:
    {(site, day, model, dimension, key1, key2, share): [calls, answered, missed, abandoned, busy_or_failed,
    voicemail, first_time, conversions, value]}, every count a numerator over `share` (a linear share is 1/share of
    the call), `site` the call's pool's website, `day` its day in `zone` (None without a zone).

    With `correction`, each call's own attribution (the last-session report's) is taken off again: what is left is
    the difference the model makes, empty for a call whose credit is its own (reports.models.CreditDay). Exact: the
    same shares as credited_report_rows(), whose reference this is tested against. PostgreSQL computes it in one
    statement (_credit_groups_sql); other databases in Python, call by call."""
    compute = _credit_groups_sql if connection.vendor == "postgresql" else _credit_groups_python
    return compute(account=account, start=start, end=end, website=website, dimensions=tuple(dimensions),
                   models=tuple(models), zone=zone, correction=correction, lookback=timedelta(days=lookback_days))


def _credit_groups_python(*, account: Account, start: datetime, end: datetime, website: Website | None,
                          dimensions: tuple[str, ...], models: tuple[str, ...], zone: ZoneInfo | None,
                          correction: bool, lookback: timedelta) -> dict[tuple, list]:
    """credit_groups() call by call."""
    specs = [(name, DIMENSIONS[name].call_fields) for name in dimensions]
    fields = sorted({field for _, names in specs for field in names})
    calls = list(
        report_calls(account=account, start=start, end=end, website=website)
        .annotate(result=call_result_expression(), site=F("pool__website_id"))
        .values("started_at", "visit__visitor_id", "result", "is_first_time_caller", "is_conversion",
                "conversion_value", "site", *fields)
    )
    touches = _touches_by_visitor(
        visitor_ids={call["visit__visitor_id"] for call in calls if call["visit__visitor_id"]},
        fields=tuple(fields), start=start - lookback, end=end,
    )
    results = {name: index for index, name in enumerate(CREDIT_COUNTS) if name not in ("calls", "first_time", "conversions", "value")}
    groups: dict[tuple, list] = {}

    def add(key: tuple, counts: list, sign: int) -> None:
        into = groups.get(key)
        if into is None:
            groups[key] = [sign * count for count in counts]
        else:
            for index, count in enumerate(counts):
                into[index] += sign * count

    for call in calls:
        counts = [1, 0, 0, 0, 0, 0, int(call["is_first_time_caller"]), 0, Decimal(0)]
        if call["result"] in results:
            counts[results[call["result"]]] = 1
        if call["is_conversion"]:
            counts[7], counts[8] = 1, call["conversion_value"] or Decimal(0)
        day = call["started_at"].astimezone(zone).date() if zone is not None else None
        visits = [t for t in touches.get(call["visit__visitor_id"], ())
                  if call["started_at"] - lookback <= t["started_at"] <= call["started_at"]]
        for model in models:
            shares = touch_shares(model=model, touches=visits)
            for name, names in specs:
                own = _key_pair(call, names)
                # No visitor, or none of its visits in the window: the call's own attribution.
                credited = [(_key_pair(touch, names), share.denominator) for touch, share in shares] or [(own, 1)]
                if correction:
                    if credited == [(own, 1)]:
                        continue  # credited as in the last-session report: nothing to correct
                    add((call["site"], day, model, name, *own, 1), counts, -1)
                for key, share in credited:
                    add((call["site"], day, model, name, *key, share), counts, 1)
    return {key: counts for key, counts in groups.items() if any(counts)}


def _credit_groups_sql(*, account: Account, start: datetime, end: datetime, website: Website | None,
                       dimensions: tuple[str, ...], models: tuple[str, ...], zone: ZoneInfo | None,
                       correction: bool, lookback: timedelta) -> dict[tuple, list]:
    """credit_groups() in one PostgreSQL statement: the calls (as report_calls() selects them), each call's
    visitor's human visits in its lookback window numbered oldest first, one credit entry per credited touch (or
    the call itself without one; with `correction`, minus the call's own attribution), summed per group."""
    fields = sorted({field for name in dimensions for field in DIMENSIONS[name].call_fields})
    day = TruncDate("started_at", tzinfo=zone) if zone is not None else Value(None, output_field=DateField())
    calls = (report_calls(account=account, start=start, end=end, website=website)
             .annotate(result=call_result_expression(), site=F("pool__website_id"), visitor=F("visit__visitor_id"), day=day)
             .values("id", "started_at", "visitor", "site", "day", "result", "is_first_time_caller", "is_conversion",
                     "conversion_value", *fields).order_by())
    calls_sql, calls_params = calls.query.sql_with_params()
    meta = "site, day, result, is_first_time_caller, is_conversion, conversion_value"
    columns = ", ".join(f'"{field}"' for field in fields)
    models_sql = ", ".join("(%s)" for _ in models)
    params: list = [*calls_params, lookback.total_seconds(), start - lookback, end]
    entries = []
    # With `correction`, a call without a visit in its window, or with only the visit whose keys are its own, is
    # credited as its own attribution under every model: it corrects nothing and is left out.
    touched = "WHERE NOT t.own" if correction else ""
    if correction:
        entries.append(f"SELECT {meta}, m.model AS model, 1 AS share, -1 AS sign, {columns} "
                       f"FROM c CROSS JOIN (VALUES {models_sql}) m(model) "
                       "WHERE EXISTS (SELECT 1 FROM t WHERE t.call_id = c.id AND NOT t.own)")
        params += models
    else:
        entries.append(f"SELECT {meta}, m.model AS model, 1 AS share, 1 AS sign, {columns} FROM c "
                       f"CROSS JOIN (VALUES {models_sql}) m(model) WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.call_id = c.id)")
        params += models
    if FIRST in models:
        entries.append(f"SELECT {meta}, %s, 1, 1, {columns} FROM t WHERE rn = 1 {touched.replace('WHERE', 'AND')}")
        params.append(FIRST)
    if LINEAR in models:
        entries.append(f"SELECT {meta}, %s, n, 1, {columns} FROM t {touched}")
        params.append(LINEAR)
    results = [name for name in CREDIT_COUNTS if name not in ("calls", "first_time", "conversions", "value")]
    sums = ["sum(e.sign)", *("coalesce(sum(e.sign) FILTER (WHERE e.result = %s), 0)" for _ in results),
            "coalesce(sum(e.sign) FILTER (WHERE e.is_first_time_caller), 0)",
            "coalesce(sum(e.sign) FILTER (WHERE e.is_conversion), 0)",
            "coalesce(sum(e.sign * e.conversion_value) FILTER (WHERE e.is_conversion), 0)"]
    params += results
    keys = []
    for name in dimensions:
        names = DIMENSIONS[name].call_fields
        second = f'coalesce(e."{names[1]}", \'\')' if len(names) > 1 else "''"
        keys.append(f"(%s, coalesce(e.\"{names[0]}\", ''), {second})")
        params.append(name)
    touch_columns = ", ".join(f'v."{field}"' for field in fields)
    same = " AND ".join(f"coalesce(v.\"{field}\", '') = coalesce(c.\"{field}\", '')" for field in fields)
    c_meta = ", ".join(f"c.{column.strip()}" for column in meta.split(","))
    sql = f"""
        WITH c AS ({calls_sql}),
        t AS (
            SELECT c.id AS call_id, {c_meta}, {touch_columns},
                   row_number() OVER (PARTITION BY c.id ORDER BY v.started_at, v.id) AS rn,
                   count(*) OVER (PARTITION BY c.id) AS n,
                   count(*) OVER (PARTITION BY c.id) = 1 AND {same} AS own
            FROM c JOIN attribution_visit v ON v.visitor_id = c.visitor AND NOT v.is_bot
                AND v.started_at >= c.started_at - %s * interval '1 second' AND v.started_at <= c.started_at
                AND v.started_at >= %s AND v.started_at < %s
        ),
        e AS ({" UNION ALL ".join(entries)})
        SELECT e.site, e.day, e.model, d.dimension, d.key1, d.key2, e.share, {", ".join(sums)}
        FROM e CROSS JOIN LATERAL (VALUES {", ".join(keys)}) d(dimension, key1, key2)
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    """
    groups = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # The groups are summed in memory, not sorted on disk; compiling the statement (JIT) costs more than it runs.
        # A page reads only the minutes after today's partial rollup: starting a parallel worker costs more than that.
        settings = "set_config('work_mem', '256MB', true), set_config('jit', 'off', true)"
        if not correction:
            settings += ", set_config('max_parallel_workers_per_gather', '0', true)"
        cursor.execute(f"SELECT {settings}")
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            counts = list(row[7:])
            if any(counts):
                groups[tuple(row[:7])] = counts
    return groups


def _key_pair(row: dict, fields: tuple[str, ...]) -> tuple[str, str]:
    return (row[fields[0]] or "", (row[fields[1]] or "") if len(fields) > 1 else "")


def credited_rows_from_parts(*, dimension: str, whole: dict[tuple, dict], shared: Iterable[tuple[tuple, int, list]],
                             limit: int | None = None) -> list[ReportRow]:
    """Report rows from whole counts ({key: report totals with visits}, e.g. the last-session rows of the rolled
    days) plus shared counts ((key, share, [CREDIT_COUNTS numerators]), e.g. CreditDay corrections and the live
    days' credit): the exact sums, turned into numbers as credited_report_rows() turns its fractions."""
    by_share: dict[tuple, dict[int, list]] = defaultdict(dict)
    for key, share, counts in shared:
        into = by_share[key].get(share)
        if into is None:
            by_share[key][share] = list(counts)
        else:
            for index, count in enumerate(counts):
                into[index] += count
    totals: dict[tuple, dict] = {}
    for key in whole.keys() | by_share.keys():
        base = whole.get(key) or empty_totals()
        parts = by_share.get(key, {})
        common = lcm(1, *parts)
        row = {"visits": base["visits"]}
        for index, field in enumerate(CREDIT_COUNTS):
            numerator = base[field] * common + sum(counts[index] * (common // share) for share, counts in parts.items())
            if field == "value":
                exact = Fraction(numerator) / common
                row[field] = Decimal(exact.numerator) / Decimal(exact.denominator)
            elif numerator % common == 0:
                row[field] = numerator // common
            else:
                row[field] = numerator / common
        totals[key] = row
    return report_rows_from_totals(dimension=dimension, totals=totals, limit=limit)


def _call_counts(call: dict) -> dict[str, Fraction]:
    counts = dict.fromkeys(_CREDITED, Fraction(0))
    counts["calls"] = Fraction(1)
    if call["result"] in counts:
        counts[call["result"]] = Fraction(1)
    counts["first_time"] = Fraction(int(call["is_first_time_caller"]))
    if call["is_conversion"]:
        counts["conversions"] = Fraction(1)
        counts["value"] = Fraction(str(call["conversion_value"] or 0))
    return counts


def _touches_by_visitor(*, visitor_ids: set[int], fields: tuple[str, ...], start: datetime, end: datetime) -> dict[int, list[dict]]:
    """Each visitor's human visits started in [start, end), oldest first, with the dimension's fields."""
    by_visitor: dict[int, list[dict]] = defaultdict(list)
    ids = sorted(visitor_ids)
    for offset in range(0, len(ids), _VISITOR_CHUNK):
        rows = (Visit.objects.filter(visitor_id__in=ids[offset:offset + _VISITOR_CHUNK], is_bot=False,
                                     started_at__gte=start, started_at__lt=end)
                .order_by("visitor_id", "started_at", "id").values("visitor_id", "started_at", *fields))
        for row in rows:
            by_visitor[row["visitor_id"]].append(row)
    return by_visitor


def journey_credit(*, call, visits: list[Visit], lookback_days: int = LOOKBACK_DAYS) -> dict[int, dict[str, Fraction]]:
    """{visit id: {model: share}} for the call's journey (visits newest first, as the call page lists them)."""
    if call.visit_id is None:
        return {}
    since = call.started_at - timedelta(days=lookback_days)
    window = sorted((v for v in visits if not v.is_bot and since <= v.started_at <= call.started_at),
                    key=lambda v: (v.started_at, v.pk))
    credit: dict[int, dict[str, Fraction]] = defaultdict(dict)
    for model in (FIRST, LINEAR):
        for visit, share in touch_shares(model=model, touches=window):
            credit[visit.pk][model] = share
    credit[call.visit_id][LAST] = Fraction(1)
    return dict(credit)
