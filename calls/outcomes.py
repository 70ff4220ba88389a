"""Writes for conversions: the call's outcome/value/note, the website's conversion rule, and keeping
`Call.is_conversion` / `Call.conversion_value` in step with both (one pure rule: calls.conversion).

Recomputed when a call ends (calls.services.call_record_status), when its outcome changes
(call_set_outcome) and when its website's rule changes (conversion_rule_update → a queued recompute).
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Website
from accounts.services import audit_record
from calls.blocklist import caller_block, caller_unblock
from calls.conversion import CallFacts, RuleFacts, plan_conversion
from calls.models import TERMINAL_STATUSES, Call, CallOutcomeChange, ConversionRule
from calls.selectors import conversion_rule_for_call
from calls.signals import call_event, calls_relabeled
from calls.tags import tags_for_names
from core.actors import actor_fields
from core.error_codes import INVALID
from core.errors import DomainError
from core.queue import enqueue_on_commit

CALL_UPDATED = "call.updated"
# Not a webhook type: tells integrations (GA4) that a call already ended became a conversion late
# (e.g. the dialed leg's talk time arrived after the inbound leg's completion).
CALL_CONVERTED = "call.converted"
NOTE_MAX_LENGTH = 2000
RECOMPUTE_CHUNK = 1000
_UNCHANGED = object()


def rule_facts(rule: ConversionRule) -> RuleFacts:
    return RuleFacts(min_seconds=rule.min_seconds, first_time_only=rule.first_time_only, value=rule.value)


def call_facts(call) -> CallFacts:
    """`call` is a Call or a dict of its fields (bulk recompute reads `.values()`)."""
    def get(field: str) -> Any:
        return call.get(field) if isinstance(call, dict) else getattr(call, field)
    return CallFacts(
        has_ended=get("status") in TERMINAL_STATUSES, was_answered=get("answered_at") is not None,
        talk_seconds=get("talk_seconds"), is_first_time_caller=get("is_first_time_caller"),
        outcome=get("outcome"), value=get("value"), is_spam=get("spam"),
    )


def call_conversion_changes(*, call: Call, rule: ConversionRule | None = None) -> dict:
    """Apply the rule to `call` in memory; returns the derived fields that changed (for update_fields)."""
    rule = rule or conversion_rule_for_call(call=call)
    decision = plan_conversion(rule=rule_facts(rule), call=call_facts(call))
    changes: dict[str, Any] = {}
    if call.is_conversion != decision.is_conversion:
        changes["is_conversion"] = decision.is_conversion
    if call.conversion_value != decision.value:
        changes["conversion_value"] = decision.value
    for field, value in changes.items():
        setattr(call, field, value)
    return changes


def _relabeled(*, account, started_at: datetime) -> None:
    """Tell the reports that the account's calls from started_at's day on changed their conversion."""
    calls_relabeled.send(sender=Call, account_id=account.pk, day=started_at.astimezone(ZoneInfo(account.timezone)).date())


def _send_on_commit(call_id: int, event: str) -> None:
    transaction.on_commit(lambda: call_event.send(sender=Call, call_id=call_id, event=event))


def _clean_outcome(outcome) -> str:
    outcome = "" if outcome is None else outcome
    if outcome not in ("", *Call.Outcome.values):
        raise DomainError("invalid", "Unknown outcome.", {"outcome": [f"Choose one of {', '.join(Call.Outcome.values)}, or empty."]})
    return outcome


def _clean_value(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Call._meta.get_field("value").clean(Decimal(str(value)), None)
    except (InvalidOperation, ValueError):
        raise DomainError("invalid", "Enter a number.", {"value": ["Enter a number."]}) from None
    except ValidationError as exc:
        raise DomainError("invalid", exc.messages[0], {"value": exc.messages}) from None


def _clean_note(note) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH or "\x00" in note:
        raise DomainError("invalid", f"A note is at most {NOTE_MAX_LENGTH} characters of text.", {"note": ["Too long or not text."]})
    return note


def _clean_score(score) -> int | None:
    if score is None or score == "":
        return None
    try:
        number = int(str(score))
    except ValueError:
        number = 0
    if not 1 <= number <= 5:
        raise DomainError(INVALID, "A score is 1 to 5, or empty.", {"score": ["Choose 1 to 5, or empty."]})
    return number


def _clean_spam(spam) -> bool:
    if not isinstance(spam, bool):
        raise DomainError(INVALID, "Spam is true or false.", {"spam": ["Must be true or false."]})
    return spam


def _tag_names(tags) -> list[str]:
    return sorted((tag.name for tag in tags), key=str.lower)


def call_set_outcome(*, call: Call, actor=None, outcome=_UNCHANGED, value=_UNCHANGED,
                     note=_UNCHANGED, now: datetime | None = None) -> Call:
    """Set any of outcome / value / note (omitted ones stay): call_mark with only those."""
    return call_mark(call=call, actor=actor, outcome=outcome, value=value, note=note, now=now)


def call_mark(*, call: Call, actor=None, outcome=_UNCHANGED, value=_UNCHANGED, note=_UNCHANGED, tags=_UNCHANGED,
              add_tags=(), score=_UNCHANGED, spam=_UNCHANGED, now: datetime | None = None) -> Call:
    """Set what people mark on a call — outcome, value, note, tags (`tags` replaces the set, `add_tags` adds to it;
    names, a missing one becomes a tag), score (1–5 or None), spam — omitted ones stay. A change writes one
    history row with the actor, recomputes the conversion and sends `call.updated` after commit; setting the
    same values again changes nothing. Marking spam blocks the caller's number; "not spam" unblocks it."""
    return _call_mark(call=call, actor=actor, outcome=outcome, value=value, note=note, tags=tags, add_tags=add_tags,
                      score=score, spam=spam, now=now)[0]


def _call_mark(*, call, actor, outcome, value, note, tags, add_tags, score, spam, now) -> tuple[Call, bool]:
    now = now or timezone.now()
    wanted: dict[str, Any] = {}
    if outcome is not _UNCHANGED:
        wanted["outcome"] = _clean_outcome(outcome)
    if value is not _UNCHANGED:
        wanted["value"] = _clean_value(value)
    if note is not _UNCHANGED:
        wanted["note"] = _clean_note(note)
    if score is not _UNCHANGED:
        wanted["score"] = _clean_score(score)
    if spam is not _UNCHANGED:
        wanted["spam"] = _clean_spam(spam)
    with transaction.atomic():
        call = Call.objects.select_for_update(of=("self",)).select_related("pool", "account").get(pk=call.pk)
        current_tags = list(call.tags.all())
        before: dict[str, Any] = {"outcome": call.outcome, "value": call.value, "note": call.note, "score": call.score,
                                  "spam": call.spam}
        changed = {field: new for field, new in wanted.items() if before[field] != new}
        new_tags = current_tags
        if tags is not _UNCHANGED or add_tags:
            named = tags_for_names(account=call.account, names=[*([] if tags is _UNCHANGED else tags), *add_tags])
            new_tags = named if tags is not _UNCHANGED else [*current_tags, *(t for t in named if t not in current_tags)]
        tags_changed = {tag.pk for tag in new_tags} != {tag.pk for tag in current_tags}
        if not changed and not tags_changed:
            return call, False
        for field, new in changed.items():
            setattr(call, field, new)
        changed.update(call_conversion_changes(call=call))
        if changed:
            call.save(update_fields=list(changed))
        if tags_changed:
            call.tags.set(new_tags)
        if {"is_conversion", "conversion_value", "spam"} & changed.keys() or tags_changed:
            _relabeled(account=call.account, started_at=call.started_at)  # reports count spam out and split by tag
        if "spam" in changed:
            (caller_block if call.spam else caller_unblock)(account=call.account, caller_number=call.caller_number, actor=actor)
        CallOutcomeChange.objects.create(
            call=call, from_outcome=before["outcome"], to_outcome=call.outcome, from_value=before["value"],
            to_value=call.value, from_note=before["note"], to_note=call.note,
            from_tags=_tag_names(current_tags), to_tags=_tag_names(new_tags), from_score=before["score"],
            to_score=call.score, from_spam=before["spam"], to_spam=call.spam,
            **actor_fields(actor), created_at=now,
        )
        _send_on_commit(call.pk, CALL_UPDATED)
    return call, True


BULK_MAX = 500


def calls_mark_bulk(*, account: Account, call_ids, actor=None, add_tags=(), outcome=_UNCHANGED, score=_UNCHANGED,
                    spam=_UNCHANGED, now: datetime | None = None) -> int:
    """The calls log's bulk edit: call_mark on each of the account's calls among `call_ids` (others' ids are
    ignored), all or none. Returns how many calls changed."""
    ids = list(dict.fromkeys(call_ids))
    if not ids:
        raise DomainError(INVALID, "Choose at least one call.", {"calls": ["Choose at least one call."]})
    if len(ids) > BULK_MAX:
        raise DomainError(INVALID, f"At most {BULK_MAX} calls at once.", {"calls": [f"At most {BULK_MAX} calls."]})
    if not add_tags and outcome is _UNCHANGED and score is _UNCHANGED and spam is _UNCHANGED:
        raise DomainError(INVALID, "Choose what to change.", {"action": ["Choose what to change."]})
    changed = 0
    with transaction.atomic():
        for call in Call.objects.filter(account=account, pk__in=ids).order_by("pk"):
            changed += _call_mark(call=call, actor=actor, outcome=outcome, value=_UNCHANGED, note=_UNCHANGED,
                                  tags=_UNCHANGED, add_tags=add_tags, score=score, spam=spam, now=now)[1]
    return changed


def conversion_rule_update(*, website: Website, min_seconds: int, first_time_only: bool, value, actor=None) -> ConversionRule:
    """Save the website's rule and queue the recompute of its calls (after commit: it may touch many rows)."""
    rule = ConversionRule.objects.filter(website=website).first() or ConversionRule(website=website)
    before = {"min_seconds": rule.min_seconds, "first_time_only": rule.first_time_only, "value": rule.value} if rule.pk else {}
    rule.min_seconds, rule.first_time_only, rule.value = min_seconds, first_time_only, value
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from None
    with transaction.atomic():
        rule.save()
        after = {"min_seconds": rule.min_seconds, "first_time_only": rule.first_time_only, "value": rule.value}
        audit_record(account=website.account, actor=actor, action="conversion_rule.changed", target=rule,
                     changes={field: [before.get(field), new] for field, new in after.items() if before.get(field) != new})
        enqueue_on_commit("calls.tasks.recompute_website_conversions", website.pk)
    return rule


def website_conversions_recompute(*, website_id: int) -> int:
    """Re-derive is_conversion/conversion_value of every call to the website under its current rule, in chunks
    of locked rows (a status callback can't slip in between read and write). Returns the calls changed.
    No GA4 events and no webhooks: a rule change re-labels history, it is not a new conversion."""
    website = Website.objects.filter(pk=website_id).select_related("account").first()
    if website is None:
        return 0
    rule = rule_facts(ConversionRule.objects.filter(website=website).first() or ConversionRule(website=website))
    fields = ("id", "started_at", "status", "answered_at", "talk_seconds", "is_first_time_caller", "outcome", "value",
              "spam", "is_conversion", "conversion_value")
    last_id, changed = 0, 0
    while True:
        with transaction.atomic():
            rows = list(
                Call.objects.filter(pool__website_id=website_id, id__gt=last_id).order_by("id")
                .select_for_update(of=("self",)).values(*fields)[:RECOMPUTE_CHUNK]
            )
            if not rows:
                return changed
            last_id = rows[-1]["id"]
            updates = []
            for row in rows:
                decision = plan_conversion(rule=rule, call=call_facts(row))
                if (row["is_conversion"], row["conversion_value"]) != (decision.is_conversion, decision.value):
                    updates.append(Call(id=row["id"], is_conversion=decision.is_conversion, conversion_value=decision.value))
            Call.objects.bulk_update(updates, ["is_conversion", "conversion_value"])
            if updates:
                updated = {call.id for call in updates}
                _relabeled(account=website.account, started_at=min(row["started_at"] for row in rows if row["id"] in updated))
            changed += len(updates)
