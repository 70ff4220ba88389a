"""Writes for automation rules: the rules (create, change, reorder, delete, each with an audit row), running them on
a call — once per call per trigger, in the worker — and "apply to past calls" jobs with progress.

A run loads the call's facts, asks the pure planner (automation.planner.plan_rules) and applies what it planned
through calls.outcomes.call_mark with the rule as actor, so a rule's change is kept in the call's history, recomputes
the conversion and fires `call.updated` / `call.converted` exactly like a person's. The trace (RuleEffect rows)
records what every matching rule did, or why it did not.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from accounts.models import Account, Membership
from accounts.services import audit_record
from automation.definitions import condition_clean, definition_clean, hours_clean, rule_spec
from automation.models import AutomationRule, RuleApplyJob, RuleEffect, RuleNotification, RuleRun
from automation.planner import APPLY, RuleDecision, RuleSpec, plan_rules, rule_match_count
from automation.selectors import (
    call_rule_facts,
    call_transcript_text,
    final_calls,
    preview_facts,
    rule_specs,
)
from automation.signals import rule_notification_created
from calls.models import Call
from calls.outcomes import call_mark
from core.actors import Actor, actor_label
from core.error_codes import CONFLICT, INVALID
from core.errors import DomainError, full_clean_or_raise
from pools.models import Pool

logger = logging.getLogger(__name__)

_UNCHANGED: Any = object()
APPLY_MAX_DAYS = 366
_MARK_ARGUMENT = {"set_outcome": "outcome", "set_value": "value", "set_score": "score"}
_EFFECT_STATUS = {"apply": RuleEffect.Status.APPLIED, "unchanged": RuleEffect.Status.UNCHANGED,
                  "skipped": RuleEffect.Status.SKIPPED}


# ---- the rules ------------------------------------------------------------------------------------------

def _clean_name(name: Any) -> str:
    text = " ".join(str(name if name is not None else "").split())
    if not text or len(text) > 100:
        raise DomainError(INVALID, "A rule's name is 1 to 100 characters.", {"name": ["Enter a name (up to 100 characters)."]})
    return text


def _check_name_free(*, account: Account, name: str, rule_id: int | None = None) -> None:
    others = AutomationRule.objects.filter(account=account, name__iexact=name)
    if (others.exclude(pk=rule_id) if rule_id is not None else others).exists():
        raise DomainError(CONFLICT, f"There is already a rule named “{name}”.", {"name": ["Already exists."]})


def _check_links(*, account: Account, conditions: list[dict], actions: list[dict]) -> None:
    """Pools named in conditions and users named in notify actions must be the account's own."""
    pool_ids = {v for c in conditions if c["field"] == "pool" for v in (c["value"] if c["op"] == "in" else [c["value"]])}
    if pool_ids - set(Pool.objects.filter(account=account, pk__in=pool_ids).values_list("pk", flat=True)):
        raise DomainError(INVALID, "A condition names a pool this account does not have.", {"conditions": ["Unknown pool."]})
    user_ids = {v for a in actions if a["type"] == "notify" for v in a["value"] if isinstance(v, int)}
    members = set(Membership.objects.filter(account=account, user_id__in=user_ids).values_list("user_id", flat=True))
    if user_ids - members:
        raise DomainError(INVALID, "Notify names a user who is not a member of this account.", {"actions": ["Unknown user."]})


def _lock_rules(account: Account) -> list[AutomationRule]:
    """Rule writes of one account queue up (the account row's lock), so positions are renumbered one at a time."""
    Account.objects.select_for_update().filter(pk=account.pk).first()
    return list(AutomationRule.objects.filter(account=account).order_by("position", "id"))


def _renumber(rules: list[AutomationRule], *, moved: AutomationRule | None = None, position: int | None = None) -> None:
    """Positions 1..n in order, `moved` put at `position` (clamped)."""
    ordered = [rule for rule in rules if moved is None or rule.pk != moved.pk]
    if moved is not None:
        index = max(0, min(len(ordered), (position or len(ordered) + 1) - 1))
        ordered.insert(index, moved)
    changed = []
    for number, rule in enumerate(ordered, start=1):
        if rule.position != number:
            rule.position = number
            changed.append(rule)
    AutomationRule.objects.bulk_update(changed, ["position"])


def _snapshot(rule: AutomationRule) -> dict:
    return {"name": rule.name, "enabled": rule.enabled, "position": rule.position, "conditions": rule.conditions,
            "actions": rule.actions, "business_hours": rule.business_hours}


def rule_create(*, account: Account, name: Any, conditions: Any, actions: Any, enabled: bool = True,
                business_hours: Any = None, position: int | None = None, actor=None) -> AutomationRule:
    """A new rule, last unless `position` says where (1 = first). A tag named in an action is created when the
    rule first adds it."""
    name = _clean_name(name)
    conditions, actions = definition_clean(conditions=conditions, actions=actions, region=account.default_region)
    _check_links(account=account, conditions=conditions, actions=actions)
    hours = hours_clean(business_hours)
    _check_name_free(account=account, name=name)
    with transaction.atomic():
        rules = _lock_rules(account)
        rule = AutomationRule(account=account, name=name, enabled=enabled, conditions=conditions, actions=actions,
                              business_hours=hours, position=len(rules) + 1)
        full_clean_or_raise(rule)
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError:
            raise DomainError(CONFLICT, f"There is already a rule named “{name}”.", {"name": ["Already exists."]}) from None
        if position is not None:
            _renumber(rules, moved=rule, position=position)
        audit_record(account=account, actor=actor, action="automation_rule.created", target=rule,
                     changes={field: [None, value] for field, value in _snapshot(rule).items()})
    return rule


def rule_update(*, rule: AutomationRule, actor=None, name: Any = _UNCHANGED, enabled: Any = _UNCHANGED,
                conditions: Any = _UNCHANGED, actions: Any = _UNCHANGED, business_hours: Any = _UNCHANGED,
                position: Any = _UNCHANGED) -> AutomationRule:
    """Change any of the rule's parts (omitted ones stay); `position` moves it (1 = first) and renumbers the rest."""
    account = rule.account
    wanted: dict[str, Any] = {}
    if name is not _UNCHANGED:
        wanted["name"] = _clean_name(name)
        _check_name_free(account=account, name=wanted["name"], rule_id=rule.pk)
    if enabled is not _UNCHANGED:
        if not isinstance(enabled, bool):
            raise DomainError(INVALID, "enabled is true or false.", {"enabled": ["Must be true or false."]})
        wanted["enabled"] = enabled
    if conditions is not _UNCHANGED or actions is not _UNCHANGED:
        wanted["conditions"], wanted["actions"] = definition_clean(
            conditions=rule.conditions if conditions is _UNCHANGED else conditions,
            actions=rule.actions if actions is _UNCHANGED else actions, region=account.default_region)
        _check_links(account=account, conditions=wanted["conditions"], actions=wanted["actions"])
    if business_hours is not _UNCHANGED:
        wanted["business_hours"] = hours_clean(business_hours)
    if position is not _UNCHANGED and (isinstance(position, bool) or not isinstance(position, int) or position < 1):
        raise DomainError(INVALID, "A position is 1 or more.", {"position": ["A whole number from 1."]})
    with transaction.atomic():
        rules = _lock_rules(account)
        rule = next(r for r in rules if r.pk == rule.pk)
        before = _snapshot(rule)
        for field, value in wanted.items():
            setattr(rule, field, value)
        full_clean_or_raise(rule)
        rule.save(update_fields=[*wanted, "updated_at"])
        if position is not _UNCHANGED:
            _renumber(rules, moved=rule, position=position)
        changes = {field: [old, new] for field, old in before.items() if (new := _snapshot(rule)[field]) != old}
        if changes:
            audit_record(account=account, actor=actor, action="automation_rule.changed", target=rule, changes=changes)
    return rule


def rule_delete(*, rule: AutomationRule, actor=None) -> None:
    """Delete the rule; what it did stays in the calls' history and trace (under its name)."""
    with transaction.atomic():
        rules = _lock_rules(rule.account)
        rule_id = rule.pk
        audit_record(account=rule.account, actor=actor, action="automation_rule.deleted", target=rule,
                     changes={"name": [rule.name, None]})
        rule.delete()
        _renumber([r for r in rules if r.pk != rule_id])


def rule_preview(*, account: Account, conditions: Any, business_hours: Any = None,
                 now: datetime | None = None) -> tuple[int, int]:
    """(matched, calls): how many of the last 30 days' final calls these conditions would have matched."""
    now = now or timezone.now()
    if not isinstance(conditions, list):
        raise DomainError(INVALID, "Conditions are a list.", {"conditions": ["A list."]})
    clean = [condition_clean(raw, i, region=account.default_region) for i, raw in enumerate(conditions)]
    spec = rule_spec(id=0, name="preview", conditions=clean, actions=[], business_hours=hours_clean(business_hours))
    facts = preview_facts(account=account, now=now)
    return rule_match_count(spec, facts), len(facts)


# ---- running rules on a call ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RunResult:
    run: RuleRun
    matched: int  # rules that matched
    changed: bool  # whether any rule changed the call


def rules_run(*, call_id: int, trigger: str, now: datetime | None = None) -> RunResult | None:
    """Run the account's enabled rules on a final call for `trigger` (completed | transcript): at most once per
    call and trigger (the database refuses a second RuleRun). None when it ran already, the call is not final, or
    the account has no enabled rules."""
    if trigger not in (RuleRun.Trigger.COMPLETED, RuleRun.Trigger.TRANSCRIPT):
        raise ValueError(f"unknown trigger {trigger}")
    return _run(call_id=call_id, trigger=trigger, job=None, rule_ids=None, now=now or timezone.now())


def _run(*, call_id: int, trigger: str, job: RuleApplyJob | None, rule_ids: list[int] | None,
         now: datetime) -> RunResult | None:
    with transaction.atomic():
        call = Call.objects.select_for_update(of=("self",)).select_related("account").filter(pk=call_id).first()
        if call is None or not call.is_final:
            return None
        specs = rule_specs(account=call.account, rule_ids=rule_ids)
        if not specs:
            return None
        try:
            with transaction.atomic():
                run = RuleRun.objects.create(account=call.account, call=call, trigger=trigger, job=job, created_at=now)
        except IntegrityError:
            return None  # ran already (a retried or duplicated task)
        transcript_only = trigger == RuleRun.Trigger.TRANSCRIPT
        already = frozenset(RuleEffect.objects.filter(call=call, rule__isnull=False).values_list("rule_id", flat=True)
                            ) if transcript_only else frozenset()
        decisions = plan_rules(specs, call_rule_facts(call=call, transcript=call_transcript_text(call)),
                               transcript_only=transcript_only, already_matched=already, past=job is not None)
        changed = _apply(call=call, run=run, decisions=decisions, specs=specs, now=now)
    return RunResult(run=run, matched=sum(1 for d in decisions if d.matched), changed=changed)


def _apply(*, call: Call, run: RuleRun, decisions: list[RuleDecision], specs: list[RuleSpec], now: datetime) -> bool:
    """Carry out the plan: one call_mark per rule that changes something (actor: the rule), notify rows, the trace."""
    changed = False
    effects = []
    for decision in decisions:
        if not decision.matched:
            continue
        marks: dict[str, Any] = {}
        add_tags = []
        for action in decision.actions:
            if action.status != APPLY:
                continue
            if action.type == "add_tag":
                add_tags.append(action.value)
            elif action.type == "mark_spam":
                marks["spam"] = True
            elif action.type in _MARK_ARGUMENT:
                marks[_MARK_ARGUMENT[action.type]] = action.value
            elif action.type == "notify":
                _notify(call=call, run=run, rule_id=decision.rule_id, rule_name=decision.rule_name,
                        recipients=action.value, now=now)
        if marks or add_tags:
            call_mark(call=call, actor=Actor.rule(decision.rule_name), add_tags=add_tags, now=now, **marks)
            changed = True
        effects += [RuleEffect(run=run, call=call, rule_id=decision.rule_id, rule_name=decision.rule_name,
                               action_type=action.type, value=action.value, status=_EFFECT_STATUS[action.status],
                               reason=action.reason[:200], created_at=now) for action in decision.actions]
    RuleEffect.objects.bulk_create(effects)
    return changed


def _notify(*, call: Call, run: RuleRun, rule_id: int, rule_name: str, recipients: list, now: datetime) -> None:
    notification = RuleNotification.objects.create(account=call.account, call=call, run=run, rule_id=rule_id,
                                                   rule_name=rule_name, recipients=recipients, created_at=now)
    rule_notification_created.send(sender=RuleNotification, notification_id=notification.pk)


# ---- apply to past calls --------------------------------------------------------------------------------

def _local_range(account: Account, start: date, end: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(account.timezone)
    return datetime.combine(start, time.min, zone), datetime.combine(end + timedelta(days=1), time.min, zone)


def _as_date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(INVALID, f"{field} is a date (YYYY-MM-DD).", {field: ["A date, YYYY-MM-DD."]}) from None


def rule_apply_start(*, rule: AutomationRule, start: Any, end: Any, actor=None, now: datetime | None = None) -> RuleApplyJob:
    """Queue "apply to past calls" of `rule` for the calls that started from `start` to `end` (dates, inclusive, in
    the account's zone). The job row shows its progress; the worker runs it once this transaction commits."""
    now = now or timezone.now()
    start_date, end_date = _as_date(start, "start"), _as_date(end, "end")
    if end_date < start_date:
        raise DomainError(INVALID, "The range ends before it starts.", {"end": ["On or after the start."]})
    if (end_date - start_date).days >= APPLY_MAX_DAYS:
        raise DomainError(INVALID, f"At most {APPLY_MAX_DAYS} days at once.", {"start": [f"At most {APPLY_MAX_DAYS} days."]})
    with transaction.atomic():
        job = RuleApplyJob.objects.create(account=rule.account, rule=rule, start_date=start_date, end_date=end_date,
                                          actor_label=actor_label(actor), created_at=now)
        audit_record(account=rule.account, actor=actor, action="automation_rule.applied", target=rule,
                     changes={"start": [None, start_date.isoformat()], "end": [None, end_date.isoformat()]}, now=now)
        transaction.on_commit(lambda: _enqueue_apply(job.pk))
    return job


def _enqueue_apply(job_id: int) -> None:
    try:
        task_id = async_task("automation.tasks.apply_rule", job_id)
    except Exception as exc:  # the broker is down: say so on the job rather than fail the request after commit
        logger.warning("Queue unavailable for rule job %s: %s", job_id, exc)
        RuleApplyJob.objects.filter(pk=job_id, status=RuleApplyJob.Status.QUEUED).update(
            status=RuleApplyJob.Status.FAILED, error="The task queue was unavailable; start it again.")
        return
    RuleApplyJob.objects.filter(pk=job_id, task_id="").update(task_id=str(task_id or ""))


APPLY_CHUNK = 200


def rule_apply_run(*, job_id: int, now: datetime | None = None) -> RuleApplyJob | None:
    """The worker's side of "apply to past calls": the rule over the range's final calls, in chunks, counting
    progress on the job row. A retried job skips the calls it did (one RuleRun per call and job)."""
    job = RuleApplyJob.objects.select_related("rule", "account").filter(pk=job_id).first()
    if job is None or job.status == RuleApplyJob.Status.DONE:
        return job
    start, end = _local_range(job.account, job.start_date, job.end_date)
    calls = final_calls(account=job.account).filter(started_at__gte=start, started_at__lt=end)
    RuleApplyJob.objects.filter(pk=job.pk).update(status=RuleApplyJob.Status.RUNNING, total=calls.count(),
                                                  processed=job.runs.count(), error="")
    last_id = 0
    try:
        while ids := list(calls.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:APPLY_CHUNK]):
            matched = changed = 0
            for call_id in ids:
                result = _run(call_id=call_id, trigger=RuleRun.Trigger.APPLY, job=job, rule_ids=[job.rule_id],
                              now=now or timezone.now())
                matched += bool(result and result.matched)
                changed += bool(result and result.changed)
            RuleApplyJob.objects.filter(pk=job.pk).update(
                processed=job.runs.count(), matched=F("matched") + matched, changed=F("changed") + changed)
            last_id = ids[-1]
    except Exception as exc:
        RuleApplyJob.objects.filter(pk=job.pk).update(status=RuleApplyJob.Status.FAILED, error=str(exc)[:500])
        raise
    RuleApplyJob.objects.filter(pk=job.pk).update(status=RuleApplyJob.Status.DONE, processed=F("total"),
                                                  finished_at=now or timezone.now())
    job.refresh_from_db()
    return job

