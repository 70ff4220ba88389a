"""Call flows (SPEC "Call handling"): what happens to a call, decided by a pure planner over the flow, the local time
and the call's facts. No ORM, no clock, no I/O: the voice webhook (calls.services), the sandbox and the previews in
the admin and the dashboard ask the same function, and calls.twiml renders its plan.

A flow is the API's JSON (`null` = always open, dial the original):
`{"hours": [{"days": [0, 1, 2, 3, 4], "open": "09:00", "close": "17:00"}], "holidays": ["2026-12-25"],
"closed": {"action": "voicemail"} | {"action": "forward", "number": "+E164"}, "ring_seconds": 20,
"recording_notice": "…", "whisper": "…", "voicemail_greeting": "…"}`.
Days: 0 = Monday; times in the account's zone. No `hours` (or an empty list) = open all week except holidays. A
range whose close is not after its open runs past midnight into the next day ("22:00"–"06:00"); "24:00" closes at
midnight. A holiday closes its whole calendar day.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError

from core.error_codes import INVALID_CALL_FLOW
from core.errors import DomainError
from core.phones import parse_phone

DEFAULT_RING_SECONDS = 20
MIN_RING_SECONDS = 5
MAX_RING_SECONDS = 120
MAX_TEXT = 500
DEFAULT_VOICEMAIL_GREETING = "Sorry, nobody can take your call right now. Please leave a message after the tone."
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PLACEHOLDERS = ("source", "medium", "campaign", "keyword", "pool")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class Branch:
    DIAL = "dial"  # open: ring the original number
    FORWARD = "forward"  # closed: ring the after-hours number
    VOICEMAIL = "voicemail"  # closed: straight to voicemail


@dataclass(frozen=True)
class FlowPlan:
    """What the voice webhook answers. `ring_seconds` None: ring as long as the provider does and end the call
    there (no flow: today's behaviour); else no answer after that many seconds goes to voicemail."""

    branch: str
    number: str = ""  # what is dialled (dial / forward)
    reason: str = "open"  # open | always_open | closed | holiday
    ring_seconds: int | None = None
    record: bool = False
    notice_text: str = ""  # <Say> before connecting (recorded calls)
    notice_audio: bool = False  # <Play> the pool's uploaded notice instead
    whisper: str = ""  # the template; the whisper endpoint fills it when the business answers
    voicemail_greeting: str = DEFAULT_VOICEMAIL_GREETING

    @property
    def voicemail_on_no_answer(self) -> bool:
        return self.ring_seconds is not None


@dataclass(frozen=True)
class CallFacts:
    """What the planner knows about the call besides the time."""

    original_number: str
    record: bool = False
    has_notice_audio: bool = False
    extra: dict = field(default_factory=dict)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def flow_is_open(flow: dict | None, at: datetime) -> tuple[bool, str]:
    """(open, reason) at `at`, a datetime in the account's zone."""
    if not flow:
        return True, "always_open"
    if at.date().isoformat() in set(flow.get("holidays") or []):
        return False, "holiday"
    hours = flow.get("hours") or []
    if not hours:
        return True, "open"
    now = at.hour * 60 + at.minute
    today, yesterday = at.weekday(), (at.weekday() - 1) % 7
    for opening in hours:
        start, end = _minutes(opening["open"]), _minutes(opening["close"])
        days = set(opening.get("days") or [])
        if end > start:
            if today in days and start <= now < end:
                return True, "open"
        else:  # past midnight
            if (today in days and now >= start) or (yesterday in days and now < end):
                return True, "open"
    return False, "closed"


def plan_call(flow: dict | None, *, at: datetime, facts: CallFacts) -> FlowPlan:
    """The branch a call takes at `at` (account zone). Blocked callers are refused before this is asked."""
    if not flow:
        return FlowPlan(branch=Branch.DIAL, number=facts.original_number, reason="always_open", record=facts.record)
    is_open, reason = flow_is_open(flow, at)
    ring = int(flow.get("ring_seconds") or DEFAULT_RING_SECONDS)
    greeting = flow.get("voicemail_greeting") or DEFAULT_VOICEMAIL_GREETING
    dialing: dict[str, Any] = {
        "ring_seconds": ring, "record": facts.record, "whisper": flow.get("whisper") or "",
        "notice_text": (flow.get("recording_notice") or "") if facts.record else "",
        "notice_audio": facts.record and facts.has_notice_audio, "voicemail_greeting": greeting,
    }
    if is_open:
        return FlowPlan(branch=Branch.DIAL, number=facts.original_number, reason=reason, **dialing)
    closed = flow.get("closed") or {"action": "voicemail"}
    if closed.get("action") == "forward" and closed.get("number"):
        return FlowPlan(branch=Branch.FORWARD, number=closed["number"], reason=reason, **dialing)
    return FlowPlan(branch=Branch.VOICEMAIL, reason=reason, voicemail_greeting=greeting)


def describe_plan(plan: FlowPlan, *, at: datetime, number_display=str) -> str:
    """The preview's sentence: "At 22:10 on a Sunday this call goes to voicemail (outside business hours)."."""
    when = f"At {at:%H:%M} on a {DAY_NAMES[at.weekday()]}"
    why = {"holiday": " (a holiday)", "closed": " (outside business hours)"}.get(plan.reason, "")
    if plan.branch == Branch.VOICEMAIL:
        return f"{when} this call goes to voicemail{why}."
    target = number_display(plan.number)
    verb = "rings the after-hours number" if plan.branch == Branch.FORWARD else "rings"
    notice = ""
    if plan.notice_audio:
        notice = " after playing the recording notice"
    elif plan.notice_text:
        notice = " after the recording notice"
    tail = f" for {plan.ring_seconds} seconds, then goes to voicemail" if plan.voicemail_on_no_answer else ""
    whisper = "; the business hears a whisper when it answers" if plan.whisper else ""
    return f"{when} this call{notice} {verb} {target}{why}{tail}{whisper}."


def _next_weekday(now: datetime, weekday: int, at: time) -> datetime:
    days = (weekday - now.weekday()) % 7
    candidate = (now + timedelta(days=days)).replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + timedelta(days=7)


def preview_times(flow: dict | None, now: datetime) -> list[datetime]:
    """The moments a preview shows (account zone): now, the next Monday 10:00, Saturday 12:00, Sunday 22:10 and the
    next holiday at 10:00."""
    times = [now.replace(second=0, microsecond=0), _next_weekday(now, 0, time(10)), _next_weekday(now, 5, time(12)),
             _next_weekday(now, 6, time(22, 10))]
    upcoming = sorted(day for day in (flow or {}).get("holidays") or [] if day >= now.date().isoformat())
    if upcoming:
        times.append(datetime.combine(date.fromisoformat(upcoming[0]), time(10), tzinfo=now.tzinfo))
    return times


def preview_sentences(flow: dict | None, *, now: datetime, facts: CallFacts, number_display=str) -> list[str]:
    """The preview: one sentence per moment of preview_times()."""
    return [describe_plan(plan_call(flow, at=moment, facts=facts), at=moment, number_display=number_display)
            for moment in preview_times(flow, now)]


# --- The whisper: placeholders filled from the call's attribution. ---------------------------------------------

_PAID = {"cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-search"}
_SPOKEN_SOURCES = {("google", True): "Google Ads", ("bing", True): "Microsoft Ads", ("facebook", True): "Facebook Ads",
                   ("google", False): "Google", ("bing", False): "Bing"}


def spoken_source(source: str, medium: str) -> str:
    """How a person says where a call came from: google / cpc is "Google Ads"."""
    source = (source or "").strip()
    if not source:
        return ""
    key = (source.lower(), (medium or "").lower() in _PAID)
    if key in _SPOKEN_SOURCES:
        return _SPOKEN_SOURCES[key]
    if source.lower() == "(direct)":
        return "a direct visit"
    return source


def whisper_text(template: str, values: dict) -> str:
    """Fill `{source}`, `{medium}`, `{campaign}`, `{keyword}`, `{pool}`. A comma-separated clause whose placeholders
    are all empty is left out ("Call from Google Ads, keyword {keyword}" with no keyword: "Call from Google Ads")."""
    clauses = []
    for clause in template.split(","):
        names = _PLACEHOLDER.findall(clause)
        if names and not any((values.get(name) or "").strip() for name in names):
            continue
        clauses.append(_PLACEHOLDER.sub(lambda match: str(values.get(match.group(1)) or "").strip(), clause))
    return ",".join(clauses).strip(" ,")


# --- Validation: the one reader of what people and the API send. -------------------------------------------------

def _error(message: str, field_name: str = "call_flow"):
    return DomainError(INVALID_CALL_FLOW, message, {field_name: [message]})


def _clean_text(raw, name: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise _error(f"{name} is text.")
    text = raw.strip()
    if len(text) > MAX_TEXT:
        raise _error(f"{name} is at most {MAX_TEXT} characters.")
    return text


def call_flow_clean(raw, *, region: str = "US") -> dict | None:
    """A flow as stored: validated and normalised (numbers E.164, days sorted, unknown keys refused). None stays
    None (always open). Raises DomainError(invalid_call_flow) with the reason."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _error("A call flow is an object, or null for always open.")
    unknown = set(raw) - {"hours", "holidays", "closed", "ring_seconds", "recording_notice", "whisper", "voicemail_greeting"}
    if unknown:
        raise _error(f"Unknown call flow keys: {', '.join(sorted(unknown))}.")
    flow: dict = {}
    hours = raw.get("hours") or []
    if not isinstance(hours, list):
        raise _error("hours is a list of {days, open, close}.")
    flow["hours"] = []
    for opening in hours:
        if not isinstance(opening, dict) or set(opening) - {"days", "open", "close"}:
            raise _error("Each opening is {\"days\": [0-6], \"open\": \"HH:MM\", \"close\": \"HH:MM\"}.")
        days = opening.get("days")
        if not isinstance(days, list) or not days or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days):
            raise _error("days are numbers 0 (Monday) to 6 (Sunday).")
        open_at, close_at = opening.get("open"), opening.get("close")
        if not (isinstance(open_at, str) and _TIME.match(open_at) and open_at != "24:00"):
            raise _error("open is a time such as 09:00.")
        if not (isinstance(close_at, str) and _TIME.match(close_at)):
            raise _error("close is a time such as 17:00 (24:00 for midnight).")
        if open_at == close_at:
            raise _error(f"An opening from {open_at} to {close_at} is empty.")
        flow["hours"].append({"days": sorted(set(days)), "open": open_at, "close": close_at})
    holidays = raw.get("holidays") or []
    if not isinstance(holidays, list):
        raise _error("holidays is a list of dates (YYYY-MM-DD).")
    cleaned_holidays = set()
    for holiday in holidays:
        try:
            cleaned_holidays.add(date.fromisoformat(str(holiday)).isoformat())
        except ValueError:
            raise _error(f"“{str(holiday)[:20]}” is not a date (YYYY-MM-DD).") from None
    flow["holidays"] = sorted(cleaned_holidays)
    closed = raw.get("closed") or {"action": "voicemail"}
    if not isinstance(closed, dict) or closed.get("action") not in ("voicemail", "forward"):
        raise _error('closed is {"action": "voicemail"} or {"action": "forward", "number": "+E164"}.')
    if closed["action"] == "forward":
        try:
            flow["closed"] = {"action": "forward", "number": parse_phone(str(closed.get("number") or ""), region)}
        except ValidationError:
            raise _error("The after-hours number is not a phone number.") from None
    else:
        flow["closed"] = {"action": "voicemail"}
    ring = raw.get("ring_seconds", DEFAULT_RING_SECONDS)
    if ring is None:
        ring = DEFAULT_RING_SECONDS
    if isinstance(ring, bool) or not isinstance(ring, int) or not MIN_RING_SECONDS <= ring <= MAX_RING_SECONDS:
        raise _error(f"ring_seconds is a whole number from {MIN_RING_SECONDS} to {MAX_RING_SECONDS}.")
    flow["ring_seconds"] = ring
    for key in ("recording_notice", "whisper", "voicemail_greeting"):
        text = _clean_text(raw.get(key), key)
        if text:
            flow[key] = text
    bad = set(_PLACEHOLDER.findall(flow.get("whisper", ""))) - set(PLACEHOLDERS)
    if bad:
        raise _error(f"The whisper knows {', '.join('{' + name + '}' for name in PLACEHOLDERS)}; not {', '.join(sorted(bad))}.")
    return flow


def parse_clock(text: str) -> time:
    """"22:10" → time(22, 10) (the previews' input)."""
    if not _TIME.match(text or "") or text == "24:00":
        raise _error("A time such as 22:10.", "time")
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))
