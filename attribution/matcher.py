"""Which visit or source a call belongs to. Pure: facts and the call time in, a decision out.

The method words are the stored values of `calls.Call.Method` (this module sits below calls). How a tracker
showed its source is said in this module's own words (TOP, STALE, NOT_SHOWN): the caller, above trackers,
translates the tracker's status, so no tracker word is tested here.
Visitor pools: the lease on the called tracker that covered the call time (high confidence), else
the lease that ended most recently before the call, within the pool's lease time (lower
confidence, decaying with the gap), else none. Source pools: the tracker's source/medium at the
call time, read from its status history.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

LEASE = "lease"
RECENT_LEASE = "recent_lease"
SOURCE = "source"
NONE = "none"

# How a source pool's tracker showed its source/medium on the site.
TOP = "top"  # on the top list (the tracker is active)
STALE = "stale"  # off the top list but still shown from caches and old pages (flagged)
NOT_SHOWN = ""  # available, deleted: not showing any source

CONFIDENCE_COVERING = 1.0
CONFIDENCE_COVERING_SHARED = 0.5  # a shared number was on several sessions' screens at once
CONFIDENCE_RECENT_MAX = 0.6
CONFIDENCE_RECENT_MIN = 0.2
CONFIDENCE_SOURCE_ACTIVE = 0.9
CONFIDENCE_SOURCE_FLAGGED = 0.7  # off the top list, but still shown from caches and old pages


@dataclass(frozen=True)
class LeaseFact:
    visit_id: int
    started_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    is_shared: bool = False

    @property
    def end(self) -> datetime:
        """When the number stopped belonging to the session: released, or expired unrenewed."""
        return min(self.ended_at, self.expires_at) if self.ended_at else self.expires_at


@dataclass(frozen=True)
class AssignmentFact:
    """One row of a tracker's history: from `at` on, it showed (`shown`) `source`/`medium`."""

    at: datetime
    shown: str = NOT_SHOWN
    source: str = ""
    medium: str = ""
    order: int = 0  # breaks ties between rows written at the same instant (the row id)


@dataclass(frozen=True)
class Match:
    method: str
    confidence: float
    visit_id: int | None = None
    source: str = ""
    medium: str = ""


NO_MATCH = Match(method=NONE, confidence=0.0)


def plan_visitor_match(*, leases: Iterable[LeaseFact], call_at: datetime, lease_minutes: int) -> Match:
    leases = list(leases)
    covering = [lease for lease in leases if lease.started_at <= call_at < lease.end]
    if covering:
        # Shared leases overlap an exclusive one only while a pool is exhausted; the latest session wins.
        best = max(covering, key=lambda lease: (lease.started_at, lease.visit_id))
        shared = len(covering) > 1 or best.is_shared
        return Match(LEASE, CONFIDENCE_COVERING_SHARED if shared else CONFIDENCE_COVERING, visit_id=best.visit_id)
    window = timedelta(minutes=lease_minutes)
    recent = [lease for lease in leases if lease.end <= call_at and call_at - lease.end <= window]
    if not recent:
        return NO_MATCH
    best = max(recent, key=lambda lease: (lease.end, lease.visit_id))
    gap = (call_at - best.end) / window if window else 1.0
    confidence = CONFIDENCE_RECENT_MAX - (CONFIDENCE_RECENT_MAX - CONFIDENCE_RECENT_MIN) * gap
    return Match(RECENT_LEASE, round(confidence, 3), visit_id=best.visit_id)


def plan_source_match(*, history: Iterable[AssignmentFact], call_at: datetime) -> Match:
    """The assignment in force at `call_at`: the latest history row at or before it."""
    before = [row for row in history if row.at <= call_at]
    if not before:
        return NO_MATCH
    current = max(before, key=lambda row: (row.at, row.order))
    if current.shown not in (TOP, STALE) or not (current.source or current.medium):
        return NO_MATCH
    confidence = CONFIDENCE_SOURCE_ACTIVE if current.shown == TOP else CONFIDENCE_SOURCE_FLAGGED
    return Match(SOURCE, confidence, source=current.source, medium=current.medium)
