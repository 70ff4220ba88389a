"""Pure decisions of notifications: who is told what about a call, which period a summary or a scheduled report
covers at a given local time, and when a failed send is tried again. No ORM, no clock, no I/O."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

SEND_HOUR = 7  # summaries and scheduled reports go out from 07:00 in the account's time zone
RETRY_DELAYS = (60, 300, 1800, 7200)  # seconds before the 2nd, 3rd, … try; then the message is given up


@dataclass(frozen=True)
class CallFacts:
    result: str              # calls.results: answered | missed | abandoned | busy_or_failed | in_progress
    is_first_time_caller: bool
    is_conversion: bool
    spam: bool


@dataclass(frozen=True)
class Wants:
    every_call: bool
    missed: bool
    first_time: bool
    conversions: bool


MISSED_RESULTS = frozenset({"missed", "abandoned", "voicemail"})


def plan_call_reasons(*, wants: Wants, call: CallFacts, event: str) -> list[str]:
    """Why this person hears about this call on this event ([]: they don't).

    `call.completed` (once, when the call is final) carries every reason, conversion included when the call ends as
    one; `call.converted` alone speaks only for a call that became a conversion later (the completed message
    already said "conversion" otherwise — the caller checks that with the once-marker)."""
    if call.spam:
        return []
    if event == "call.converted":
        return ["conversion"] if wants.conversions and call.is_conversion else []
    if event != "call.completed":
        return []
    reasons = []
    if wants.missed and call.result in MISSED_RESULTS:
        reasons.append("missed")
    if wants.first_time and call.is_first_time_caller:
        reasons.append("first_time")
    if wants.conversions and call.is_conversion:
        reasons.append("conversion")
    if wants.every_call and not reasons:
        reasons.append("call")
    return reasons


def plan_summary_period(*, frequency: str, local_now: datetime) -> tuple[date, date] | None:
    """The (first, last) day the summary due at `local_now` covers, or None before the send hour.
    Daily: yesterday. Weekly: the Monday-to-Sunday week before this one."""
    if local_now.hour < SEND_HOUR:
        return None
    today = local_now.date()
    if frequency == "daily":
        yesterday = today - timedelta(days=1)
        return yesterday, yesterday
    if frequency == "weekly":
        this_monday = today - timedelta(days=today.weekday())
        return this_monday - timedelta(days=7), this_monday - timedelta(days=1)
    return None


def plan_report_period(*, frequency: str, local_now: datetime) -> tuple[date, date] | None:
    """The (first, last) day a scheduled report due at `local_now` covers: the week before (weekly) or the month
    before (monthly); None before the send hour."""
    if frequency == "monthly":
        if local_now.hour < SEND_HOUR:
            return None
        last = local_now.date().replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return plan_summary_period(frequency="weekly", local_now=local_now)


def plan_retry_seconds(*, attempts: int) -> int | None:
    """Seconds until the next try after `attempts` failed ones, or None: give up."""
    return RETRY_DELAYS[attempts - 1] if 1 <= attempts <= len(RETRY_DELAYS) else None
