"""Reads of the calls log, its CSV download and the call detail page."""

import re
from datetime import datetime
from itertools import islice
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Account
from attribution.models import PageView, Visit
from calls.models import Call
from calls.results import call_result_q
from core.phones import parse_phone
from dashboard.call_columns import COLUMNS_BY_KEY, sort_order
from dashboard.call_filters import CallFilters
from dashboard.csv_columns import CALL_EXPORT_FIELDS, CALL_EXPORT_MARK_FIELDS, local_time_cell
from dashboard.cursors import cursor_encode
from dashboard.filters import DashboardFilters
from reports.aggregates import report_calls
from reports.attribution_models import MODELS, journey_credit
from transcripts.selectors import said_q

CALLS_PAGE_SIZE = 50
# The calls log counts at most this many calls: past it the pager says "10,000+" instead of counting millions;
# and spends at most this long counting (PostgreSQL), else it says "many".
COUNT_CAP = 10_000
COUNT_BUDGET_MS = 20
EXPORT_CHUNK = 2000
# What an empty value of each blankable filter (dashboard.call_filters.BLANKABLE) means: the report's empty row.
BLANK_Q = {
    "source": Q(source=""), "medium": Q(medium=""), "channel": Q(channel=""), "campaign": Q(campaign=""),
    "term": Q(term=""), "landing_page": Q(landing_page_key=""), "pool_name": Q(pool__isnull=True),
}
JOURNEY_VISITS = 20
# A grouped sort (dashboard.call_columns) reads its page group by group while the account has at most this many
# groups (distinct source/medium pairs); past it, one sorted query.
GROUPS_CAP = 100


# A number typed in E.164 form: "+", then 8 to 15 digits.
E164_TYPED = re.compile(r"\+[1-9][0-9]{7,14}")


def _caller_filter(q: str, region: str) -> Q:
    """A full number matches exactly (index-friendly): one the account's region reads, or one typed in E.164 form
    (even a number phonenumbers does not know: caller ids are stored as the carrier sent them); a fragment matches
    digits anywhere (which reads the whole date range)."""
    try:
        return Q(caller_number=parse_phone(q, region))
    except ValidationError:
        if E164_TYPED.fullmatch(q.strip()):
            return Q(caller_number=q.strip())
        return Q(caller_number__contains=re.sub(r"\D", "", q))


def calls_filtered(*, account: Account, filters: DashboardFilters, call_filters: CallFilters) -> QuerySet[Call]:
    f = call_filters
    calls = report_calls(account=account, start=filters.start, end=filters.end, website=filters.website,
                         spam={"": False, "yes": True, "all": None}[f.spam])
    if f.result:
        calls = calls.filter(call_result_q(f.result))
    if f.status:
        calls = calls.filter(status=f.status)
    # Ignoring case: people type "Google" for the "google" the snippet stored.
    for field in ("source", "medium", "channel", "campaign", "term"):
        if getattr(f, field):
            calls = calls.filter(**{f"{field}__iexact": getattr(f, field)})
    if f.landing_page:
        calls = calls.filter(landing_page_key=f.landing_page)  # by page, as the landing-page report groups
    if f.tracking_number:
        calls = calls.filter(tracking_number=f.tracking_number)
    if f.pool_name:
        calls = calls.filter(pool__name=f.pool_name)
    for name in f.blank:
        calls = calls.filter(BLANK_Q[name])
    if f.pool is not None:
        calls = calls.filter(pool=f.pool)
    if f.first_time:
        calls = calls.filter(is_first_time_caller=(f.first_time == "yes"))
    if f.answered:
        calls = calls.filter(answered_at__isnull=(f.answered == "no"))
    if f.recording:
        calls = calls.exclude(recording_sid="") if f.recording == "yes" else calls.filter(recording_sid="")
    if f.conversions_only:
        calls = calls.filter(is_conversion=True)
    if f.tag:
        calls = calls.filter(tags__name__iexact=f.tag)  # one tag per name (any case): no duplicate rows
    if f.q:
        calls = calls.filter(_caller_filter(f.q, account.default_region))
    if f.said:
        calls = calls.filter(said_q(f.said))
    if f.outcome:
        calls = calls.filter(outcome="" if f.outcome == "none" else f.outcome)
    if f.score:
        calls = calls.filter(score__isnull=True) if f.score == "none" else calls.filter(score__gte=int(f.score))
    if f.value_min:
        # What the Value column shows: the value set by hand or a rule, else the conversion rule's.
        calls = calls.filter(Q(value__gte=f.value_min) | Q(value__isnull=True, is_conversion=True,
                                                           conversion_value__gte=f.value_min))
    return calls.order_by("-started_at", "-id")


def call_page(*, account: Account, filters: DashboardFilters, call_filters: CallFilters,
              cursor: tuple[datetime, int] | None, page_size: int = CALLS_PAGE_SIZE) -> tuple[list[Call], str | None]:
    """Keyset pagination on (started_at, id) descending: no COUNT, no OFFSET. Returns (calls, next cursor)."""
    calls = (calls_filtered(account=account, filters=filters, call_filters=call_filters)
             .select_related("pool").prefetch_related("tags"))
    if cursor is not None:
        moment, pk = cursor
        calls = calls.filter(Q(started_at__lt=moment) | Q(started_at=moment, id__lt=pk))
    page = list(calls[: page_size + 1])
    next_cursor = cursor_encode(page[page_size - 1]) if len(page) > page_size else None
    return page[:page_size], next_cursor


def capped_count(queryset, cap: int) -> tuple[int | None, bool]:
    """(count, capped): counts at most `cap` rows (a LIMIT inside the COUNT), so a page never counts millions of
    rows; capped is True when there are more than `cap`. A filter that few calls match still makes PostgreSQL read
    the whole date range to find them, so on PostgreSQL the count also gets COUNT_BUDGET_MS: past it the count
    is None ("many") and the page is served without it. Counted in the log's order (started_at, id): the index
    that gives it bounds the count to the first `cap` + 1 rows (unordered, PostgreSQL may pick a sequential scan,
    expecting matches spread evenly)."""
    if connection.vendor != "postgresql":
        found = queryset[: cap + 1].count()
        return min(found, cap), found > cap
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # No JIT: compiling a count that PostgreSQL expects to be costly took ~60 ms, which the timeout does not
            # interrupt (the budget was spent three times over before the count was canceled).
            cursor.execute("SELECT set_config('statement_timeout', %s, true), set_config('jit', 'off', true)",
                           [str(int(COUNT_BUDGET_MS))])
            found = queryset[: cap + 1].count()
            # Inside an outer transaction they would linger.
            cursor.execute("SET LOCAL statement_timeout = DEFAULT; SET LOCAL jit = DEFAULT")
    except OperationalError:  # canceled by the timeout
        return None, True
    return min(found, cap), found > cap


def call_page_sorted(*, account: Account, filters: DashboardFilters, call_filters: CallFilters, sort: str,
                     page: int, page_size: int = CALLS_PAGE_SIZE) -> tuple[list[Call], dict]:
    """A page of the log sorted by any column (dashboard.call_columns): numbered pages, ordered by the column then
    the id, so equal values keep one order and no call shows twice or never. Returns (calls, position) with
    position {"total", "capped", "first", "last", "page", "pages"}; a page past the end is the last page. The
    count stops at COUNT_CAP calls ("10,000+"), and so do the numbered pages."""
    annotations, order = sort_order(sort)
    calls = calls_filtered(account=account, filters=filters, call_filters=call_filters)
    ordered = calls.annotate(**annotations).order_by(*order).select_related("pool").prefetch_related("tags")
    column = COLUMNS_BY_KEY[sort.lstrip("-")]
    groups = _sort_groups(account, column.order[: column.grouped], descending=sort.startswith("-")) if column.grouped else None

    def slice_rows(offset: int, limit: int) -> list[Call]:
        if groups is None:
            return list(ordered[offset: offset + limit])
        return _grouped_rows(ordered, column.order[: column.grouped], groups, order[column.grouped:], offset, limit)

    rows = None
    total: int | None
    if page <= 1:  # the first page first: when it holds the whole log, that is the count
        rows = slice_rows(0, page_size + 1)
    if rows is not None and len(rows) <= page_size:
        total, capped = len(rows), False
    else:
        total, capped = capped_count(calls, COUNT_CAP)
    pages = None if total is None else max(1, -(-total // page_size))
    page = max(1, page) if pages is None else min(max(1, page), pages)
    offset = (page - 1) * page_size
    if rows is None:
        rows = slice_rows(offset, page_size + 1)
    if pages is None and len(rows) > page_size:
        pages = page + 1  # not counted: at least one more page
    rows = rows[:page_size]
    return rows, {"total": total, "capped": capped, "first": offset + 1 if rows else 0, "last": offset + len(rows),
                  "page": page, "pages": pages or page}


def _sort_groups(account: Account, fields: tuple[str, ...], *, descending: bool) -> list[tuple] | None:
    """The distinct values of `fields` (NOT NULL fields) among the account's calls, in the sort's order; None past
    GROUPS_CAP. On PostgreSQL a loose index scan (a recursive query: one probe of the index on (account, fields…)
    per group), not a read of the account's millions of calls."""
    if connection.vendor != "postgresql":
        distinct = (Call.objects.filter(account=account).order_by(*(f"-{f}" if descending else f for f in fields))
                    .values_list(*fields).distinct())
        groups = [tuple(values) for values in distinct[: GROUPS_CAP + 1]]
        return groups if len(groups) <= GROUPS_CAP else None
    columns = [Call._meta.get_field(name).column for name in fields]  # type: ignore[union-attr]  # concrete fields
    listed = ", ".join(f'"{c}"' for c in columns)
    direction = "DESC" if descending else "ASC"
    by = ", ".join(f'"{c}" {direction}' for c in columns)
    after = "<" if descending else ">"
    table = Call._meta.db_table
    sql = f"""
        WITH RECURSIVE sort_groups ({listed}) AS (
            (SELECT {listed} FROM "{table}" WHERE "account_id" = %s ORDER BY {by} LIMIT 1)
            UNION ALL
            SELECT next.* FROM sort_groups, LATERAL (
                SELECT {", ".join(f'c."{c}"' for c in columns)} FROM "{table}" c
                WHERE c."account_id" = %s AND ({", ".join(f'c."{c}"' for c in columns)}) {after}
                      ({", ".join(f'sort_groups."{c}"' for c in columns)})
                ORDER BY {", ".join(f'c."{c}" {direction}' for c in columns)} LIMIT 1
            ) next
        )
        SELECT {listed} FROM sort_groups LIMIT %s"""  # noqa: S608 - names from the model, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [account.pk, account.pk, GROUPS_CAP + 1])
        groups = [tuple(row) for row in cursor.fetchall()]
    return groups if len(groups) <= GROUPS_CAP else None


def _grouped_rows(ordered: QuerySet[Call], fields: tuple[str, ...], groups: list[tuple], tail: list, offset: int,
                  limit: int) -> list[Call]:
    """`ordered[offset: offset + limit]` read group by group (groups in the sort's order, each group's calls in the
    `tail` order): a group's calls are one stretch of an index, so a page reads the ids of the groups it skips and
    of the calls it shows (offset + limit at most, from the index alone), then those calls, however many calls
    the date range holds. One query per group reached, and one for the calls."""
    ids: list[int] = []
    for values in groups:
        wanted = limit - len(ids)
        in_group = ordered.filter(**dict(zip(fields, values, strict=True))).order_by(*tail)
        found = list(in_group.values_list("id", flat=True)[: offset + wanted])
        if len(found) <= offset:
            offset -= len(found)
            continue
        ids += found[offset:]
        offset = 0
        if len(ids) >= limit:
            break
    by_id = {call.pk: call for call in ordered.filter(pk__in=ids).order_by()}
    return [by_id[pk] for pk in ids]


def call_page_position(*, account: Account, filters: DashboardFilters, call_filters: CallFilters, page: list[Call],
                       is_first_page: bool, page_size: int = CALLS_PAGE_SIZE) -> dict:
    """Where a keyset page sits: {"total", "capped", "first", "last" (1-based; 0 when the page is past the first
    COUNT_CAP calls), "previous": cursor | "" (the first page) | None}.

    Counts stop at COUNT_CAP (the total of a large account's log reads "10,000+"); the previous page's cursor is
    found by walking at most page_size + 1 calls back from the page's top, however deep the page is."""
    calls = calls_filtered(account=account, filters=filters, call_filters=call_filters)
    if is_first_page and len(page) < page_size:  # the whole log is on this page: nothing to count
        return {"total": len(page), "capped": False, "first": 1 if page else 0, "last": len(page), "previous": None}
    total, capped = capped_count(calls, COUNT_CAP)
    if not page:
        return {"total": total, "capped": capped, "first": 0, "last": 0, "previous": None}
    if is_first_page:
        return {"total": total, "capped": capped, "first": 1, "last": len(page), "previous": None}
    top = page[0]
    newer = calls.filter(Q(started_at__gt=top.started_at) | Q(started_at=top.started_at, id__gt=top.pk))
    # The call page_size places up from the top starts the previous page (none: the previous page is the first).
    back = list(newer.order_by("started_at", "id").only("id", "started_at")[page_size: page_size + 1])
    previous = cursor_encode(back[0]) if back else ""
    before, deep = capped_count(newer, COUNT_CAP)
    first = 0 if deep or before is None else before + 1
    return {"total": total, "capped": capped or deep, "first": first, "last": first + len(page) - 1 if first else 0,
            "previous": previous}


def call_export_rows(*, account: Account, filters: DashboardFilters, call_filters: CallFilters):
    """Tuples for the calls CSV (dashboard.csv_columns), streamed from the database in chunks; the start time as
    `YYYY-MM-DD HH:MM:SS` in the account's zone (the header names it)."""
    zone = ZoneInfo(account.timezone)
    rows = (
        calls_filtered(account=account, filters=filters, call_filters=call_filters)
        .values_list("id", *CALL_EXPORT_FIELDS, "pool__name", *CALL_EXPORT_MARK_FIELDS)
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    while chunk := list(islice(rows, EXPORT_CHUNK)):
        tags = _tag_names_by_call([row[0] for row in chunk])
        for row in chunk:
            yield (local_time_cell(row[1], zone), *row[2:], ", ".join(tags.get(row[0], ())))


def _tag_names_by_call(call_ids: list[int]) -> dict[int, list[str]]:
    """{call id: its tag names, sorted}: one query per chunk of exported calls."""
    names: dict[int, list[str]] = {}
    through = Call.tags.through.objects.filter(call_id__in=call_ids).order_by("tag__name").values_list("call_id", "tag__name")
    for call_id, name in through:
        names.setdefault(call_id, []).append(name)
    return names


def call_get(*, account: Account, pk: int) -> Call:
    """The call, or 404 when it does not exist or belongs to another account."""
    call = (
        Call.objects.filter(account=account, pk=pk)
        .select_related("pool", "pool__website", "tracker", "visit", "visit__visitor")
        .first()
    )
    if call is None:
        raise Http404("No such call")
    return call


def call_journey(*, account: Account, call: Call) -> list[Visit]:
    """The caller's visits up to the call (newest first), each with the pages it loaded (`page_views`, in order):
    how they found the site and what they read before calling. Each has `credit`: {model label: share of the call}
    under each attribution model that credits it (reports.attribution_models)."""
    if call.visit is None:
        return []
    visits = list(
        Visit.objects.filter(website__account=account, visitor_id=call.visit.visitor_id, started_at__lte=call.started_at)
        .prefetch_related(Prefetch("page_views", queryset=PageView.objects.order_by("viewed_at", "id")))
        .order_by("-started_at")[:JOURNEY_VISITS]
    )
    credit = journey_credit(call=call, visits=visits)
    for visit in visits:
        shares = credit.get(visit.pk, {})
        visit.credit = {MODELS[model]: float(share) for model, share in shares.items()}  # type: ignore[attr-defined]  # for the template
    return visits
