"""Which automation rules match a call and what they do: pure decisions over plain facts (no ORM, no clock, no I/O).

A rule is ordered conditions (all must hold) and actions. Rules are considered in their order: the first rule that
sets the outcome, the value or the score wins (a later rule's conflicting set is skipped and says why); tags add up.
A rule never overwrites an outcome, value or score a person marked (`CallFacts.marked_by_people`). The service
(automation.services) loads the facts, asks `plan_rules` and applies the "apply" actions with the rule as actor.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

# What each action sets on the call (calls.outcomes.call_mark's argument), for conflicts and "a person set it".
SET_ACTION_FIELDS = {"set_outcome": "outcome", "set_value": "value", "set_score": "score"}
APPLY, UNCHANGED, SKIPPED = "apply", "unchanged", "skipped"


@dataclass(frozen=True)
class OpenRange:
    days: frozenset[int]  # 0 = Monday
    open: time
    close: time  # close <= open: the range runs past midnight


@dataclass(frozen=True)
class WeeklyHours:
    """A rule's business hours, in the account's zone (the shape of SPEC's call_flow "hours" and "holidays")."""

    ranges: tuple[OpenRange, ...] = ()
    holidays: frozenset[date] = frozenset()

    def is_open(self, local: datetime) -> bool:
        if local.date() in self.holidays:
            return False
        now = local.time()
        for span in self.ranges:
            if span.open < span.close:
                if local.weekday() in span.days and span.open <= now < span.close:
                    return True
            elif (local.weekday() in span.days and now >= span.open) or (
                    (local.weekday() - 1) % 7 in span.days and now < span.close):
                return True
        return False


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Action:
    type: str
    value: Any = None


@dataclass(frozen=True)
class RuleSpec:
    id: int
    name: str
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    hours: WeeklyHours = WeeklyHours()


@dataclass(frozen=True)
class CallFacts:
    """What conditions read, and what the call already carries (so an action that changes nothing says so)."""

    started_at: datetime
    timezone: str = "UTC"
    talk_seconds: int = 0
    result: str = ""
    first_time_caller: bool = False
    source: str = ""
    medium: str = ""
    campaign: str = ""
    keyword: str = ""
    landing_page: str = ""
    channel: str = ""
    pool: int | None = None
    tracker: str = ""  # the tracking number called, E.164
    caller_region: str = ""
    caller_area_code: str = ""
    transcript: str | None = None  # None: no transcript (yet)
    outcome: str = ""
    value: Decimal | None = None
    score: int | None = None
    spam: bool = False
    tags: frozenset[str] = frozenset()  # lower-case names
    marked_by_people: frozenset[str] = frozenset()  # of outcome, value, score


@dataclass(frozen=True)
class PlannedAction:
    type: str
    value: Any
    status: str  # apply | unchanged | skipped
    reason: str = ""


@dataclass(frozen=True)
class RuleDecision:
    rule_id: int
    rule_name: str
    matched: bool
    why: str  # the first condition that failed, or what matched
    actions: tuple[PlannedAction, ...] = field(default_factory=tuple)


# ---- conditions -----------------------------------------------------------------------------------------

def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().casefold()


def _words(text: str) -> str:
    """Lower-case words separated by single spaces, padded: phrase matching on word boundaries."""
    return " " + " ".join(re.findall(r"[\w']+", text.casefold())) + " "


def _said(transcript: str | None, phrases: list[str]) -> bool:
    if transcript is None:
        return False
    spoken = _words(transcript)
    return any(_words(phrase).strip() and _words(phrase) in spoken for phrase in phrases)


def _compare(op: str, actual: Any, wanted: Any) -> bool:
    if op == "eq":
        return actual == wanted
    if op == "ne":
        return actual != wanted
    if op == "in":
        return actual in wanted
    if op == "gte":
        return actual >= wanted
    if op == "lte":
        return actual <= wanted
    if op == "contains":
        return wanted in actual
    raise ValueError(f"unknown op {op}")


TEXT_FIELDS = {"source": "source", "medium": "medium", "campaign": "campaign", "keyword": "keyword",
               "landing_page": "landing_page", "channel": "channel", "caller_region": "caller_region",
               "caller_area_code": "caller_area_code", "tracker": "tracker"}


def condition_holds(condition: Condition, call: CallFacts, hours: WeeklyHours) -> bool:
    field, op, value = condition.field, condition.op, condition.value
    if field == "said":
        phrases = value if isinstance(value, list) else [value]
        if call.transcript is None:
            return False  # nothing was transcribed: neither said nor not said
        return _said(call.transcript, phrases) != (op == "ne")
    if field == "business_hours":
        local = call.started_at.astimezone(ZoneInfo(call.timezone))
        return hours.is_open(local) == (value == "in")
    if field == "talk_seconds":
        return _compare(op, call.talk_seconds, int(value))
    if field == "first_time_caller":
        return _compare(op, call.first_time_caller, bool(value))
    if field == "pool":
        return _compare(op, call.pool, [int(v) for v in value] if op == "in" else int(value))
    if field == "result":
        return _compare(op, call.result, value)
    if field in TEXT_FIELDS:
        actual = _norm(getattr(call, TEXT_FIELDS[field]))
        wanted = [_norm(v) for v in value] if op == "in" else _norm(value)
        return _compare(op, actual, wanted)
    raise ValueError(f"unknown field {field}")


def rule_matches(rule: RuleSpec, call: CallFacts) -> tuple[bool, str]:
    """(matched, why): every condition must hold; a rule with no conditions matches every call."""
    for condition in rule.conditions:
        if not condition_holds(condition, call, rule.hours):
            return False, f"{condition.field} {condition.op} {condition.value!r} did not hold"
    return True, "all conditions held" if rule.conditions else "no conditions: every call"


def rule_uses_transcript(rule: RuleSpec) -> bool:
    return any(condition.field == "said" for condition in rule.conditions)


# ---- actions --------------------------------------------------------------------------------------------

@dataclass
class _Plan:
    """What the rules planned so far in one run: which rule set each field first, the tags and spam they add."""

    claimed: dict[str, str] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)
    spam: bool = False


def _plan_action(action: Action, call: CallFacts, plan: _Plan, rule_name: str, *, past: bool) -> PlannedAction:
    kind, value = action.type, action.value
    if kind in SET_ACTION_FIELDS:
        target = SET_ACTION_FIELDS[kind]
        if target in plan.claimed:
            return PlannedAction(kind, value, SKIPPED, f"rule “{plan.claimed[target]}” comes first and sets the {target}")
        if target in call.marked_by_people:
            return PlannedAction(kind, value, SKIPPED, f"a person set the {target}; rules never overwrite it")
        plan.claimed[target] = rule_name
        wanted = Decimal(str(value)) if kind == "set_value" else value
        if getattr(call, target) == wanted:
            return PlannedAction(kind, value, UNCHANGED, f"the {target} is {value} already")
        return PlannedAction(kind, value, APPLY)
    if kind == "add_tag":
        if _norm(value) in call.tags or _norm(value) in plan.tags:
            return PlannedAction(kind, value, UNCHANGED, "the call has this tag already")
        plan.tags.add(_norm(value))
        return PlannedAction(kind, value, APPLY)
    if kind == "mark_spam":
        if call.spam or plan.spam:
            return PlannedAction(kind, value, UNCHANGED, "the call is spam already")
        plan.spam = True
        return PlannedAction(kind, value, APPLY)
    if kind == "notify":
        if past:
            return PlannedAction(kind, value, SKIPPED, "no notifications for past calls")
        return PlannedAction(kind, value, APPLY)
    raise ValueError(f"unknown action {kind}")


def plan_rules(rules: list[RuleSpec], call: CallFacts, *, transcript_only: bool = False,
               already_matched: frozenset[int] = frozenset(), past: bool = False) -> list[RuleDecision]:
    """Every rule's decision, in the rules' order. `transcript_only` (the transcript arrived): only rules that
    read the transcript, and not those that matched this call before. `past`: applied to past calls (no
    notifications)."""
    plan = _Plan()
    decisions = []
    for rule in rules:
        if transcript_only and (not rule_uses_transcript(rule) or rule.id in already_matched):
            continue
        matched, why = rule_matches(rule, call)
        actions = tuple(_plan_action(action, call, plan, rule.name, past=past) for action in rule.actions) if matched else ()
        decisions.append(RuleDecision(rule.id, rule.name, matched, why, actions))
    return decisions


def rule_match_count(rule: RuleSpec, calls: list[CallFacts]) -> int:
    """How many of `calls` the rule matches (the dashboard's preview)."""
    return sum(1 for call in calls if rule_matches(rule, call)[0])
