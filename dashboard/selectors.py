"""Reads for the dashboard pages. Every selector takes `account=` first and filters by it."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.models import Account, Website
from attribution.models import Visit
from calls.models import Call
from calls.reports import DIMENSIONS, report_calls
from core.phones import parse_phone
from dashboard.charts import concurrency_chart, daily_series
from dashboard.filters import DashboardFilters
from dashboard.reporting import days_for, report_window, rows_for, visits_for
from pools.models import Pool
from pools.selectors import pool_list, pool_peak_concurrency, pool_sizing_recommendation
from pools.services import pool_preview
from trackers.models import CallTracker
from trackers.selectors import pool_exhaustion_count, pool_exhaustion_recent

CALLS_PAGE_SIZE = 50
JOURNEY_VISITS = 20


def _scope(filters: DashboardFilters) -> dict:
    return {"start": filters.start, "end": filters.end, "website": filters.website}


# ---- Overview ---------------------------------------------------------------------------------

def overview_get(*, account: Account, filters: DashboardFilters) -> dict:
    window = report_window(account=account, filters=filters)
    per_day = days_for(window=window)
    points = daily_series(per_day, filters.start_date, filters.end_date)
    calls = sum(row["calls"] for row in per_day)
    answered = sum(row["answered"] for row in per_day)
    first_time = sum(row["first_time"] for row in per_day)
    visits = visits_for(window=window)
    campaigns = [row for row in rows_for(window=window, dimension="campaign", limit=6) if row.key != ("",)]
    return {
        "points": points,
        "totals": {
            "calls": calls, "answered": answered, "missed": calls - answered, "first_time": first_time,
            "repeat": calls - first_time, "visits": visits,
            "answer_rate": (answered / calls) if calls else None,
            "conversion_rate": (calls / visits) if visits else None,
        },
        "top_sources": rows_for(window=window, dimension="source_medium", limit=5),
        "top_campaigns": campaigns[:5],
    }


# ---- Calls log --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CallFilters:
    status: str = ""
    source: str = ""
    medium: str = ""
    pool: Pool | None = None
    first_time: str = ""   # "" | "yes" | "no"
    q: str = ""            # caller number as typed
    answered: str = ""     # "" | "yes" | "no" (missed = not answered, whatever the final status)

    def params(self) -> dict[str, str]:
        params = {"status": self.status, "source": self.source, "medium": self.medium,
                  "pool": str(self.pool.pk) if self.pool else "", "first_time": self.first_time, "q": self.q,
                  "answered": self.answered}
        return {key: value for key, value in params.items() if value}

    @property
    def is_filtered(self) -> bool:
        return bool(self.params())


def call_filters_parse(*, params, pools: list[Pool], region: str) -> tuple[CallFilters, list[str]]:
    problems = []
    status = (params.get("status") or "").strip()
    if status and status not in Call.Status.values:
        problems.append(f"Unknown call status “{status[:20]}” ignored.")
        status = ""
    pool = None
    raw_pool = (params.get("pool") or "").strip()
    if raw_pool:
        pool = {str(p.pk): p for p in pools}.get(raw_pool)
        if pool is None:
            problems.append("That pool is not in your account; showing all pools.")
    first_time = (params.get("first_time") or "").strip()
    if first_time not in ("", "yes", "no"):
        problems.append("The first-time filter takes yes or no; ignored.")
        first_time = ""
    answered = (params.get("answered") or "").strip()
    if answered not in ("", "yes", "no"):
        problems.append("The answered filter takes yes or no; ignored.")
        answered = ""
    q = (params.get("q") or "").strip()[:40]
    if q and not re.search(r"\d", q):
        problems.append("Search by caller number needs digits; ignored.")
        q = ""
    source = (params.get("source") or "").strip()[:200]
    medium = (params.get("medium") or "").strip()[:200]
    return CallFilters(status, source, medium, pool, first_time, q, answered), problems


def _caller_filter(q: str, region: str) -> Q:
    """A full number matches exactly (index-friendly); a fragment matches digits anywhere."""
    try:
        return Q(caller_number=parse_phone(q, region))
    except ValidationError:
        return Q(caller_number__contains=re.sub(r"\D", "", q))


def calls_filtered(*, account: Account, filters: DashboardFilters, call_filters: CallFilters) -> QuerySet[Call]:
    calls = report_calls(account=account, **_scope(filters))
    f = call_filters
    if f.status:
        calls = calls.filter(status=f.status)
    if f.source:
        calls = calls.filter(source=f.source)
    if f.medium:
        calls = calls.filter(medium=f.medium)
    if f.pool is not None:
        calls = calls.filter(pool=f.pool)
    if f.first_time:
        calls = calls.filter(is_first_time_caller=(f.first_time == "yes"))
    if f.answered:
        calls = calls.filter(answered_at__isnull=(f.answered == "no"))
    if f.q:
        calls = calls.filter(_caller_filter(f.q, account.default_region))
    return calls.order_by("-started_at", "-id")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cursor_encode(call: Call) -> str:
    """"<microseconds since epoch>.<id>": exact, so a page boundary never skips or repeats a call."""
    return f"{(call.started_at - EPOCH) // timedelta(microseconds=1)}.{call.pk}"


def cursor_decode(raw: str) -> tuple[datetime, int] | None:
    match = re.fullmatch(r"(\d{1,17})\.(\d{1,12})", raw or "")
    if not match:
        return None
    micros, pk = int(match.group(1)), int(match.group(2))
    try:
        moment = EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return None
    return moment, pk


def call_page(*, account: Account, filters: DashboardFilters, call_filters: CallFilters,
              cursor: tuple[datetime, int] | None, page_size: int = CALLS_PAGE_SIZE) -> tuple[list[Call], str | None]:
    """Keyset pagination on (started_at, id) descending: no COUNT, no OFFSET. Returns (calls, next cursor)."""
    calls = calls_filtered(account=account, filters=filters, call_filters=call_filters).select_related("pool")
    if cursor is not None:
        moment, pk = cursor
        calls = calls.filter(Q(started_at__lt=moment) | Q(started_at=moment, id__lt=pk))
    page = list(calls[: page_size + 1])
    next_cursor = cursor_encode(page[page_size - 1]) if len(page) > page_size else None
    return page[:page_size], next_cursor


def call_export_rows(*, account: Account, filters: DashboardFilters, call_filters: CallFilters):
    """Tuples for the calls CSV, streamed from the database in chunks."""
    return (
        calls_filtered(account=account, filters=filters, call_filters=call_filters)
        .values_list(*CALL_EXPORT_FIELDS, "pool__name")
        .iterator(chunk_size=2000)
    )


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
    """The caller's visits up to the call (newest first): how they found the site before calling."""
    if call.visit is None:
        return []
    return list(
        Visit.objects.filter(website__account=account, visitor_id=call.visit.visitor_id, started_at__lte=call.started_at)
        .order_by("-started_at")[:JOURNEY_VISITS]
    )


# ---- Reports ----------------------------------------------------------------------------------

def report_get(*, account: Account, filters: DashboardFilters, dimension: str) -> dict:
    rows = rows_for(window=report_window(account=account, filters=filters), dimension=dimension)
    spec = DIMENSIONS[dimension]
    totals = {
        "calls": sum(row.calls for row in rows),
        "answered": sum(row.answered for row in rows),
        "first_time": sum(row.first_time for row in rows),
        "visits": sum(row.visits or 0 for row in rows) if spec.visit_fields else None,
    }
    totals["conversion_rate"] = (totals["calls"] / totals["visits"]) if totals["visits"] else None
    return {"dimension": spec, "rows": rows, "totals": totals, "has_visits": spec.visit_fields is not None}


REPORT_HEADER_TAIL = ("Calls", "Answered", "First-time callers", "Visits", "Conversion rate")


# ---- Pools ------------------------------------------------------------------------------------

def _calls_by_pool_name(*, account: Account, filters: DashboardFilters) -> dict[str, int]:
    """Calls in the range per pool name (names are unique per account), from the rollup where it can."""
    rows = rows_for(window=report_window(account=account, filters=filters), dimension="pool")
    return {row.key[0]: row.calls for row in rows}


def pool_health_list(*, account: Account, filters: DashboardFilters) -> list[Pool]:
    """Pools with tracker counts by state and their calls in the date range."""
    pools = pool_list(account=account).filter(retired_at__isnull=True)
    if filters.website is not None:
        pools = pools.filter(website=filters.website)
    pools = list(pools)
    calls = _calls_by_pool_name(account=account, filters=filters) if pools else {}
    for pool in pools:
        pool.calls_in_range = calls.get(pool.name, 0)
    return pools


def pool_for_account(*, account: Account, pk: int) -> Pool:
    pool = Pool.objects.filter(account=account, pk=pk).select_related("website").first()
    if pool is None:
        raise Http404("No such pool")
    return pool


def pool_trackers(*, pool: Pool) -> list[CallTracker]:
    """The pool's live trackers with their last call, in one query (correlated subqueries use the
    (tracker, started_at) index, one index probe per tracker)."""
    last = Call.objects.filter(tracker=OuterRef("pk")).order_by("-started_at")
    return list(
        CallTracker.objects.live().filter(pool=pool)
        .annotate(
            last_call_at=Subquery(last.values("started_at")[:1]),
            last_call_id=Subquery(last.values("id")[:1]),
            last_call_status=Subquery(last.values("status")[:1]),
        )
        .order_by("status", "tracking_number")
    )


STATE_ORDER = [CallTracker.Status.ACTIVE, CallTracker.Status.FLAGGED, CallTracker.Status.AVAILABLE]


EXHAUSTION_EVENTS_SHOWN = 10


def pool_detail_get(*, account: Account, pool: Pool, filters: DashboardFilters, now: datetime | None = None) -> dict:
    """Context of the pool detail page: trackers by state, and per kind of pool
    - "enforcement": what the next rules run would do (the planner's dry run; automated and retired pools),
    - "top_sources": the automated source pool's current top list,
    - "sizing": peak concurrency, the size recommendation and the concurrency chart (visitor pools),
    - "exhaustion": how often the visitor pool ran out of numbers in the date range.
    """
    now = now or timezone.now()
    trackers = pool_trackers(pool=pool)
    by_state = {state: [] for state in STATE_ORDER}
    for tracker in trackers:
        by_state.setdefault(tracker.status, []).append(tracker)
    groups = [(CallTracker.Status(state).label, state, by_state[state]) for state in STATE_ORDER]
    return {
        "pool": pool,
        "tracker_groups": groups,
        "counts": {state: len(items) for state, items in by_state.items()},
        "calls_in_range": _calls_by_pool_name(account=account, filters=filters).get(pool.name, 0),
        **_pool_next_run(pool=pool, now=now),
        "sizing": _pool_sizing(account=account, pool=pool, filters=filters, now=now) if pool.tracking == Pool.Tracking.VISITOR else None,
        "exhaustion": _pool_exhaustion(account=account, pool=pool, filters=filters) if pool.tracking == Pool.Tracking.VISITOR else None,
    }


def _pool_next_run(*, pool: Pool, now: datetime) -> dict:
    if pool.kind != Pool.Kind.AUTOMATED and not pool.is_retired:
        return {"enforcement": None, "top_sources": None}
    plan, top = pool_preview(pool=pool, now=now)
    shows_top = pool.kind == Pool.Kind.AUTOMATED and pool.tracking == Pool.Tracking.SOURCE and not pool.is_retired
    return {"enforcement": plan, "top_sources": top if shows_top else None}


def _pool_sizing(*, account: Account, pool: Pool, filters: DashboardFilters, now: datetime) -> dict:
    sizing = pool_sizing_recommendation(pool=pool, now=now)
    sizing["peak_in_range"] = pool_peak_concurrency(account=account, pool_id=pool.pk, since=filters.start, until=min(filters.end, now))
    sizing["chart"] = concurrency_chart(sizing["samples"])
    sizing["is_automated"] = pool.kind == Pool.Kind.AUTOMATED
    sizing["shortfall"] = max(sizing["recommended_size"] - sizing["current_size"], 0)
    return sizing


def _pool_exhaustion(*, account: Account, pool: Pool, filters: DashboardFilters) -> dict:
    window = {"account": account, "pool_id": pool.pk, "since": filters.start, "until": filters.end}
    return {
        "count": pool_exhaustion_count(**window),
        "recent": pool_exhaustion_recent(**window, limit=EXHAUSTION_EVENTS_SHOWN),
    }


# ---- Websites ---------------------------------------------------------------------------------

def website_install_list(*, account: Account, filters: DashboardFilters) -> list[Website]:
    websites = Website.objects.filter(account=account).annotate(
        pool_count=Count("pools", filter=Q(pools__retired_at__isnull=True))
    ).order_by("name")
    if filters.website is not None:
        websites = websites.filter(pk=filters.website.pk)
    return list(websites)
