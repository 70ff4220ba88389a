"""A call's result in a marketer's words: answered / missed / abandoned / busy_or_failed (and in_progress while it
lasts). The one definition: the overview's KPIs, the calls log's filter, the reports' counts, the admin and the
API's `result` all read it from here, so "Missed" is the same number everywhere.

Twilio's statuses (queued, ringing, in-progress, completed, busy, no-answer, failed, canceled) describe the
telephony; a marketer asks whether someone picked up. Answered means a person took the call (`answered_at` is
set), whatever the final status. An unanswered call the caller left within ABANDON_SECONDS is "abandoned"
(CallRail's word: they gave up before anyone could answer), counted apart from "missed" (it rang on and nobody
picked up). Busy and failed calls never connected. An unanswered call whose caller left a message (the call flow's
voicemail, `Call.voicemail`) is "voicemail", whatever its status and length.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Case, CharField, Count, Q, Value, When

ABANDON_SECONDS = 15  # unanswered and on the line less than this: abandoned, not missed


class CallResult(models.TextChoices):
    ANSWERED = "answered", "Answered"
    MISSED = "missed", "Missed"
    ABANDONED = "abandoned", "Abandoned"
    BUSY_OR_FAILED = "busy_or_failed", "Busy or failed"
    VOICEMAIL = "voicemail", "Voicemail"
    IN_PROGRESS = "in_progress", "In progress"


HELP = {
    CallResult.ANSWERED: "Someone picked up.",
    CallResult.MISSED: f"It rang {ABANDON_SECONDS} seconds or more and nobody picked up.",
    CallResult.ABANDONED: f"Nobody picked up and the caller hung up within {ABANDON_SECONDS} seconds.",
    CallResult.BUSY_OR_FAILED: "The line was busy or the call could not be connected.",
    CallResult.VOICEMAIL: "Nobody picked up and the caller left a voicemail.",
    CallResult.IN_PROGRESS: "The call is ringing or still going on.",
}

_ENDED_UNANSWERED = ("no-answer", "canceled", "completed")


@dataclass(frozen=True)
class _Rule:
    """One result: the statuses it covers when nobody answered, and its bound on the caller's time on the line."""

    result: CallResult
    statuses: tuple[str, ...]
    under_abandon_seconds: bool | None = None  # None: any duration

    def q(self) -> Q:
        q = Q(answered_at__isnull=True, voicemail=False, status__in=self.statuses)
        if self.under_abandon_seconds is True:
            q &= Q(duration_seconds__lt=ABANDON_SECONDS)
        elif self.under_abandon_seconds is False:
            q &= Q(duration_seconds__gte=ABANDON_SECONDS)
        return q

    def matches(self, call) -> bool:
        if call.answered_at is not None or call.voicemail or call.status not in self.statuses:
            return False
        if self.under_abandon_seconds is None:
            return True
        return (call.duration_seconds < ABANDON_SECONDS) == self.under_abandon_seconds


# Every unanswered call matches exactly one rule (statuses × duration split): the results partition the calls.
_RULES = (
    _Rule(CallResult.MISSED, _ENDED_UNANSWERED, under_abandon_seconds=False),
    _Rule(CallResult.ABANDONED, _ENDED_UNANSWERED, under_abandon_seconds=True),
    _Rule(CallResult.BUSY_OR_FAILED, ("busy", "failed")),
    _Rule(CallResult.IN_PROGRESS, ("queued", "ringing", "in-progress")),
)
_ANSWERED = Q(answered_at__isnull=False)
_VOICEMAIL = Q(answered_at__isnull=True, voicemail=True)


def call_result(call) -> CallResult:
    """The result of one loaded call (the same rules as call_result_q, in Python)."""
    if call.answered_at is not None:
        return CallResult.ANSWERED
    if call.voicemail:
        return CallResult.VOICEMAIL
    for rule in _RULES:
        if rule.matches(call):
            return rule.result
    return CallResult.IN_PROGRESS  # an unknown status: not over as far as we know


def call_result_q(result: str) -> Q:
    """The Call filter for one result (`result` is a CallResult value)."""
    if result == CallResult.ANSWERED:
        return _ANSWERED
    if result == CallResult.VOICEMAIL:
        return _VOICEMAIL
    return next(rule.q() for rule in _RULES if rule.result == result)


def call_result_expression() -> Case:
    """The result as an SQL expression, for `.annotate(result=...)` (the API's field and ordering)."""
    return Case(
        When(_ANSWERED, then=Value(CallResult.ANSWERED.value)),
        When(_VOICEMAIL, then=Value(CallResult.VOICEMAIL.value)),
        *(When(rule.q(), then=Value(rule.result.value)) for rule in _RULES),
        default=Value(CallResult.IN_PROGRESS.value), output_field=CharField(),
    )


# The results every report counts per group of calls (in_progress is what is left: calls minus the rest).
COUNTED_RESULTS = (CallResult.ANSWERED, CallResult.MISSED, CallResult.ABANDONED, CallResult.BUSY_OR_FAILED,
                   CallResult.VOICEMAIL)


def call_result_counts() -> dict:
    """{result: Count} aggregates, one per counted result, for `.aggregate()` / `.annotate()` over calls."""
    return {result.value: Count("id", filter=call_result_q(result)) for result in COUNTED_RESULTS}
