from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet

from accounts.models import Account
from attribution.models import Visit
from attribution.source_counts import (
    SourceKey,
    source_days_counted_by_website,
    website_source_counts,
    websites_sources_seen,
)
from core.traffic import traffic_filter_display
from pools.models import ConcurrencySample, Pool, PoolOriginalNumber
from pools.planner import (
    HealthFacts,
    PlannedAction,
    PoolDiagnosis,
    PoolHealth,
    PoolSnapshot,
    SourceCount,
    TrackerSnapshot,
    plan_diagnosis,
    plan_pool,
    plan_pool_health,
    plan_visitor_pool_size,
)
from trackers.models import CallTracker, ExhaustionEvent, Lease, TrackerStatusChange

# Automated visitor pools size themselves from the peak concurrency of this window.
SIZING_WINDOW = timedelta(days=7)
# The dashboard's concurrency chart shows this much of it.
SAMPLES_SHOWN = timedelta(hours=24)
# Until samples cover this much, the peak is "not enough data yet": a pool may grow on it, never shrink.
SIZING_MIN_SAMPLED = timedelta(hours=24)


def pool_list(*, account: Account) -> QuerySet[Pool]:
    return pool_list_of_accounts(accounts=[account])


def pool_list_of_accounts(*, accounts: list[Account]) -> QuerySet[Pool]:
    """The pools of several accounts (the all-accounts page) with their tracker counts by state, by name."""
    return (
        Pool.objects.filter(account__in=[account.pk for account in accounts])
        .select_related("website")
        .annotate(
            active_count=Count("trackers", filter=Q(trackers__status="active", trackers__deleted_at__isnull=True)),
            flagged_count=Count("trackers", filter=Q(trackers__status="flagged", trackers__deleted_at__isnull=True)),
            available_count=Count("trackers", filter=Q(trackers__status="available", trackers__deleted_at__isnull=True)),
        )
        .order_by("name")
    )


def pool_live_by_website(*, account: Account, website_ids: list[int]) -> dict[int, list[Pool]]:
    """The account's pools that are not retired, grouped by website (install page: one AMP snippet each). One query."""
    grouped: dict[int, list[Pool]] = {pk: [] for pk in website_ids}
    for pool in Pool.objects.filter(account=account, website_id__in=website_ids, retired_at__isnull=True).order_by("name", "pk"):
        grouped[pool.website_id].append(pool)
    return grouped


def pool_find(*, ref: str) -> Pool:
    """A pool by id or by name (management commands)."""
    if ref.isdigit():
        return Pool.objects.select_related("account").get(pk=int(ref))
    return Pool.objects.select_related("account").get(name=ref)


def pool_top_sources(*, pool: Pool, now: datetime) -> list[SourceCount]:
    """The pool's top list: its website's source/mediums with at least `min_visits` human visits in the
    last `visit_window_days`, most visits first, cut to `floor(size × utilization)`.

    Read from the daily counts (attribution.source_counts), so its cost does not grow with visits.
    """
    if pool.max_active < 1:
        return []
    return _top_of(pool=pool, counts=pool_source_counts(pool=pool, now=now))


def _top_of(*, pool: Pool, counts: list[SourceCount]) -> list[SourceCount]:
    """The top list out of every source/medium's count (most visits first)."""
    return [count for count in counts if count.visits >= max(pool.min_visits, 1)][: max(pool.max_active, 0)]


def top_sources_queryset(*, pool: Pool, now: datetime) -> QuerySet:
    """The top list as one aggregate over the raw visits: what the engine read before the daily counts
    (bench/bench_pools.py times it next to pool_top_sources; tests check both agree)."""
    return (
        Visit.objects.filter(
            website_id=pool.website_id,
            started_at__gte=now - timedelta(days=pool.visit_window_days),
            started_at__lte=now,
            is_bot=False,
        )
        .values("source", "medium")
        .annotate(visits=Count("id"))
        .filter(visits__gte=max(pool.min_visits, 1))
        .order_by("-visits", "source", "medium")[: pool.max_active]
    )


def open_leases_filter(now: datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}ended_at__isnull": True, f"{prefix}expires_at__gt": now})


def pool_snapshot(*, pool: Pool, now: datetime, size: int | None = None,
                  trackers: list[CallTracker] | None = None) -> PoolSnapshot:
    """The pool and its live trackers as plain data for the planner (one query for the trackers; none for a source
    pool whose live `trackers` the caller read already, the pool page)."""
    if trackers is not None and pool.tracking != Pool.Tracking.VISITOR:
        trackers = sorted(trackers, key=lambda tracker: tracker.pk)
    else:  # read them; a visitor pool's with whether each is leased now
        read = CallTracker.objects.live().filter(pool=pool).order_by("pk")
        if pool.tracking == Pool.Tracking.VISITOR:
            leases = Lease.objects.filter(open_leases_filter(now), tracker=OuterRef("pk"))
            read = read.annotate(has_open_lease=Exists(leases))
        trackers = list(read)
    return PoolSnapshot(
        kind=pool.kind,
        tracking=pool.tracking,
        size=pool.size if size is None else size,
        utilization=Decimal(pool.utilization),
        flag_days=pool.flag_days,
        is_retired=pool.retired_at is not None,
        trackers=tuple(
            TrackerSnapshot(
                id=t.pk, tracking_number=t.tracking_number, status=t.status, source=t.source, medium=t.medium,
                flagged_at=t.flagged_at, has_open_lease=getattr(t, "has_open_lease", False),
            )
            for t in trackers
        ),
    )


def pools_to_enforce() -> QuerySet[Pool]:
    """Every automated pool in service, plus retired pools that still hold trackers the engine must take
    out of service (the planner decides whether their time has come). Manual pools in service never:
    their trackers change only by hand."""
    retired_with_trackers = Q(trackers__deleted_at__isnull=True, retired_at__isnull=False)
    automated = Q(kind=Pool.Kind.AUTOMATED, retired_at__isnull=True)
    ids = Pool.objects.filter(automated | retired_with_trackers).values("pk")
    return Pool.objects.filter(pk__in=ids).select_related("account", "website").order_by("pk")


def pool_current_leases(*, pool: Pool, now: datetime) -> int:
    return Lease.objects.filter(open_leases_filter(now), tracker__pool=pool).count()


def pool_recommended_size(*, pool: Pool, now: datetime) -> tuple[int | None, int, int]:
    """(peak over SIZING_WINDOW or None without samples, leases open now, recommended size).

    Without samples yet the configured size stands (never below the leases open now)."""
    peak, sampling_since = pool_sampling(pool=pool, now=now)
    leased_now = pool_current_leases(pool=pool, now=now)
    return peak, leased_now, _recommend(pool=pool, now=now, peak=peak, sampling_since=sampling_since, leased_now=leased_now)


def _recommend(*, pool: Pool, now: datetime, peak: int | None, sampling_since: datetime | None, leased_now: int) -> int:
    if peak is None:
        return max(pool.size, leased_now)
    headroom = Decimal(str(settings.POOLS_SIZING_HEADROOM))
    recommended = plan_visitor_pool_size(max(peak, leased_now), headroom, leased_now, pool.max_size)
    if not sizing_has_enough_data(sampling_since=sampling_since, now=now):
        recommended = max(recommended, pool.size)  # never shrink for lack of samples
    return recommended


def pool_sampling(*, pool: Pool, now: datetime) -> tuple[int | None, datetime | None]:
    """(peak leased over SIZING_WINDOW, the oldest sample in it), one aggregate; (None, None) without samples."""
    row = ConcurrencySample.objects.filter(
        pool=pool, sampled_at__gt=now - SIZING_WINDOW, sampled_at__lte=now
    ).aggregate(peak=Max("leased"), since=Min("sampled_at"))
    return row["peak"], row["since"]


def sizing_has_enough_data(*, sampling_since: datetime | None, now: datetime) -> bool:
    return sampling_since is not None and sampling_since <= now - SIZING_MIN_SAMPLED


def pool_sizing_recommendation(*, pool: Pool, now: datetime, leased_now: int | None = None) -> dict:
    """What an automated visitor pool's size should be, from its peak concurrency over SIZING_WINDOW.

    `samples` (the last SAMPLES_SHOWN, oldest first) feed the dashboard chart; `has_enough_data` is false
    (the dashboard says "not enough data yet (sampling since …)") until samples cover SIZING_MIN_SAMPLED.
    `leased_now`: pool_current_leases when the caller counted them already (the pool page).
    """
    peak, sampling_since = pool_sampling(pool=pool, now=now)
    if leased_now is None:
        leased_now = pool_current_leases(pool=pool, now=now)
    recommended = _recommend(pool=pool, now=now, peak=peak, sampling_since=sampling_since, leased_now=leased_now)
    samples = ConcurrencySample.objects.filter(
        pool=pool, sampled_at__gt=now - SAMPLES_SHOWN, sampled_at__lte=now
    ).order_by("sampled_at").values_list("sampled_at", "leased", "size")
    return {
        "peak": peak or 0,
        "recommended_size": recommended,
        "current_size": pool.size,
        "headroom": Decimal(str(settings.POOLS_SIZING_HEADROOM)),
        "leased_now": leased_now,
        "samples": [tuple(row) for row in samples],
        "sampling_since": sampling_since,
        "has_enough_data": sizing_has_enough_data(sampling_since=sampling_since, now=now),
    }


@dataclass(frozen=True)
class PoolPlan:
    actions: list[PlannedAction]
    top: list[SourceCount]   # the top list the actions were planned from (empty unless automated source pools)
    size: int | None         # the size planned for (automated visitor pools: the recommended one), else None
    counts: list[SourceCount]  # every source/medium's visits in the window the top list was cut from
    snapshot: PoolSnapshot     # the pool and its trackers as planned from


def pool_plan(*, pool: Pool, now: datetime, trackers: list[CallTracker] | None = None) -> PoolPlan:
    """What a rules run would do to the pool now: a pure read (selectors feeding pools.planner).

    An automated visitor pool is planned at its recommended size; storing that size is the run's job
    (pools.services.pool_enforce), not this read's.
    """
    size = None
    if pool.kind == Pool.Kind.AUTOMATED and pool.tracking == Pool.Tracking.VISITOR and not pool.is_retired:
        size = pool_recommended_size(pool=pool, now=now)[2]
    needs_top = pool.kind == Pool.Kind.AUTOMATED and pool.tracking == Pool.Tracking.SOURCE and not pool.is_retired
    counts = pool_source_counts(pool=pool, now=now) if needs_top else []
    top = _top_of(pool=pool, counts=counts)
    snapshot = pool_snapshot(pool=pool, now=now, size=size, trackers=trackers)
    return PoolPlan(plan_pool(snapshot, top, now), top, size, counts, snapshot)


def pool_preview(*, pool: Pool, now: datetime, reload: bool = True,
                 trackers: list[CallTracker] | None = None) -> tuple[list[PlannedAction], list[SourceCount]]:
    """What a run would do now, and the top list it was planned from, read from the pool's current row (`reload`
    False: `pool` is that row, read in this request). Changes nothing and takes no lock. `trackers`: the pool's live
    trackers when the caller read them already (pool_snapshot)."""
    planned = pool_plan(pool=Pool.objects.select_related("account").get(pk=pool.pk) if reload else pool, now=now,
                        trackers=trackers)
    return planned.actions, planned.top


def website_swap_numbers(*, website, pools: list[Pool] | None = None) -> list[tuple[str, str]]:
    """What the served script swaps for `website`: (number printed on a page, the current original it
    stands for) for every pool in service, current originals first, then every older original of those
    pools (SPEC: pages that still print an old number keep being tracked). Two queries; one when the caller
    already holds the website's `pools` (in pk order, retired ones included: the DNI endpoints' website lookup).

    A number that is some pool's current original is never an alias of another pool's."""
    if pools is None:
        originals = list(Pool.objects.filter(website=website, retired_at__isnull=True, offline={}).order_by("pk")
                         .values_list("pk", "original_number"))
    else:
        originals = [(pool.pk, pool.original_number) for pool in pools if pool.retired_at is None and not pool.offline]
    current_of = dict(originals)
    pairs = {number: number for _, number in originals}
    history = (
        PoolOriginalNumber.objects.filter(pool_id__in=current_of)
        .order_by("pool_id", "-started_at", "-id").values_list("pool_id", "number")
    )
    for pool_id, number in history:
        pairs.setdefault(number, current_of[pool_id])
    return list(pairs.items())


def pool_original_history(*, pool: Pool) -> list[PoolOriginalNumber]:
    """The pool's original numbers, newest first (the dashboard pool page)."""
    return list(PoolOriginalNumber.objects.filter(pool=pool).order_by("-started_at", "-id"))


def pool_source_counts(*, pool: Pool, now: datetime) -> list[SourceCount]:
    """Every source/medium of the pool's website with its human visits in the last `visit_window_days`,
    above and below `min_visits` ("why is my pool not activating?"), most visits first. Read from the daily
    counts (attribution.source_counts): the counted days plus about a day of raw visits."""
    counts = website_source_counts(website_id=pool.website_id, since=now - timedelta(days=pool.visit_window_days), until=now)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [SourceCount(source, medium, visits) for (source, medium), visits in ordered]


def website_visit_windows(*, website_ids: list[int]) -> dict[int, int]:
    """{website id: the longest visit window (days) of its pools, retired ones included}: how far back the rules
    engine and the health check may read the website's daily source counts (retention keeps those days). One query."""
    return dict(Pool.objects.filter(website_id__in=website_ids).values("website_id").annotate(days=Max("visit_window_days"))
                .order_by().values_list("website_id", "days"))


def pool_tracker_changes_since(*, pool: Pool, since: datetime) -> list[TrackerStatusChange]:
    """What happened to the pool's trackers since `since` (numbers bought, activated, flagged, released),
    oldest first: the admin reports what saving an automated pool did, whichever run did it."""
    return list(
        TrackerStatusChange.objects.filter(tracker__pool=pool, created_at__gte=since)
        .select_related("tracker").order_by("created_at", "id")
    )


def website_visitor_peaks(*, account: Account, now: datetime) -> list[dict]:
    """The "which pool type?" guide's measured figure: per website of `account` with a visitor pool in
    service, the peak concurrent visitors over SIZING_WINDOW and the numbers a visitor pool needs for it
    (peak × headroom). A pool limited to some traffic (`traffic`: "google / cpc") counts only that traffic — only
    its sessions lease — and has its own row. One aggregate query; websites without samples are absent."""
    headroom = Decimal(str(settings.POOLS_SIZING_HEADROOM))
    rows = (
        ConcurrencySample.objects.filter(
            pool__account=account, pool__retired_at__isnull=True, sampled_at__gt=now - SIZING_WINDOW, sampled_at__lte=now,
        )
        .values("pool__website_id", "pool__website__name", "pool__traffic_filter")
        .annotate(peak=Max("leased"), since=Min("sampled_at"))
        .order_by("pool__website__name")
    )
    return [
        {
            "website": row["pool__website__name"], "peak": row["peak"], "since": row["since"],
            "traffic": traffic_filter_display(row["pool__traffic_filter"]),
            "numbers": plan_visitor_pool_size(row["peak"], headroom, 0, 10**6),
            "has_enough_data": sizing_has_enough_data(sampling_since=row["since"], now=now),
        }
        for row in rows
    ]


def pool_type_guide(*, account: Account, now: datetime) -> dict:
    """Context of the "which pool type?" guide (admin add form, dashboard pools page)."""
    return {"headroom": Decimal(str(settings.POOLS_SIZING_HEADROOM)), "peaks": website_visitor_peaks(account=account, now=now)}


def pool_diagnose(*, pool: Pool, now: datetime) -> tuple[list[PlannedAction], PoolDiagnosis]:
    """"Why is my pool not activating?" (FAQ): what a run would do now, and for the state it leaves, every
    source/medium on the top list without a tracker (and why) and those under `min_visits`. A pure read:
    after a real run the plan is empty and the diagnosis describes the pool as it is."""
    planned, diagnosis = pool_diagnose_plan(pool=pool, now=now)
    return planned.actions, diagnosis


def pool_diagnose_plan(*, pool: Pool, now: datetime, reload: bool = True,
                       trackers: list[CallTracker] | None = None) -> tuple[PoolPlan, PoolDiagnosis]:
    """pool_diagnose, with the whole plan it was made from (its counts and snapshot: the pool page's health needs
    no second read of them, see plan_has_matching_visit). `reload` and `trackers`: see pool_preview."""
    fresh = Pool.objects.select_related("account").get(pk=pool.pk) if reload else pool
    planned = pool_plan(pool=fresh, now=now, trackers=trackers)
    diagnosis = plan_diagnosis(planned.snapshot, planned.counts, planned.actions, min_visits=fresh.min_visits, now=now)
    return planned, diagnosis


def plan_has_matching_visit(planned: PoolPlan) -> bool:
    """From an automated source pool's plan: whether an Active tracker's source/medium had a human visit in the
    visit window, read off the counts the plan was cut from (the health check's fact, without reading them again)."""
    seen = {(count.source, count.medium) for count in planned.counts if count.visits > 0}
    return any(tracker.status == CallTracker.Status.ACTIVE and (tracker.source, tracker.medium) in seen
               for tracker in planned.snapshot.trackers)


# --- Health (SPEC "Pool": `health`, shown wherever a pool is) ----------------------------------------------------

EXHAUSTION_WINDOW = timedelta(hours=24)


def pool_health_by_id(*, account: Account, pools: list[Pool], now: datetime,
                      diagnoses: dict[int, PoolDiagnosis] | None = None,
                      matching: dict[int, bool] | None = None,
                      exhausted: dict[int, int] | None = None) -> dict[int, PoolHealth]:
    """Each pool's health, for a whole list in a few queries: active counts (unless pool_list annotated them),
    visitor pools' exhaustion in the last 24 h, and whether source pools' active numbers still match visits (the
    daily source counts plus the uncounted edges). `diagnoses` (the pool page has one) turns "not activating" into
    the waiting source and its reason; `matching` (the pool page's plan has read the counts) whether a pool's
    numbers match visits, not read again; `exhausted` (the pool page has counted them) each visitor pool's exhaustion
    events of the last EXHAUSTION_WINDOW."""
    return pool_health_of_accounts(accounts=[account], pools=pools, now=now, diagnoses=diagnoses, matching=matching,
                                   exhausted=exhausted)


def pool_health_of_accounts(*, accounts: list[Account], pools: list[Pool], now: datetime,
                            diagnoses: dict[int, PoolDiagnosis] | None = None,
                            matching: dict[int, bool] | None = None,
                            exhausted: dict[int, int] | None = None) -> dict[int, PoolHealth]:
    """pool_health_by_id for the pools of several accounts at once (the all-accounts page), in the same few
    queries; pools of other accounts are left out."""
    account_ids = {account.pk for account in accounts}
    pools = [pool for pool in pools if pool.account_id in account_ids]
    live = [pool for pool in pools if not pool.is_retired]
    active = _active_counts(pools=live)
    if exhausted is None:
        exhausted = _exhausted_recently(account_ids=account_ids, pools=live, now=now)
    matching = matching or {}
    matched = {pk for pk, matches in matching.items() if matches}
    matched |= _pools_with_matching_visits(
        pools=[p for p in live if p.tracking == Pool.Tracking.SOURCE and active[p.pk] and p.pk not in matching], now=now)
    diagnoses = diagnoses or {}
    return {
        pool.pk: plan_pool_health(HealthFacts(
            kind=pool.kind, tracking=pool.tracking, is_retired=pool.is_retired, size=pool.size,
            max_active=pool.max_active, max_size=pool.max_size, active=active.get(pool.pk, 0),
            min_visits=pool.min_visits, visit_window_days=pool.visit_window_days,
            provision_error=pool.last_provision_error, exhausted_recently=exhausted.get(pool.pk, 0),
            has_matching_visit=pool.pk in matched,
            waiting=diagnoses[pool.pk].waiting if pool.pk in diagnoses else (),
        ))
        for pool in pools
    }


def pool_health_get(*, account: Account, pool: Pool, now: datetime, diagnosis: PoolDiagnosis | None = None,
                    plan: PoolPlan | None = None, exhausted_recently: int | None = None) -> PoolHealth:
    """One pool's health (another account's pool: KeyError, never its health). `plan`: the automated source pool's
    plan (pool_diagnose_plan) the page holds, whose counts tell whether its numbers match visits;
    `exhausted_recently`: the visitor pool's exhaustion events of the last EXHAUSTION_WINDOW, when the page counted
    them (trackers.selectors.pool_exhaustion_counts' "recent")."""
    matching = {pool.pk: plan_has_matching_visit(plan)} if plan is not None else None
    return pool_health_by_id(account=account, pools=[pool], now=now, matching=matching,
                             diagnoses={pool.pk: diagnosis} if diagnosis is not None else None,
                             exhausted={pool.pk: exhausted_recently} if exhausted_recently is not None else None)[pool.pk]


def _active_counts(*, pools: list[Pool]) -> dict[int, int]:
    if all(hasattr(pool, "active_count") for pool in pools):
        return {pool.pk: pool.active_count for pool in pools}  # type: ignore[attr-defined]  # annotated by the caller
    rows = (CallTracker.objects.live().filter(pool__in=pools, status=CallTracker.Status.ACTIVE)
            .values("pool_id").annotate(n=Count("id")))
    counts = {pool.pk: 0 for pool in pools}
    counts.update({row["pool_id"]: row["n"] for row in rows})
    return counts


def _exhausted_recently(*, account_ids: set[int], pools: list[Pool], now: datetime) -> dict[int, int]:
    visitor = [pool.pk for pool in pools if pool.tracking == Pool.Tracking.VISITOR]
    if not visitor:
        return {}
    rows = (ExhaustionEvent.objects.filter(pool__account_id__in=sorted(account_ids), pool_id__in=visitor,
                                           occurred_at__gt=now - EXHAUSTION_WINDOW, occurred_at__lte=now)
            .values("pool_id").annotate(n=Count("id")))  # trackers_exhaustion_pool_idx (pool, occurred_at)
    return {row["pool_id"]: row["n"] for row in rows}


def _pools_with_matching_visits(*, pools: list[Pool], now: datetime) -> set[int]:
    """Source pools with an Active tracker whose exact source/medium (what DNI matches) had a human visit on the
    pool's website in its visit window. Read as the rules engine reads visits (attribution.source_counts): the
    counted days from SourceDay, the uncounted edges live. One query for the trackers, one for the websites' counted
    days, then per visit window (all websites at once) one on SourceDay and, for the sources not found there, one
    on the edges."""
    if not pools:
        return set()
    by_pk = {pool.pk: pool for pool in pools}
    sources: dict[int, set[SourceKey]] = {}
    for pool_id, source, medium in (CallTracker.objects.live().filter(pool_id__in=list(by_pk), status=CallTracker.Status.ACTIVE)
                                    .values_list("pool_id", "source", "medium").distinct()):
        sources.setdefault(pool_id, set()).add((source, medium))
    if not sources:
        return set()
    by_window: dict[int, dict[int, list[int]]] = {}  # visit window → website → pools
    for pool_id in sources:
        pool = by_pk[pool_id]
        by_window.setdefault(pool.visit_window_days, {}).setdefault(pool.website_id, []).append(pool_id)
    counted = source_days_counted_by_website(website_ids=sorted({p.website_id for p in by_pk.values()}))
    matched: set[int] = set()
    for days, websites in by_window.items():
        since = now - timedelta(days=days)
        asks = {website_id: set().union(*(sources[pk] for pk in ids)) for website_id, ids in websites.items()}
        seen = websites_sources_seen(asks=asks, since=since, until=now, counted=counted, live=False)
        unmatched = {website_id: [pk for pk in ids if not sources[pk] & seen[website_id]] for website_id, ids in websites.items()}
        asks = {website_id: set().union(*(sources[pk] for pk in ids)) for website_id, ids in unmatched.items() if ids}
        if asks:
            for website_id, found in websites_sources_seen(asks=asks, since=since, until=now, counted=counted,
                                                           live=True).items():
                seen[website_id] |= found
        matched |= {pk for website_id, ids in websites.items() for pk in ids if sources[pk] & seen[website_id]}
    return matched


def pool_fallbacks_outdated(*, pool: Pool):
    """Live provider-bought trackers of `pool` whose fallback does not (known to) dial its original number."""
    return (
        CallTracker.objects.live().filter(pool=pool).exclude(provider_number_id="")
        .exclude(fallback_number=pool.original_number).order_by("pk")
    )


def pool_fallback_status(*, pool: Pool) -> dict | None:
    """For the pool page while the original number's change reaches the provider: None when nothing is pending."""
    if pool.fallback_pending_since is None:
        return None
    return {"since": pool.fallback_pending_since, "outdated": pool_fallbacks_outdated(pool=pool).count(),
            "error": pool.fallback_error}
