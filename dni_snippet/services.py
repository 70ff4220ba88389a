"""The assign step: who is this session, and which numbers does it see. Orchestrates attribution and trackers."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from crawlerdetect import CrawlerDetect

from attribution.services import (
    VisitInput,
    clean_id,
    new_id,
    visit_get,
    visit_page_view_record,
    visit_record,
    visit_set_ga_ids,
    website_mark_snippet_seen,
)
from core.phones import phone_display
from trackers.leasing import lease_acquire, lease_renew, source_tracker_get

SESSION_MINUTES = 30


@dataclass
class AssignResult:
    visitor_id: str
    session_id: str
    expires_at: datetime
    heartbeat_seconds: int
    numbers: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "visitor_id": self.visitor_id,
            "session_id": self.session_id,
            "expires_at": self.expires_at.isoformat().replace("+00:00", "Z"),
            "heartbeat_seconds": self.heartbeat_seconds,
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


def dni_assign(*, website, pools, visitor_id, session_id, data: VisitInput, origin: str, now: datetime) -> AssignResult:
    """Numbers for one page view or heartbeat. `pools` are the website's pools (retired ones hand out nothing).

    Heartbeat path (known session whose leases are all still open): the pools query of the caller plus ONE
    UPDATE … RETURNING here. Otherwise the visit is recorded and leases are taken.
    """
    live = [p for p in pools if p.retired_at is None]
    visitor_pools = [p for p in live if p.tracking == p.Tracking.VISITOR]
    source_pools = [p for p in live if p.tracking == p.Tracking.SOURCE]
    visitor_uid = clean_id(visitor_id) or new_id()
    session_uid = clean_id(session_id)
    result = AssignResult(visitor_uid, session_uid or new_id(), now + timedelta(minutes=SESSION_MINUTES), heartbeat_seconds(live))
    if is_bot(data.user_agent):
        return result
    website_mark_snippet_seen(website=website, origin=origin, now=now)
    grants = {}
    if session_uid and visitor_pools:
        grants = lease_renew(website_id=website.pk, session_uid=session_uid, pools=visitor_pools, now=now)
    visit, is_new_visit = None, False
    if not session_uid or len(grants) < len(visitor_pools) or source_pools:
        # A running session is read, never re-classified: it keeps the source it started with.
        visit = visit_get(website=website, session_uid=session_uid) if session_uid else None
        if visit is None:
            is_new_visit = True
            visit = visit_record(website=website, visitor_uid=visitor_uid, session_uid=result.session_id, data=data,
                                 now=now, is_new=session_uid is None and clean_id(visitor_id) is None)
        for pool in visitor_pools:
            if pool.pk not in grants:
                grant = lease_acquire(pool=pool, visit=visit, now=now, is_new_visit=is_new_visit)
                if grant is not None:
                    grants[pool.pk] = grant
    if data.is_page_load and session_uid and not is_new_visit:
        # A page load of a running session (heartbeats are not page views): count it and keep its path.
        visit = visit or visit_get(website=website, session_uid=session_uid)
        if visit is not None:
            visit_page_view_record(visit=visit, page_url=data.page_url, now=now)
    if session_uid and not is_new_visit and (data.ga_client_id or data.ga_session_id):
        visit_set_ga_ids(website=website, session_uid=session_uid, data=data)
    for pool in visitor_pools:
        grant = grants.get(pool.pk)
        if grant is not None:
            result.numbers.append(_number(pool, grant.tracking_number))
            result.expires_at = min(result.expires_at, grant.expires_at)
    for pool in source_pools:
        tracker = source_tracker_get(pool=pool, source=visit.source, medium=visit.medium)
        if tracker is not None:
            result.numbers.append(_number(pool, tracker.tracking_number))
    return result
