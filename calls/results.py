"""A call's result in a marketer's words (Answered / Missed / Busy or failed / In progress).

Twilio's statuses (queued, ringing, in-progress, completed, busy, no-answer, failed, canceled) describe the
telephony; a marketer asks whether someone picked up. Answered means a person took the call (`answered_at`
is set), whatever the final status; the rest are sorted by why nobody did.
"""

from django.db import models
from django.db.models import Q


class CallResult(models.TextChoices):
    ANSWERED = "answered", "Answered"
    MISSED = "missed", "Missed"
    BUSY_FAILED = "busy-failed", "Busy or failed"
    IN_PROGRESS = "in-progress", "In progress"


HELP = {
    CallResult.ANSWERED: "Someone picked up.",
    CallResult.MISSED: "It rang and nobody picked up, or the caller hung up first.",
    CallResult.BUSY_FAILED: "The line was busy or the call could not be connected.",
    CallResult.IN_PROGRESS: "The call is ringing or still going on.",
}

_UNANSWERED_STATUSES = {
    CallResult.MISSED: ("no-answer", "canceled", "completed"),
    CallResult.BUSY_FAILED: ("busy", "failed"),
    CallResult.IN_PROGRESS: ("queued", "ringing", "in-progress"),
}


def call_result(call) -> CallResult:
    if call.answered_at is not None:
        return CallResult.ANSWERED
    for result, statuses in _UNANSWERED_STATUSES.items():
        if call.status in statuses:
            return result
    return CallResult.MISSED


def call_result_q(result: str) -> Q:
    """The Call filter for one result (`result` is a CallResult value)."""
    if result == CallResult.ANSWERED:
        return Q(answered_at__isnull=False)
    return Q(answered_at__isnull=True, status__in=_UNANSWERED_STATUSES[CallResult(result)])
