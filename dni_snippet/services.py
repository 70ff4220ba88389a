"""The assign step: who is this session, and which numbers does it see. Orchestrates attribution and trackers."""

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from crawlerdetect import CrawlerDetect

from attribution.models import Visit
from attribution.services import (
    VisitInput,
    clean_id,
    new_id,
    page_path,
    visit_get,
    visit_page_view_record,
    visit_record,
    visit_set_ga_ids,
    visit_start_sql,
    visit_started,
    website_mark_snippet_seen,
)
from core.cookie_domain import cookie_domain
from core.phones import phone_display
from core.traffic import traffic_matches
from trackers.heartbeat import PageViewInput, session_heartbeat
from trackers.leasing import LeaseGrant, lease_acquire, lease_shorten, source_tracker_get
from trackers.new_session import lease_retake, new_session_in_one_statement, session_start

SESSION_MINUTES = 30


@dataclass
class AssignResult:
    visitor_id: str
    session_id: str
    expires_at: datetime
    heartbeat_seconds: int
    cookie_domain: str | None = None  # where the script keeps its `_callpool` cookie (None: host-only)
    numbers: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "visitor_id": self.visitor_id,
            "session_id": self.session_id,
            "expires_at": self.expires_at.isoformat().replace("+00:00", "Z"),
            "heartbeat_seconds": self.heartbeat_seconds,
            "cookie_domain": self.cookie_domain,
            "numbers": self.numbers,
        }


@lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    return not user_agent or CrawlerDetect().isCrawler(user_agent)


def heartbeat_seconds(pools) -> int:
    """Often enough to renew a lease several times before it lapses, rarely enough to stay cheap."""
    minutes = [p.lease_minutes for p in pools if p.tracking == p.Tracking.VISITOR] or [SESSION_MINUTES]
    return max(15, min(min(minutes) * 60 // 3, 300))


def _number(pool, tracking_number: str) -> dict:
    return {"original": pool.original_number, "tracking": tracking_number, "display": phone_display(tracking_number)}


@dataclass
class _Held:
    """What the session holds once its path ran: visitor pool id → lease, source pool id → number."""
    grants: dict[int, LeaseGrant]
    source_numbers: dict[int, str]
    visit: Visit | None = None  # read or recorded by the first-page path; a heartbeat reads none
    is_new_visit: bool = False


def dni_assign(*, website, pools, visitor_id, session_id, data: VisitInput, origin: str, now: datetime,
               client_key: str | None = None) -> AssignResult:
    """Numbers for one page view or heartbeat. `pools` are the website's pools (retired ones hand out nothing).

    Two paths. The heartbeat (a known session whose leases are all still open): ONE statement
    (`trackers.heartbeat.session_heartbeat`), for visitor pools, source pools or both; the caller's website
    lookup comes from the cache; on PostgreSQL a page load (`page_load: true`) records its page view in that same
    statement. A first page without a session id on PostgreSQL: ONE statement too (`_new_session`). Any other first
    page (SQLite, or a session the heartbeat cannot serve in full): `_first_page`;
    `client_key` (`core.client_ip.client_key`) caps the numbers one client holds. Then, for a running session,
    its page load and GA ids are recorded in one place.
    """
    live = [p for p in pools if p.retired_at is None and not p.offline]  # offline numbers are printed, never shown
    visitor_pools = [p for p in live if p.tracking == p.Tracking.VISITOR]
    source_pools = [p for p in live if p.tracking == p.Tracking.SOURCE]
    session_uid = clean_id(session_id)
    result = AssignResult(clean_id(visitor_id) or new_id(), session_uid or new_id(),
                          now + timedelta(minutes=SESSION_MINUTES), heartbeat_seconds(live),
                          cookie_domain(data.page_url))
    if is_bot(data.user_agent):
        return result
    website_mark_snippet_seen(website=website, origin=origin, now=now)
    page_view = PageViewInput(page_path(data.page_url), data.ga_client_id, data.ga_session_id) if (
        data.is_page_load) else None
    beat = session_heartbeat(website_id=website.pk, session_uid=session_uid, visitor_pools=visitor_pools,
                             source_pools=source_pools, now=now, page_view=page_view) if session_uid else None
    if beat is not None and beat.complete:
        held = _Held(dict(beat.grants), beat.source_numbers)
    elif session_uid is None and new_session_in_one_statement():
        held = _new_session(website=website, visitor_pools=visitor_pools, source_pools=source_pools, result=result,
                            data=data, now=now, client_key=client_key)
    else:
        held = _first_page(website=website, visitor_pools=visitor_pools, source_pools=source_pools, result=result,
                           session_uid=session_uid, is_new=session_uid is None and clean_id(visitor_id) is None,
                           renewed=beat.grants if beat is not None else {}, data=data, now=now,
                           client_key=client_key)
    if session_uid and not held.is_new_visit and not (beat is not None and beat.page_view_recorded):
        _running_session_visit_update(website=website, session_uid=session_uid, visit=held.visit, data=data, now=now)
    return _with_numbers(result, held, visitor_pools, source_pools)


def _first_page(*, website, visitor_pools, source_pools, result: AssignResult, session_uid: str | None,
                is_new: bool, renewed: dict[int, LeaseGrant], data: VisitInput, now: datetime,
                client_key: str | None = None) -> _Held:
    """A new session (its visit, first page view and GA ids recorded at once), or a running one the heartbeat
    could not serve in full (a lease gone, a pool added): the leases it lacks are taken, source numbers read.
    A visitor pool limited to some traffic (`traffic_filter`) leases only to visits of that traffic; others see a
    source pool's number for the same original, or the original.

    `session_uid`: the session id the client sent, if any; `is_new`: neither id was sent."""
    # A running session is read, never re-classified: it keeps the source it started with.
    visit = visit_get(website=website, session_uid=session_uid) if session_uid else None
    is_new_visit = visit is None
    if is_new_visit:
        visit = visit_record(website=website, visitor_uid=result.visitor_id, session_uid=result.session_id, data=data,
                             now=now, is_new=is_new)
    assert visit is not None  # read or just recorded
    grants = dict(renewed)
    for pool in visitor_pools:
        if pool.pk not in grants and traffic_matches(pool.traffic_filter, source=visit.source, medium=visit.medium,
                                                     campaign=visit.campaign):
            grant = lease_acquire(pool=pool, visit=visit, now=now, is_new_visit=is_new_visit, client_key=client_key)
            if grant is not None:
                grants[pool.pk] = grant
    source_numbers = {}
    for pool in source_pools:
        tracker = source_tracker_get(pool=pool, source=visit.source, medium=visit.medium)
        if tracker is not None:
            source_numbers[pool.pk] = tracker.tracking_number
    return _Held(grants, source_numbers, visit, is_new_visit)


def _new_session(*, website, visitor_pools, source_pools, result: AssignResult, data: VisitInput, now: datetime,
                 client_key: str | None) -> _Held:
    """PostgreSQL, no session sent (a new visitor, or a returning one): visitor, classified visit, first page view,
    leases and source numbers in one statement (`trackers.new_session`). A visitor pool whose pick a concurrent
    session took meanwhile takes another in one more statement; one it could not serve otherwise (none free, the
    client's share reached) gets the full leasing rules after it."""
    start = visit_start_sql(website=website, visitor_uid=result.visitor_id, session_uid=result.session_id, data=data,
                            now=now)
    classified = start.visit
    wanted = [pool for pool in visitor_pools if traffic_matches(
        pool.traffic_filter, source=classified.source, medium=classified.medium, campaign=classified.campaign)]
    started = session_start(visit_ctes=start.ctes, visit_params=start.params, visitor_pools=wanted,
                            source_pools=source_pools, source=classified.source, medium=classified.medium,
                            client_key=client_key, now=now)
    visit = visit_started(start, visitor_id=started.visitor_id, visit_id=started.visit_id)
    grants = dict(started.grants)
    for pool in wanted:
        if pool.pk not in grants:
            grant = lease_retake(pool=pool, visit_id=visit.pk, client_key=client_key, now=now) if (
                pool.pk in started.lost) else None
            if grant is None:
                grant = lease_acquire(pool=pool, visit=visit, now=now, is_new_visit=True, client_key=client_key)
            if grant is not None:
                grants[pool.pk] = grant
    return _Held(grants, started.source_numbers, visit, is_new_visit=True)


def _running_session_visit_update(*, website, session_uid: str, visit: Visit | None, data: VisitInput,
                                  now: datetime) -> None:
    """The one place a running session's page views and GA ids are recorded (a new visit gets both when it is
    recorded). A page load counts a page view and keeps its path; a heartbeat is not a page view. GA ids often
    appear after the first page (gtag loads later): filled in, never overwritten."""
    if data.is_page_load:
        visit = visit or visit_get(website=website, session_uid=session_uid)
        if visit is not None:
            visit_page_view_record(visit=visit, page_url=data.page_url, now=now)
    if data.ga_client_id or data.ga_session_id:
        visit_set_ga_ids(website=website, session_uid=session_uid, data=data)


def _with_numbers(result: AssignResult, held: _Held, visitor_pools, source_pools) -> AssignResult:
    """The numbers in pool order; the session expires with its first lease to lapse."""
    for pool in visitor_pools:
        grant = held.grants.get(pool.pk)
        if grant is not None:
            result.numbers.append(_number(pool, grant.tracking_number))
            result.expires_at = min(result.expires_at, grant.expires_at)
    for pool in source_pools:
        if pool.pk in held.source_numbers:
            result.numbers.append(_number(pool, held.source_numbers[pool.pk]))
    return result


def dni_leave(*, website, session_id, now: datetime, grace_seconds: int, seen_expires_at: datetime | None = None) -> int:
    """The visitor left a page: the session's numbers come back `grace_seconds` from now unless a next page renews them."""
    session_uid = clean_id(session_id)
    if session_uid is None:
        return 0
    return lease_shorten(website_id=website.pk, session_uid=session_uid, until=now + timedelta(seconds=grace_seconds),
                         seen_expires_at=seen_expires_at)


def amp_session_uid(client_id: str) -> str:
    """AMP's CLIENT_ID plays the session id: a stable first-party-shaped id derived from it (any length, any chars)."""
    digest = hashlib.sha256(b"amp:" + client_id.encode("utf-8", "surrogatepass")).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def dni_amp_number(*, website, pool, client_id: str, data: VisitInput, origin: str, now: datetime,
                   client_key: str | None = None) -> str:
    """`amp-call-tracking`: the number this AMP reader sees for `pool` (its original when nothing is leased)."""
    uid = amp_session_uid(client_id)
    result = dni_assign(website=website, pools=[pool], visitor_id=uid, session_id=uid, data=data, origin=origin, now=now,
                        client_key=client_key)
    return result.numbers[0]["tracking"] if result.numbers else pool.original_number
