"""How one status callback changes a call. Pure: the call's current state and the event in, changes out.

Rules: a status never moves backwards (STATUS_RANK); the dialed leg (it carries ParentCallSid)
says whether the business answered and how long they talked; the inbound leg's completion gives
the total duration and the end. The inbound leg completes as "completed" even when nobody
answered, so a dialed-leg outcome (busy, no-answer…) replaces a "completed" that no answer backs.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from calls.models import STATUS_RANK, TERMINAL_STATUSES, Call


@dataclass(frozen=True)
class CallState:
    status: str
    answered_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int
    talk_seconds: int


@dataclass(frozen=True)
class StatusEvent:
    status: str  # Twilio's CallStatus
    at: datetime
    is_dialed_leg: bool
    call_duration: int | None = None  # CallDuration, seconds (terminal events only)


def plan_status_change(*, state: CallState, event: StatusEvent) -> dict:
    changes: dict = {}
    if event.status not in STATUS_RANK:
        return changes
    new_rank, old_rank = STATUS_RANK[event.status], STATUS_RANK.get(state.status, 0)
    answered_at = state.answered_at
    if event.is_dialed_leg:
        if event.status == Call.Status.IN_PROGRESS and answered_at is None:
            answered_at = changes["answered_at"] = event.at
        if event.status == Call.Status.COMPLETED and answered_at is None and event.call_duration is not None:
            # The "answered" callback was lost: the talk time tells when the business picked up.
            answered_at = changes["answered_at"] = event.at - timedelta(seconds=event.call_duration)
        if event.status in TERMINAL_STATUSES and event.call_duration is not None and event.status == Call.Status.COMPLETED:
            changes["talk_seconds"] = event.call_duration
        replaces_unbacked_completion = (
            state.status == Call.Status.COMPLETED and answered_at is None
            and event.status in TERMINAL_STATUSES and event.status != Call.Status.COMPLETED
        )
        if new_rank > old_rank or replaces_unbacked_completion:
            changes["status"] = event.status
    else:
        if event.status in TERMINAL_STATUSES:
            if event.call_duration is not None:
                changes["duration_seconds"] = event.call_duration
            changes["ended_at"] = event.at
        if new_rank > old_rank:
            changes["status"] = event.status
    if event.status in TERMINAL_STATUSES and state.ended_at is None and "ended_at" not in changes:
        changes["ended_at"] = event.at
    return {field: value for field, value in changes.items() if getattr(state, field) != value}


BOTH_LEGS = frozenset({"inbound", "dialed"})


def plan_completion(*, was_ended: bool, is_ended: bool, is_settling: bool, ended_legs: frozenset[str],
                    voicemail: bool = False) -> str:
    """What a status callback means for the call's completion (calls.completion):

    "final" — the call's final state is known now (both legs reported their end): send `call.completed`;
    "settle" — the first leg ended: wait for the other one, at most the settle window;
    "" — nothing: still ringing, final already, or still waiting for the other leg.

    A voicemail comes after any dial is over (<Record> follows <Dial>, or no dial at all after hours): the caller's
    leg ending is the end.
    """
    if not is_ended or (was_ended and not is_settling):
        return ""
    if BOTH_LEGS <= ended_legs or (voicemail and "inbound" in ended_legs):
        return "final"
    return "" if is_settling else "settle"
