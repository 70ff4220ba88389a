"""The first page of a new session on PostgreSQL: visitor, visit, first page view, a lease in every visitor pool
and the source pools' numbers in ONE SQL statement (data-modifying CTEs; autocommit makes it its own transaction).

The caller (`dni_snippet.services`) brings the visit's rows as CTEs (`attribution.services.visit_start_sql`: `vi`
is the new visit's id) and the visitor pools whose traffic filter the visit matches. Per visitor pool `i`:

- `p{i}` picks the least-recently-released free tracker (no unexpired exclusive open lease) with
  `FOR UPDATE OF t SKIP LOCKED`, only while the client holds fewer than its cap of the pool
  (`trackers.leasing.client_lease_cap`, computed in SQL: an InitPlan run once);
- `c{i}` closes the picked tracker's expired open lease, only if it is still expired (a renewal committed
  meanwhile wins: the row is re-checked under its lock);
- `l{i}` inserts the lease when the tracker was free or its lease was closed, `ON CONFLICT DO NOTHING`: a tracker a
  concurrent session took after this statement's snapshot (the partial unique index `one_open_per_tracker`)
  yields no lease instead of an error, so the visit is kept either way.

That race is common, not rare: concurrent new sessions all pick the same least-recently-released tracker, and one
whose snapshot predates the winner's commit locks it once the winner is done and finds it taken (two workers in
step lost about one pick in eight while the pick probed every tracker, one in twenty since). Such a pool (`SessionStart.lost`) takes another tracker by the same rules in one
more statement with a fresh snapshot (`lease_retake`), as the reference's own retry would. A pool that got no lease
otherwise (none free, the client's share reached, or still losing) is not decided here: the caller runs the full
rules for it (`trackers.leasing.lease_acquire`: retries, exhaustion policy, events), the reference these statements
must agree with (tests/trackers/test_new_session.py).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection

from core.prepared_sql import prepared_cursor
from trackers.leasing import LeaseGrant
from trackers.models import CallTracker, Lease


def new_session_in_one_statement() -> bool:
    """SQLite has no data-modifying CTEs nor row locks: there the ORM path records a new session."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class SessionStart:
    visitor_id: int
    visit_id: int
    grants: dict[int, LeaseGrant] = field(default_factory=dict)  # visitor pool id → new lease
    source_numbers: dict[int, str] = field(default_factory=dict)  # source pool id → tracking number
    lost: frozenset[int] = frozenset()  # visitor pools whose picked tracker a concurrent session took meanwhile


RETAKE_ATTEMPTS = 3


def _lease_ctes(i: int, pool, *, client_key: str, now: datetime, expires_at: datetime) -> tuple[list[str], list]:
    lease_t, tracker_t = Lease._meta.db_table, CallTracker._meta.db_table
    live = "status = 'active' AND deleted_at IS NULL"
    cap_sql, cap_params = "", []
    if client_key:
        cap_sql = (
            f"AND (SELECT count(*) FROM {lease_t} h JOIN {tracker_t} ht ON ht.id = h.tracker_id "
            f"WHERE h.client_key = %s AND h.ended_at IS NULL AND NOT h.is_shared AND h.expires_at > %s "
            f"AND ht.pool_id = %s) < GREATEST(%s, CEIL(%s::float8 * "
            f"(SELECT count(*) FROM {tracker_t} WHERE pool_id = %s AND {live}))) "
        )
        cap_params = [client_key, now, pool.pk, settings.DNI_CLIENT_LEASES_MIN, settings.DNI_CLIENT_LEASES_SHARE,
                      pool.pk]
    ctes = [
        # The pool's open exclusive leases come from one range of `trackers_lease_open_pool_idx` (a hash join), not
        # a probe per tracker of the pool (a LATERAL index scan: three quarters of the statement's time with 1000
        # trackers). At most one per tracker (`one_open_per_tracker`). A lease written without its pool (none is, see
        # Lease.pool_id) would leave its tracker looking free here: the insert below then does nothing (the unique
        # index) and the caller's full rules decide, as for a lost race. On statistics of a freshly loaded table the
        # planner may still choose a probe per tracker; (auto)analyze brings the hash join back.
        f"o{i} AS (SELECT tracker_id, expires_at FROM {lease_t} WHERE pool_id = %s AND ended_at IS NULL "
        f"AND NOT is_shared)",
        f"p{i} AS (SELECT t.id, t.tracking_number, o.expires_at AS open_expires_at FROM {tracker_t} t "
        f"LEFT JOIN o{i} o ON o.tracker_id = t.id "
        f"WHERE t.pool_id = %s AND t.status = 'active' AND t.deleted_at IS NULL "
        f"AND (o.tracker_id IS NULL OR o.expires_at <= %s) {cap_sql}"
        f"ORDER BY COALESCE(o.expires_at, t.lease_released_at) ASC NULLS FIRST, t.id "
        f"LIMIT 1 FOR UPDATE OF t SKIP LOCKED)",
        f"c{i} AS (UPDATE {lease_t} SET ended_at = expires_at "
        f"WHERE tracker_id = (SELECT id FROM p{i} WHERE open_expires_at IS NOT NULL) "
        f"AND ended_at IS NULL AND NOT is_shared AND expires_at <= %s RETURNING id)",
        f"l{i} AS (INSERT INTO {lease_t} (tracker_id, pool_id, visit_id, started_at, expires_at, ended_at, is_shared, "
        f"client_key) SELECT p{i}.id, %s, vi.id, %s, %s, NULL, FALSE, %s FROM p{i}, vi "
        f"WHERE p{i}.open_expires_at IS NULL OR EXISTS (SELECT FROM c{i}) "
        f"ON CONFLICT DO NOTHING RETURNING tracker_id)",
    ]
    params = [pool.pk, pool.pk, now, *cap_params, now, pool.pk, now, expires_at, client_key]
    return ctes, params


def session_start(*, visit_ctes: str, visit_params: list, visitor_pools, source_pools, source: str, medium: str,
                  client_key: str | None, now: datetime) -> SessionStart:
    """Run the new session's statement. `visit_ctes` must define `vr` (the visitor's id) and `vi` (the visit's id);
    `visitor_pools`: the live visitor pools the visit may lease in; `source`/`medium`: the visit's, for the source
    pools' numbers. Visitor pools missing from `grants` got no lease here."""
    tracker_t = CallTracker._meta.db_table
    ctes, params = [visit_ctes], list(visit_params)
    expires = {}
    columns = []
    for i, pool in enumerate(visitor_pools):
        expires[pool.pk] = now + timedelta(minutes=pool.lease_minutes)
        pool_ctes, pool_params = _lease_ctes(i, pool, client_key=client_key or "", now=now,
                                             expires_at=expires[pool.pk])
        ctes += pool_ctes
        params += pool_params
        columns += _lease_columns(i)
    column_params: list = []
    for pool in source_pools:
        columns.append(f"(SELECT tracking_number FROM {tracker_t} WHERE pool_id = %s AND status = 'active' "
                       f"AND deleted_at IS NULL AND source = %s AND medium = %s ORDER BY id LIMIT 1)")
        column_params += [pool.pk, source, medium]
    sql = f"WITH {', '.join(ctes)} SELECT vr.id, vi.id{''.join(', ' + c for c in columns)} FROM vr, vi"
    with prepared_cursor() as cursor:  # planned once per connection and shape of website (core.prepared_sql)
        cursor.execute(sql, [*params, *column_params])
        visitor_id, visit_id, *values = cursor.fetchone()
    grants, lost = {}, set()
    for i, pool in enumerate(visitor_pools):
        picked, tracker_id, number = values[3 * i:3 * i + 3]
        if tracker_id is not None:
            grants[pool.pk] = LeaseGrant(pool.pk, tracker_id, number, expires[pool.pk])
        elif picked is not None:
            lost.add(pool.pk)
    numbers = values[3 * len(visitor_pools):]
    source_numbers = {pool.pk: number for pool, number in zip(source_pools, numbers, strict=True) if number}
    return SessionStart(visitor_id, visit_id, grants, source_numbers, frozenset(lost))


def _lease_columns(i: int) -> list[str]:
    """The tracker `p{i}` picked (None: none free, or the client's share reached), and the lease's tracker and number
    (None: not inserted — a tracker picked but not leased was taken by a concurrent session)."""
    return [f"(SELECT id FROM p{i})",
            f"(SELECT p.id FROM p{i} p JOIN l{i} ON l{i}.tracker_id = p.id)",
            f"(SELECT p.tracking_number FROM p{i} p JOIN l{i} ON l{i}.tracker_id = p.id)"]


def lease_retake(*, pool, visit_id: int, client_key: str | None, now: datetime) -> LeaseGrant | None:
    """A lease in `pool` for the new visit `visit_id` after `session_start` lost its pick to a concurrent session: the
    same pick, close and insert in one statement, each attempt with a fresh snapshot (which sees the winner's lease).
    None when none is free, the client's share is reached, or it lost `RETAKE_ATTEMPTS` times: the caller then runs
    the full rules."""
    expires_at = now + timedelta(minutes=pool.lease_minutes)
    ctes, params = _lease_ctes(0, pool, client_key=client_key or "", now=now, expires_at=expires_at)
    sql = f"WITH vi AS (SELECT %s::bigint AS id), {', '.join(ctes)} SELECT {', '.join(_lease_columns(0))}"
    for _ in range(RETAKE_ATTEMPTS):
        with prepared_cursor() as cursor:
            cursor.execute(sql, [visit_id, *params])
            picked, tracker_id, number = cursor.fetchone()
        if tracker_id is not None:
            return LeaseGrant(pool.pk, tracker_id, number, expires_at)
        if picked is None:
            return None
    return None
