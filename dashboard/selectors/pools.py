"""Reads of the pool list and pool detail pages. The "next run" section is pools.selectors.pool_preview: a pure
read of what the rules engine would do; running it is pools.services.pool_enforce's job, never a page's."""

from datetime import datetime

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.models import Account
from calls.models import Call
from dashboard.charts import concurrency_chart
from dashboard.filters import DashboardFilters
from dashboard.selectors.report_page import calls_by_pool_name
from pools.models import Pool
from pools.peaks import pool_peak_concurrency
from pools.selectors import (
    EXHAUSTION_WINDOW,
    pool_diagnose_plan,
    pool_fallback_status,
    pool_health_by_id,
    pool_health_get,
    pool_list,
    pool_original_history,
    pool_preview,
    pool_sizing_recommendation,
)
from telephony.number_search import number_request_display
from trackers.leasing import client_lease_cap
from trackers.models import CallTracker
from trackers.selectors import (
    pool_exhaustion_counts,
    pool_exhaustion_recent,
    pool_open_leases,
)

STATE_ORDER = [CallTracker.Status.ACTIVE, CallTracker.Status.FLAGGED, CallTracker.Status.AVAILABLE]
EXHAUSTION_EVENTS_SHOWN = 10


def pool_health_list(*, account: Account, filters: DashboardFilters, now: datetime | None = None) -> list[Pool]:
    """Pools with tracker counts by state, their calls in the date range and their `health` (pools.planner.PoolHealth)."""
    live = pool_list(account=account).filter(retired_at__isnull=True)
    if filters.website is not None:
        live = live.filter(website=filters.website)
    pools = list(live)
    calls = calls_by_pool_name(account=account, filters=filters) if pools else {}
    health = pool_health_by_id(account=account, pools=pools, now=now or timezone.now())
    for pool in pools:
        pool.calls_in_range = calls.get(pool.name, 0)  # type: ignore[attr-defined]  # for the template
        pool.health = health[pool.pk]  # type: ignore[attr-defined]  # for the template
    return pools


def pools_needing_attention(*, account: Account, filters: DashboardFilters, now: datetime | None = None) -> list[Pool]:
    """The overview's list: pools in service whose health is not ok, each with its `health`."""
    pools = list(pool_list(account=account).filter(retired_at__isnull=True))
    if filters.website is not None:
        pools = [pool for pool in pools if pool.website_id == filters.website.pk]
    health = pool_health_by_id(account=account, pools=pools, now=now or timezone.now())
    for pool in pools:
        pool.health = health[pool.pk]  # type: ignore[attr-defined]  # for the template
    return [pool for pool in pools if not health[pool.pk].is_ok]


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


def pool_detail_get(*, account: Account, pool: Pool, filters: DashboardFilters, now: datetime | None = None) -> dict:
    """Context of the pool detail page: trackers by state, and per kind of pool
    - "enforcement": what the next rules run would do (the planner's dry run; automated and retired pools),
    - "top_sources": the automated source pool's current top list,
    - "sizing": peak concurrency, the size recommendation and the concurrency chart (visitor pools),
    - "exhaustion": how often the visitor pool ran out of numbers in the date range,
    - "client_holdings": the most numbers one client holds now, its cap, and the sessions the cap refused.
    """
    now = now or timezone.now()
    trackers = pool_trackers(pool=pool)
    # A visitor pool's open leases: how many (sizing) and the most one client holds (exhaustion), one query.
    leases = pool_open_leases(account=account, pool_id=pool.pk, now=now) if pool.tracking == Pool.Tracking.VISITOR else None
    exhaustion = (_pool_exhaustion(account=account, pool=pool, filters=filters, now=now,
                                   active=sum(t.status == CallTracker.Status.ACTIVE for t in trackers), leases=leases)
                  if leases is not None else {"exhaustion": None, "client_holdings": None})
    exhausted_recently = exhaustion.pop("exhausted_recently", None)
    by_state: dict = {state: [] for state in STATE_ORDER}
    for tracker in trackers:
        by_state.setdefault(tracker.status, []).append(tracker)
    groups = [(CallTracker.Status(state).label, state, by_state[state]) for state in STATE_ORDER]
    data = {
        "pool": pool,
        "tracker_groups": groups,
        "counts": {state: len(items) for state, items in by_state.items()},
        "calls_in_range": calls_by_pool_name(account=account, filters=filters).get(pool.name, 0),
        "number_searches": number_request_display(pool.number_request, pool.original_number),
        **_pool_next_run(pool=pool, now=now, trackers=trackers),
        "sizing": _pool_sizing(account=account, pool=pool, filters=filters, now=now, leases=leases) if leases is not None else None,
        **exhaustion,
        "fallback": pool_fallback_status(pool=pool),
    }
    pool.active_count = len(by_state[CallTracker.Status.ACTIVE])  # type: ignore[attr-defined]  # counted above: health needs no query for it
    data["health"] = pool_health_get(account=account, pool=pool, now=now, diagnosis=data["diagnosis"],
                                     plan=data.pop("plan"), exhausted_recently=exhausted_recently)
    return data


def _pool_next_run(*, pool: Pool, now: datetime, trackers: list[CallTracker]) -> dict:
    """`pool` was read in this request and `trackers` are its live ones: the plan reads neither again."""
    history = {"original_history": pool_original_history(pool=pool)}
    if pool.kind != Pool.Kind.AUTOMATED and not pool.is_retired:
        return {"enforcement": None, "top_sources": None, "diagnosis": None, "plan": None, **history}
    shows_top = pool.kind == Pool.Kind.AUTOMATED and pool.tracking == Pool.Tracking.SOURCE and not pool.is_retired
    if shows_top:
        # "Why is my pool not activating?" (FAQ): the diagnosis carries the top list it was planned from; the plan's
        # counts also tell the pool's health whether its numbers match visits.
        planned, diagnosis = pool_diagnose_plan(pool=pool, now=now, reload=False, trackers=trackers)
        return {"enforcement": planned.actions, "top_sources": list(diagnosis.top), "diagnosis": diagnosis,
                "plan": planned, **history}
    plan, _ = pool_preview(pool=pool, now=now, reload=False, trackers=trackers)
    return {"enforcement": plan, "top_sources": None, "diagnosis": None, "plan": None, **history}


def _pool_sizing(*, account: Account, pool: Pool, filters: DashboardFilters, now: datetime, leases: dict) -> dict:
    sizing = pool_sizing_recommendation(pool=pool, now=now, leased_now=leases["open"])
    sizing["peak_in_range"] = pool_peak_concurrency(account=account, pool_id=pool.pk, since=filters.start, until=min(filters.end, now))
    sizing["chart"] = concurrency_chart(sizing["samples"])
    sizing["chart_compact"] = concurrency_chart(sizing["samples"], compact=True)
    sizing["is_automated"] = pool.kind == Pool.Kind.AUTOMATED
    sizing["shortfall"] = max(sizing["recommended_size"] - sizing["current_size"], 0)
    return sizing


def _pool_exhaustion(*, account: Account, pool: Pool, filters: DashboardFilters, now: datetime, active: int,
                     leases: dict) -> dict:
    window: dict = {"account": account, "pool_id": pool.pk, "since": filters.start, "until": filters.end}
    counts = pool_exhaustion_counts(**window, recent=(now - EXHAUSTION_WINDOW, now))
    return {
        "exhaustion": {
            "count": counts["total"],
            "recent": pool_exhaustion_recent(**window, limit=EXHAUSTION_EVENTS_SHOWN),
        },
        "client_holdings": {
            "most_held": leases["most_held"],
            "cap": client_lease_cap(trackers=active, minimum=settings.DNI_CLIENT_LEASES_MIN,
                                    share=settings.DNI_CLIENT_LEASES_SHARE),
            "capped_sessions": counts["client_cap"],
        },
        "exhausted_recently": counts["recent"],  # the health's, not the template's
    }
