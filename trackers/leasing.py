"""Visitor-pool leases: a session borrows one Active tracker of a pool for [started_at, expires_at).

- Same session → same number: a session's open lease is renewed, even after it expired, as long as
  nobody else has taken the tracker since.
- The heartbeat is one SQL statement (UPDATE … RETURNING), see `trackers.heartbeat`.
- A new lease takes the least-recently-released free tracker. "Free" (no unexpired open lease) is
  checked in the statement that locks the tracker (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite
  runs IMMEDIATE transactions, one writer at a time); an expired lease is closed with a conditional
  UPDATE whose row count proves it was not renewed meanwhile, so a lease is never stolen, and a
  concurrent loser retries with another tracker.
- Exhaustion follows `pool.exhaustion` and is recorded as an `ExhaustionEvent`.
- One client (an IPv4 address or an IPv6 /64: `core.client_ip.client_key`) holds at most
  `client_lease_cap` open numbers of a pool; beyond it a new session is treated as if the pool were exhausted
  (recorded with `is_client_cap`), so nobody drains a pool by opening sessions. The check is part of the
  statement that picks the free tracker: no extra round trip.
- On PostgreSQL a new session's leases are taken inside the statement that records its visit
  (`trackers.new_session`), by these rules; this module is their reference, SQLite's path, and what runs for a pool
  that statement could not serve (none free, the client's share reached, a race lost).
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from trackers.models import CallTracker, ExhaustionEvent, Lease

CLIENT_CAPPED = "client_capped"  # _take_one: a tracker is free, but this client already holds its share


@dataclass(frozen=True)
class LeaseGrant:
    pool_id: int
    tracker_id: int
    tracking_number: str
    expires_at: datetime
    is_shared: bool = False


def _free_trackers(*, pool, now: datetime):
    """Active trackers of the pool with no unexpired exclusive open lease, least-recently-released first."""
    open_expiry = Lease.objects.filter(tracker=OuterRef("pk"), ended_at__isnull=True, is_shared=False).values("expires_at")[:1]
    return (
        CallTracker.objects.filter(pool=pool, status=CallTracker.Status.ACTIVE, deleted_at__isnull=True)
        .annotate(open_expires_at=Subquery(open_expiry))
        .filter(Q(open_expires_at__isnull=True) | Q(open_expires_at__lte=now))
        .order_by(Coalesce("open_expires_at", "lease_released_at").asc(nulls_first=True), "pk")
    )


def client_lease_cap(*, trackers: int, minimum: int, share: float) -> int:
    """How many open numbers of a pool of `trackers` numbers one client may hold: max(minimum, ⌈share × trackers⌉)."""
    return max(minimum, math.ceil(share * trackers))


def _with_client_holdings(candidates, *, pool, client_key: str, now: datetime):
    """Annotates the candidates with what the per-client cap needs, computed inside the same statement."""
    held = (
        Lease.objects.filter(client_key=client_key, tracker__pool=pool, ended_at__isnull=True, is_shared=False,
                             expires_at__gt=now)
        .order_by().values("client_key").annotate(n=Count("pk")).values("n")
    )
    size = (
        CallTracker.objects.filter(pool=pool, status=CallTracker.Status.ACTIVE, deleted_at__isnull=True)
        .order_by().values("pool").annotate(n=Count("pk")).values("n")
    )
    return candidates.annotate(client_held=Coalesce(Subquery(held), Value(0)),
                               pool_trackers=Coalesce(Subquery(size), Value(0)))


def _is_client_capped(tracker) -> bool:
    cap = client_lease_cap(trackers=tracker.pool_trackers, minimum=settings.DNI_CLIENT_LEASES_MIN,
                           share=settings.DNI_CLIENT_LEASES_SHARE)
    return tracker.client_held >= cap


def _take_one(*, pool, visit, now: datetime, expires_at: datetime, exclude: set[int],
              client_key: str = "") -> LeaseGrant | None | bool | str:
    """One attempt. Returns a grant, None when no tracker is free, False when a race was lost, CLIENT_CAPPED
    when the client already holds its share of the pool."""
    with transaction.atomic():
        candidates = _free_trackers(pool=pool, now=now).exclude(pk__in=exclude)
        if client_key:
            candidates = _with_client_holdings(candidates, pool=pool, client_key=client_key, now=now)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        tracker = candidates.only("pk", "tracking_number").first()
        if tracker is None:
            return None
        if client_key and _is_client_capped(tracker):
            return CLIENT_CAPPED
        exclude.add(tracker.pk)
        if tracker.open_expires_at is not None:
            # Close the expired lease, but only if it is still expired: a renewal that got there first wins.
            closed = Lease.objects.filter(
                tracker=tracker, ended_at__isnull=True, is_shared=False, expires_at__lte=now
            ).update(ended_at=F("expires_at"))
            if closed != 1:
                return False
        try:
            with transaction.atomic():
                Lease.objects.create(tracker=tracker, pool_id=pool.pk, visit=visit, started_at=now,
                                     expires_at=expires_at, client_key=client_key)
        except IntegrityError:
            return False
        return LeaseGrant(pool.pk, tracker.pk, tracker.tracking_number, expires_at)


def share_candidates(*, pool, now: datetime):
    """`share` exhaustion: Active trackers, fewest unexpired open shared leases first, then least recently released.

    Spreads overflow sessions over the pool instead of piling them all onto one number. Each tracker's count reads
    its open leases only (trackers_lease_end_idx), not the history a join of its leases would walk.
    """
    open_shared = (Lease.objects.filter(tracker=OuterRef("pk"), ended_at__isnull=True, is_shared=True,
                                        expires_at__gt=now)
                   .order_by().values("tracker").annotate(count=Count("pk")).values("count"))
    return (
        CallTracker.objects.filter(pool=pool, status=CallTracker.Status.ACTIVE, deleted_at__isnull=True)
        .annotate(shared_open=Coalesce(Subquery(open_shared), 0))
        .order_by("shared_open", F("lease_released_at").asc(nulls_first=True), "pk")
    )


def _share_one(*, pool, visit, now: datetime, expires_at: datetime, client_key: str) -> LeaseGrant | None:
    tracker = share_candidates(pool=pool, now=now).only("pk", "tracking_number").first()
    if tracker is None:
        return None
    Lease.objects.create(tracker=tracker, pool_id=pool.pk, visit=visit, started_at=now, expires_at=expires_at,
                         is_shared=True, client_key=client_key)
    return LeaseGrant(pool.pk, tracker.pk, tracker.tracking_number, expires_at, is_shared=True)


def _record_exhaustion(*, pool, visit, now: datetime, is_shared: bool, is_client_cap: bool) -> None:
    # Once per session and pool, so heartbeats of an unlucky session are not counted again.
    if not ExhaustionEvent.objects.filter(pool=pool, visit=visit).exists():
        ExhaustionEvent.objects.create(pool=pool, visit=visit, occurred_at=now, is_shared=is_shared,
                                       is_client_cap=is_client_cap)


def _release_open(*, lease: Lease, now: datetime) -> None:
    ended = min(now, lease.expires_at)
    if Lease.objects.filter(pk=lease.pk, ended_at__isnull=True).update(ended_at=ended):
        CallTracker.objects.filter(pk=lease.tracker_id).update(lease_released_at=ended)


def lease_acquire(*, pool, visit, now: datetime, is_new_visit: bool = False, client_key: str | None = None) -> LeaseGrant | None:
    """The session's number in `pool`: its own open lease renewed, else a free tracker, else the exhaustion policy.

    None means "show the original number" (retired pool, no tracker, or exhaustion policy `original`).
    `is_new_visit`: the visit was created by this request, so it cannot hold a lease yet.
    `client_key`: who is asking (`core.client_ip.client_key`); a client holding its share of the pool gets the
    exhaustion policy. None (no known address) is not capped.
    """
    client_key = client_key or ""
    if pool.retired_at is not None:
        return None
    expires_at = now + timedelta(minutes=pool.lease_minutes)
    if not is_new_visit:
        grant = _lease_own(pool=pool, visit=visit, now=now, expires_at=expires_at)
        if grant is not None:
            return grant
    exclude: set[int] = set()
    is_client_cap = False
    # A lost race (False) means another session took that tracker after this statement's snapshot: it is excluded
    # and the next free one tried, until one is granted or none is left, so the loop ends within the pool's size.
    # A cap on attempts would show the original number while numbers are free (under load, 8 attempts lost in a row).
    while True:
        result = _take_one(pool=pool, visit=visit, now=now, expires_at=expires_at, exclude=exclude, client_key=client_key)
        if result is None:
            break
        if result is CLIENT_CAPPED:
            is_client_cap = True
            break
        if isinstance(result, LeaseGrant):  # not None (none free), not False (a lost race)
            return result
    with transaction.atomic():
        if pool.exhaustion == pool.Exhaustion.SHARE:
            grant = _share_one(pool=pool, visit=visit, now=now, expires_at=expires_at, client_key=client_key)
            _record_exhaustion(pool=pool, visit=visit, now=now, is_shared=grant is not None, is_client_cap=is_client_cap)
            return grant
        _record_exhaustion(pool=pool, visit=visit, now=now, is_shared=False, is_client_cap=is_client_cap)
    return None


def _lease_own(*, pool, visit, now: datetime, expires_at: datetime) -> LeaseGrant | None:
    """The session's open lease in `pool`, renewed even if it lapsed, as long as nobody took the tracker since."""
    with transaction.atomic():
        # Serialises concurrent requests of one session (two tabs opening at once).
        type(visit).objects.select_for_update().filter(pk=visit.pk).values_list("pk").first()
        mine = (
            Lease.objects.filter(visit=visit, ended_at__isnull=True, tracker__pool=pool)
            .select_related("tracker").order_by("-started_at").first()
        )
        if mine is not None:
            tracker = mine.tracker
            if tracker.status == CallTracker.Status.ACTIVE and tracker.deleted_at is None:
                renewed = Lease.objects.filter(pk=mine.pk, ended_at__isnull=True).update(expires_at=expires_at)
                if renewed:
                    return LeaseGrant(pool.pk, tracker.pk, tracker.tracking_number, expires_at, mine.is_shared)
            else:
                _release_open(lease=mine, now=now)
    return None


def lease_shorten(*, website_id: int, session_uid: str, until: datetime, seen_expires_at: datetime | None = None) -> int:
    """The visitor left (`pagehide` beacon): the session's open leases now expire at `until` at the latest.

    Never extends a lease, never ends one: the next page's assign renews it, so moving between pages keeps the
    number, and after `until` the tracker is free for someone else. `seen_expires_at` is the expiry the leaving
    page last saw: a lease renewed since (the next page, another tab) expires later and is left alone, so a
    beacon that arrives after the next page's assign cannot cut its lease short. Returns how many were shortened.
    """
    # Every condition sits on the lease row itself (the session's visit is a scalar subquery, not a join that Django
    # would turn into `id IN (…)`), so on PostgreSQL a renewal committed meanwhile is re-checked against the new
    # row version: a concurrent next page's renewal is never overwritten.
    visit_model = Lease._meta.get_field("visit").related_model
    session_visit = visit_model._default_manager.filter(website_id=website_id, session_uid=session_uid).values("pk")[:1]
    leases = Lease.objects.filter(
        ended_at__isnull=True, visit_id=Subquery(session_visit), expires_at__gt=until, started_at__lt=until,
    )
    if seen_expires_at is not None:
        # "< seen + 1 ms" rather than "<= seen": raw-SQL renewals store SQLite datetimes with a "+00:00" suffix
        # that text comparison puts after the same instant written by the ORM. Renewals are seconds apart.
        leases = leases.filter(expires_at__lt=seen_expires_at + timedelta(milliseconds=1))
    return leases.update(expires_at=until)


def lease_release_expired(*, now: datetime) -> int:
    """Close leases that expired (a periodic sweep keeps `lease_released_at` accurate). Returns how many."""
    count = 0
    for lease in Lease.objects.filter(ended_at__isnull=True, expires_at__lte=now).only("pk", "tracker_id", "expires_at").iterator():
        with transaction.atomic():
            if Lease.objects.filter(pk=lease.pk, ended_at__isnull=True, expires_at__lte=now).update(ended_at=F("expires_at")):
                CallTracker.objects.filter(pk=lease.tracker_id).update(lease_released_at=lease.expires_at)
                count += 1
    return count


def source_tracker_get(*, pool, source: str, medium: str) -> CallTracker | None:
    """Source pools: the Active tracker assigned to the visit's source/medium (none → show the original)."""
    if pool.retired_at is not None:
        return None
    return (
        CallTracker.objects.filter(pool=pool, status=CallTracker.Status.ACTIVE, deleted_at__isnull=True,
                                   source=source, medium=medium)
        .order_by("pk").only("pk", "tracking_number").first()
    )
