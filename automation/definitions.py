"""A rule's definition as people and programs write it (SPEC "Calls at work": `{"field", "op", "value"}` conditions and
`{"type", "value"?}` actions), checked and put in one canonical form here, and turned into the planner's specs.

Pure: no ORM. The service checks what needs the database (that a pool or a user belongs to the account).
"""

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from automation.planner import Action, Condition, OpenRange, RuleSpec, WeeklyHours
from calls.results import CallResult
from calls.tags import tag_name_clean
from core.error_codes import INVALID
from core.errors import DomainError
from core.phones import parse_phone

TEXT_OPS = ("eq", "ne", "in", "contains")
CHOICE_OPS = ("eq", "ne", "in")
FIELD_OPS: dict[str, tuple[str, ...]] = {
    "talk_seconds": ("gte", "lte", "eq", "ne"),
    "result": CHOICE_OPS,
    "first_time_caller": ("eq",),
    "source": TEXT_OPS,
    "medium": TEXT_OPS,
    "campaign": TEXT_OPS,
    "keyword": TEXT_OPS,
    "landing_page": TEXT_OPS,
    "channel": TEXT_OPS,
    "pool": CHOICE_OPS,
    "tracker": CHOICE_OPS,
    "business_hours": ("eq",),
    "caller_region": CHOICE_OPS,
    "caller_area_code": CHOICE_OPS,
    "said": ("contains", "in", "ne"),
}
FIELD_LABELS = {
    "talk_seconds": "Talk time (seconds)", "result": "Result", "first_time_caller": "First-time caller",
    "source": "Source", "medium": "Medium", "campaign": "Campaign", "keyword": "Keyword", "landing_page": "Landing page",
    "channel": "Channel", "pool": "Pool", "tracker": "Tracking number", "business_hours": "Business hours",
    "caller_region": "Caller's region (state)", "caller_area_code": "Caller's area code", "said": "Said (transcript)",
}
OP_LABELS = {"eq": "is", "ne": "is not", "in": "is one of", "contains": "contains", "gte": "at least", "lte": "at most"}
ACTION_TYPES = ("add_tag", "set_outcome", "set_value", "set_score", "mark_spam", "notify")
ACTION_LABELS = {"add_tag": "Add tag", "set_outcome": "Set outcome", "set_value": "Set value", "set_score": "Set score",
                 "mark_spam": "Mark spam", "notify": "Notify"}
OUTCOMES = ("lead", "not_lead", "sale")
RESULTS = tuple(value for value in CallResult.values if value != CallResult.IN_PROGRESS)
MAX_CONDITIONS, MAX_ACTIONS, MAX_LIST, TEXT_MAX = 20, 10, 50, 200
DEFAULT_HOURS = {"hours": [{"days": [0, 1, 2, 3, 4], "open": "09:00", "close": "17:00"}], "holidays": []}


def _bad(key: str, message: str) -> DomainError:
    return DomainError(INVALID, message, {key: [message]})


def _as_list(value: Any, where: str) -> list:
    """`in` takes a list; a form's comma-separated text is one too."""
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    if not isinstance(value, list) or not value or len(value) > MAX_LIST:
        raise _bad("conditions", f"{where}: “is one of” needs a list of 1 to {MAX_LIST} values.")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _bad("conditions", f"{where}: enter text.")
    text = re.sub(r"\s+", " ", str(value)).strip()
    if not text or len(text) > TEXT_MAX or any(ord(char) < 32 for char in text):
        raise _bad("conditions", f"{where}: enter 1 to {TEXT_MAX} characters.")
    return text


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.lower() in ("true", "yes", "1")
    raise _bad("conditions", f"{where}: true or false.")


def _int(value: Any, where: str, low: int, high: int, key: str = "conditions") -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise _bad(key, f"{where}: enter a whole number.") from None
    if isinstance(value, bool) or not low <= number <= high:
        raise _bad(key, f"{where}: a number from {low} to {high}.")
    return number


def _one_value(field: str, value: Any, where: str, *, region: str) -> Any:
    if field == "talk_seconds":
        return _int(value, where, 0, 86400)
    if field == "first_time_caller":
        return _bool(value, where)
    if field == "result":
        if value not in RESULTS:
            raise _bad("conditions", f"{where}: one of {', '.join(RESULTS)}.")
        return value
    if field == "pool":
        return _int(value, where, 1, 2**63 - 1)
    if field == "business_hours":
        if value not in ("in", "out"):
            raise _bad("conditions", f"{where}: “in” or “out”.")
        return value
    if field == "tracker":
        try:
            return parse_phone(_text(value, where), region)
        except ValidationError as exc:
            raise _bad("conditions", f"{where}: {exc.messages[0]}") from None
    if field == "caller_region":
        return _text(value, where).upper()
    if field == "caller_area_code":
        text = _text(value, where)
        if not re.fullmatch(r"[0-9]{1,5}", text):
            raise _bad("conditions", f"{where}: an area code is digits, e.g. 415.")
        return text
    return _text(value, where)  # source, medium, campaign, keyword, landing_page, channel, said


def condition_clean(raw: Any, index: int, *, region: str) -> dict:
    where = f"Condition {index + 1}"
    if not isinstance(raw, dict):
        raise _bad("conditions", f"{where}: an object with field, op and value.")
    field, op = raw.get("field"), raw.get("op")
    if field not in FIELD_OPS:
        raise _bad("conditions", f"{where}: unknown field “{field}”; one of {', '.join(FIELD_OPS)}.")
    if op not in FIELD_OPS[field]:
        raise _bad("conditions", f"{where}: {field} takes op {', '.join(FIELD_OPS[field])}.")
    value = raw.get("value")
    if op == "in":
        value = [_one_value(field, item, where, region=region) for item in _as_list(value, where)]
    elif field == "said" and isinstance(value, list):
        value = [_one_value(field, item, where, region=region) for item in _as_list(value, where)]
    else:
        value = _one_value(field, value, where, region=region)
    return {"field": field, "op": op, "value": value}


def action_clean(raw: Any, index: int) -> dict:
    where = f"Action {index + 1}"
    if not isinstance(raw, dict) or raw.get("type") not in ACTION_TYPES:
        raise _bad("actions", f"{where}: type is one of {', '.join(ACTION_TYPES)}.")
    kind, value = raw["type"], raw.get("value")
    if kind == "add_tag":
        try:
            return {"type": kind, "value": tag_name_clean(value)}
        except DomainError as exc:
            raise _bad("actions", f"{where}: {exc.message}") from None
    if kind == "set_outcome":
        if value not in OUTCOMES:
            raise _bad("actions", f"{where}: an outcome is one of {', '.join(OUTCOMES)}.")
        return {"type": kind, "value": value}
    if kind == "set_value":
        try:
            amount = Decimal(str(value)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise _bad("actions", f"{where}: a value is a number, e.g. 120.00.") from None
        if not Decimal("0") <= amount < Decimal("1e10"):
            raise _bad("actions", f"{where}: a value is 0 or more.")
        return {"type": kind, "value": str(amount)}
    if kind == "set_score":
        return {"type": kind, "value": _int(value, where, 1, 5, key="actions")}
    if kind == "mark_spam":
        return {"type": kind}
    return {"type": kind, "value": _recipients(value, where)}


def _recipients(value: Any, where: str) -> list:
    """notify: user ids (members of the account: the service checks) and email addresses."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value or len(value) > MAX_LIST:
        raise _bad("actions", f"{where}: notify whom? A list of user ids and email addresses.")
    recipients: list = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            recipients.append(item)
            continue
        try:
            validate_email(str(item))
        except ValidationError:
            raise _bad("actions", f"{where}: “{str(item)[:60]}” is neither a user id nor an email address.") from None
        recipients.append(str(item).strip().lower())
    return list(dict.fromkeys(recipients))


def _hhmm(value: Any) -> time:
    if not isinstance(value, str) or not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise _bad("business_hours", "Times are HH:MM, e.g. 09:00.")
    return time.fromisoformat(value)


def hours_clean(raw: Any) -> dict:
    """{"hours": [{"days": [0-6], "open": "HH:MM", "close": "HH:MM"}], "holidays": ["YYYY-MM-DD"]} (the shape of
    SPEC's call_flow hours; 0 = Monday). Null: the default, Monday to Friday 09:00–17:00."""
    if raw is None:
        return DEFAULT_HOURS
    if not isinstance(raw, dict) or not isinstance(raw.get("hours", []), list):
        raise _bad("business_hours", "Business hours are {\"hours\": [...], \"holidays\": [...]}.")
    ranges = []
    for span in raw.get("hours", [])[:MAX_LIST]:
        days = span.get("days") if isinstance(span, dict) else None
        if not isinstance(days, list) or not days or any(d not in range(7) or isinstance(d, bool) for d in days):
            raise _bad("business_hours", "Days are numbers 0 (Monday) to 6 (Sunday).")
        ranges.append({"days": sorted(set(days)), "open": _hhmm(span.get("open")).strftime("%H:%M"),
                       "close": _hhmm(span.get("close")).strftime("%H:%M")})
    holidays = []
    if not isinstance(raw.get("holidays", []) or [], list):
        raise _bad("business_hours", "Holidays are a list of dates (YYYY-MM-DD).")
    for day in raw.get("holidays", []) or []:
        try:
            holidays.append(date.fromisoformat(str(day)).isoformat())
        except ValueError:
            raise _bad("business_hours", f"“{str(day)[:20]}” is not a date (YYYY-MM-DD).") from None
    return {"hours": ranges, "holidays": sorted(set(holidays))}


def definition_clean(*, conditions: Any, actions: Any, region: str) -> tuple[list[dict], list[dict]]:
    if not isinstance(conditions, list) or len(conditions) > MAX_CONDITIONS:
        raise _bad("conditions", f"Conditions are a list of at most {MAX_CONDITIONS}.")
    if not isinstance(actions, list) or not actions or len(actions) > MAX_ACTIONS:
        raise _bad("actions", f"A rule does 1 to {MAX_ACTIONS} actions.")
    return ([condition_clean(raw, i, region=region) for i, raw in enumerate(conditions)],
            [action_clean(raw, i) for i, raw in enumerate(actions)])


def weekly_hours(stored: dict) -> WeeklyHours:
    return WeeklyHours(
        ranges=tuple(OpenRange(frozenset(span["days"]), time.fromisoformat(span["open"]), time.fromisoformat(span["close"]))
                     for span in stored.get("hours", [])),
        holidays=frozenset(date.fromisoformat(day) for day in stored.get("holidays", [])),
    )


def rule_spec(*, id: int, name: str, conditions: list[dict], actions: list[dict], business_hours: dict) -> RuleSpec:
    """A stored (clean) rule as the planner reads it."""
    return RuleSpec(
        id=id, name=name,
        conditions=tuple(Condition(c["field"], c["op"], c["value"]) for c in conditions),
        actions=tuple(Action(a["type"], a.get("value")) for a in actions),
        hours=weekly_hours(business_hours or DEFAULT_HOURS),
    )


def condition_display(condition: dict) -> str:
    value = condition["value"]
    shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if condition["field"] == "business_hours":
        return "in business hours" if value == "in" else "outside business hours"
    return f"{FIELD_LABELS[condition['field']]} {OP_LABELS[condition['op']]} {shown}"


def action_display(action: dict) -> str:
    value = action.get("value")
    if value is None:
        return ACTION_LABELS[action["type"]]
    shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return f"{ACTION_LABELS[action['type']]}: {shown}"
