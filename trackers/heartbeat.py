"""The heartbeat of a running session: ONE SQL statement for any website, whatever pools it has.

- Visitor pools: `UPDATE lease … RETURNING` renews the session's open leases (each pool's own lease length,
  Active live trackers only) and returns their numbers.
- Source pools: the number of the tracker assigned to the session's source/medium is read in the same
  statement — a scalar subquery per source pool in the RETURNING list (or in a SELECT on the visit when the
  website has no visitor pool).

Anything else (unknown session, a lease that is gone, a pool added since) is not a heartbeat: `complete` is
False and the caller takes the slow path (`trackers.leasing.lease_acquire`, `source_tracker_get`).
Portable SQL: PostgreSQL and SQLite ≥ 3.35 (RETURNING).

A page load of a running session (`page_view`) on PostgreSQL is ONE statement too: data-modifying CTEs count
the page view on the visit (and fill in GA ids it lacks), keep its path (while the visit has fewer than
PageView.MAX_PER_VISIT) and renew the leases; `Heartbeat.page_view_recorded` tells the caller it is done.
SQLite has no data-modifying CTEs: there the caller records the page view itself.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection

from attribution.models import PageView, Visit
from core.prepared_sql import prepared_cursor
from core.traffic import traffic_matches
from trackers.leasing import LeaseGrant
from trackers.models import CallTracker, Lease


@dataclass(frozen=True)
class Heartbeat:
    complete: bool  # every visitor pool renewed and the session's visit found: nothing else to do
    grants: dict[int, LeaseGrant] = field(default_factory=dict)  # visitor pool id → renewed lease
    source_numbers: dict[int, str] = field(default_factory=dict)  # source pool id → tracking number
    page_view_recorded: bool = False  # the page view (and GA ids) were recorded by the statement


@dataclass(frozen=True)
class PageViewInput:
    """A page load to record with the heartbeat: its path, and GA ids to fill in where the visit has none."""
    path: str
    ga_client_id: str = ""
    ga_session_id: str = ""


def _tables() -> tuple[str, str, str]:
    return Lease._meta.db_table, CallTracker._meta.db_table, Visit._meta.db_table


def _source_number_columns(source_pools, visit_id_sql: str) -> tuple[list[str], list]:
    """One scalar subquery per source pool: its first Active tracker assigned to the visit's source/medium."""
    _, tracker_t, visit_t = _tables()
    columns, params = [], []
    for pool in source_pools:
        columns.append(
            f"(SELECT st.tracking_number FROM {tracker_t} st, {visit_t} sv "
            f"WHERE sv.id = {visit_id_sql} AND st.pool_id = %s AND st.status = 'active' AND st.deleted_at IS NULL "
            f"AND st.source = sv.source AND st.medium = sv.medium ORDER BY st.id LIMIT 1)"
        )
        params.append(pool.pk)
    return columns, params


def session_heartbeat(*, website_id: int, session_uid: str, visitor_pools, source_pools, now: datetime,
                      page_view: PageViewInput | None = None) -> Heartbeat:
    """Renew the session's leases in `visitor_pools` and read its numbers in `source_pools`, in one statement.

    With `page_view`, on PostgreSQL, the same statement records the page view (`page_view_recorded`).
    A visitor pool limited to some traffic (`traffic_filter`) that the session's visit does not match holds no
    lease of it and needs none: the statement also returns the visit's source/medium/campaign to tell. On SQLite,
    a session holding no lease at all then costs a second statement (the visit's row); PostgreSQL stays at one."""
    filtered = any(pool.traffic_filter for pool in visitor_pools)
    if connection.vendor == "postgresql" and (page_view is not None or filtered):
        return _page_load(website_id=website_id, session_uid=session_uid, visitor_pools=visitor_pools,
                          source_pools=source_pools, now=now, page_view=page_view)
    if not visitor_pools and not source_pools:
        return Heartbeat(complete=True)
    lease_t, tracker_t, visit_t = _tables()
    if not visitor_pools:
        return _visit_select(website_id=website_id, session_uid=session_uid, visitor_pools=[], source_pools=source_pools)

    expires, set_sql, set_params, marks = _renewal(visitor_pools, now)
    pool_of_lease = f"(SELECT pool_id FROM {tracker_t} t WHERE t.id = {lease_t}.tracker_id)"
    columns, column_params = _source_number_columns(source_pools, f"{lease_t}.visit_id")
    if filtered:
        columns = [f"(SELECT {c} FROM {visit_t} sv WHERE sv.id = {lease_t}.visit_id)" for c in VISIT_TRAFFIC] + columns
    sql = (
        f"UPDATE {lease_t} SET expires_at = {set_sql} "
        f"WHERE ended_at IS NULL "
        f"AND visit_id = (SELECT id FROM {visit_t} WHERE website_id = %s AND session_uid = %s) "
        f"AND tracker_id IN (SELECT id FROM {tracker_t} WHERE pool_id IN ({marks}) "
        f"AND status = 'active' AND deleted_at IS NULL) "
        f"RETURNING tracker_id, is_shared, "
        f"(SELECT tracking_number FROM {tracker_t} t WHERE t.id = {lease_t}.tracker_id), {pool_of_lease}"
        + "".join(f", {column}" for column in columns)
    )
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*set_params, website_id, session_uid, *expires, *column_params])
        rows = cursor.fetchall()
    grants = {
        pool_id: LeaseGrant(pool_id, tracker_id, number, expires[pool_id], bool(is_shared))
        for tracker_id, is_shared, number, pool_id, *_ in rows
    }
    if not rows and filtered:  # maybe a session no filtered pool wants: its visit tells
        return _visit_select(website_id=website_id, session_uid=session_uid, visitor_pools=visitor_pools,
                             source_pools=source_pools)
    traffic = rows[0][4:4 + len(VISIT_TRAFFIC)] if filtered else None
    if not _complete(visitor_pools, grants, traffic):
        return Heartbeat(complete=False, grants=grants)
    offset = 4 + (len(VISIT_TRAFFIC) if filtered else 0)
    return Heartbeat(complete=True, grants=grants, source_numbers=_numbers(source_pools, rows[0][offset:]))


VISIT_TRAFFIC = ("source", "medium", "campaign")  # what a visitor pool's traffic filter looks at


def _complete(visitor_pools, grants: dict, traffic) -> bool:
    """Every visitor pool renewed, or limited to traffic the visit (`traffic`: source, medium, campaign) is not."""
    for pool in visitor_pools:
        if pool.pk in grants:
            continue
        if not (pool.traffic_filter and traffic is not None and not traffic_matches(
                pool.traffic_filter, source=traffic[0], medium=traffic[1], campaign=traffic[2])):
            return False
    return True


def _visit_select(*, website_id: int, session_uid: str, visitor_pools, source_pools) -> Heartbeat:
    """A session holding no lease: the visit's traffic and its source pools' numbers, one SELECT."""
    _, _, visit_t = _tables()
    columns, params = _source_number_columns(source_pools, "v.id")
    columns = [f"v.{c}" for c in VISIT_TRAFFIC] + columns
    sql = f"SELECT {', '.join(columns)} FROM {visit_t} v WHERE v.website_id = %s AND v.session_uid = %s"
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*params, website_id, session_uid])
        row = cursor.fetchone()
    if row is None or not _complete(visitor_pools, {}, row[:len(VISIT_TRAFFIC)]):
        return Heartbeat(complete=False)
    return Heartbeat(complete=True, source_numbers=_numbers(source_pools, row[len(VISIT_TRAFFIC):]))


def _renewal(visitor_pools, now: datetime):
    """Each visitor pool's new expiry, the SET expression (and its parameters) and the pools' placeholders."""
    lease_t, tracker_t, _ = _tables()
    expires = {pool.pk: now + timedelta(minutes=pool.lease_minutes) for pool in visitor_pools}
    pool_of_lease = f"(SELECT pool_id FROM {tracker_t} t WHERE t.id = {lease_t}.tracker_id)"
    if len(set(expires.values())) == 1:
        set_sql, set_params = "%s", [next(iter(expires.values()))]
    else:  # pools with different lease lengths: still one statement
        set_sql = f"CASE {pool_of_lease} " + " ".join("WHEN %s THEN %s" for _ in expires) + " ELSE expires_at END"
        set_params = [value for item in expires.items() for value in item]
    return expires, set_sql, set_params, ", ".join(["%s"] * len(expires))


def _page_load(*, website_id: int, session_uid: str, visitor_pools, source_pools, now: datetime,
               page_view: PageViewInput | None) -> Heartbeat:
    """PostgreSQL: the page view, GA ids, lease renewal and source numbers of a running session in one statement.

    `v` counts the page view on the visit (no row: unknown session, nothing recorded) — or, for a heartbeat
    (`page_view` None), only reads it; `pv` keeps its path while the visit had fewer than MAX_PER_VISIT; `l` renews
    the leases as the plain heartbeat does. One row per renewed lease (one with NULL lease columns when none was),
    each carrying the visit's traffic (for pools limited to some traffic) and the source numbers."""
    lease_t, tracker_t, visit_t = _tables()
    traffic = ", ".join(VISIT_TRAFFIC)
    if page_view is None:
        ctes = [f"v AS (SELECT id, {traffic} FROM {visit_t} WHERE website_id = %s AND session_uid = %s)"]
        params: list = [website_id, session_uid]
    else:
        ga_sets, ga_params = [], []
        for column, value in (("ga_client_id", page_view.ga_client_id), ("ga_session_id", page_view.ga_session_id)):
            if value:
                ga_sets.append(f", {column} = CASE WHEN {column} = '' THEN %s ELSE {column} END")
                ga_params.append(value)
        ctes = [
            f"v AS (UPDATE {visit_t} SET pageviews = pageviews + 1, last_seen_at = %s{''.join(ga_sets)} "
            f"WHERE website_id = %s AND session_uid = %s RETURNING id, pageviews, {traffic})",
            f"pv AS (INSERT INTO {PageView._meta.db_table} (visit_id, path, viewed_at) "
            f"SELECT id, %s, %s FROM v WHERE pageviews <= %s)",
        ]
        params = [now, *ga_params, website_id, session_uid, page_view.path[:2000], now, PageView.MAX_PER_VISIT]
    lease_columns, join = "", ""
    expires = {}
    if visitor_pools:
        expires, set_sql, set_params, marks = _renewal(visitor_pools, now)
        ctes.append(
            f"l AS (UPDATE {lease_t} SET expires_at = {set_sql} WHERE ended_at IS NULL "
            f"AND visit_id = (SELECT id FROM v) "
            f"AND tracker_id IN (SELECT id FROM {tracker_t} WHERE pool_id IN ({marks}) "
            f"AND status = 'active' AND deleted_at IS NULL) RETURNING tracker_id, is_shared)"
        )
        params += [*set_params, *expires]
        lease_columns = (f", l.tracker_id, l.is_shared, (SELECT tracking_number FROM {tracker_t} t WHERE t.id = l.tracker_id)"
                         f", (SELECT pool_id FROM {tracker_t} t WHERE t.id = l.tracker_id)")
        join = " LEFT JOIN l ON TRUE"
    columns, column_params = _source_number_columns(source_pools, "v.id")
    visit_columns = "".join(f", v.{c}" for c in VISIT_TRAFFIC)
    sql = (f"WITH {', '.join(ctes)} SELECT v.id{visit_columns}{lease_columns}{''.join(f', {c}' for c in columns)} "
           f"FROM v{join}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *column_params])
        rows = cursor.fetchall()
    recorded = page_view is not None
    if not rows:
        return Heartbeat(complete=False)
    first = 1 + len(VISIT_TRAFFIC)
    traffic_values = rows[0][1:first]
    if not visitor_pools:
        return Heartbeat(complete=True, source_numbers=_numbers(source_pools, rows[0][first:]), page_view_recorded=recorded)
    grants = {
        row[first + 3]: LeaseGrant(row[first + 3], row[first], row[first + 2], expires[row[first + 3]], bool(row[first + 1]))
        for row in rows if row[first] is not None
    }
    return Heartbeat(complete=_complete(visitor_pools, grants, traffic_values), grants=grants,
                     source_numbers=_numbers(source_pools, rows[0][first + 4:]), page_view_recorded=recorded)


def _numbers(source_pools, values) -> dict[int, str]:
    return {pool.pk: number for pool, number in zip(source_pools, values, strict=True) if number}
