"""Reads for automation rules. Every selector takes `account=` first (or a call, which has one)."""

from datetime import datetime, timedelta

from django.db.models import QuerySet

from accounts.models import Account
from automation.definitions import rule_spec
from automation.models import AutomationRule, RuleApplyJob, RuleEffect
from automation.planner import CallFacts, RuleSpec
from calls.models import TERMINAL_STATUSES, Call, CallOutcomeChange
from core.actors import is_rule_label
from core.phones import phone_area_code
from transcripts.models import Transcript
from transcripts.selectors import call_transcripts

PREVIEW_DAYS = 30
PREVIEW_MAX_CALLS = 20000  # the preview reads at most this many of the latest calls
_HISTORY_FIELDS = {"outcome": ("from_outcome", "to_outcome"), "value": ("from_value", "to_value"),
                   "score": ("from_score", "to_score")}


def rule_list(*, account: Account) -> QuerySet[AutomationRule]:
    return AutomationRule.objects.filter(account=account).order_by("position", "id")


def rule_get(*, account: Account, pk: int) -> AutomationRule | None:
    return rule_list(account=account).select_related("account").filter(pk=pk).first()


def rule_specs(*, account: Account, rule_ids: list[int] | None = None) -> list[RuleSpec]:
    """The account's enabled rules in order (or exactly `rule_ids`, enabled or not), as the planner reads them."""
    rules = rule_list(account=account)
    rules = rules.filter(pk__in=rule_ids) if rule_ids is not None else rules.filter(enabled=True)
    return [rule_spec(id=rule.pk, name=rule.name, conditions=rule.conditions, actions=rule.actions,
                      business_hours=rule.business_hours) for rule in rules]


def call_transcript_text(call: Call) -> str | None:
    """What the call's ready transcripts say, as text (a call recording and a voicemail may both have one), with the
    phrases keyword spotting heard in the audio; None while there is none (SPEC "Transcripts")."""
    parts: list[str] = []
    for transcript in call_transcripts(call=call):
        if transcript.status == Transcript.Status.READY:
            parts += [transcript.text, *transcript.heard_phrases]
    return "\n".join(part for part in parts if part) or None


def fields_marked_by_people(*, call: Call) -> frozenset[str]:
    """Which of outcome / value / score a person (not a rule) changed last on this call."""
    columns = [column for pair in _HISTORY_FIELDS.values() for column in pair]
    rows = list(CallOutcomeChange.objects.filter(call=call).order_by("-created_at", "-id").values("actor_label", *columns))
    marked = set()
    for field, (before, after) in _HISTORY_FIELDS.items():
        last = next((row for row in rows if row[before] != row[after]), None)  # the latest change of this field
        if last is not None and not is_rule_label(last["actor_label"]):
            marked.add(field)
    return frozenset(marked)


def call_rule_facts(*, call: Call, transcript: str | None = None) -> CallFacts:
    """What the planner reads about `call` (with its account loaded)."""
    return CallFacts(
        started_at=call.started_at, timezone=call.account.timezone, talk_seconds=call.talk_seconds,
        result=call.result.value, first_time_caller=call.is_first_time_caller, source=call.source,
        medium=call.medium, campaign=call.campaign, keyword=call.term, landing_page=call.landing_page,
        channel=call.channel, pool=call.pool_id, tracker=call.tracking_number, caller_region=call.caller_region,
        caller_area_code=phone_area_code(call.caller_number), transcript=transcript, outcome=call.outcome,
        value=call.value, score=call.score, spam=call.spam,
        tags=frozenset(tag.name.casefold() for tag in call.tags.all()),
        marked_by_people=fields_marked_by_people(call=call),
    )


def final_calls(*, account: Account) -> QuerySet[Call]:
    """The account's calls whose final state is known (the ones rules run on)."""
    return Call.objects.filter(account=account, status__in=TERMINAL_STATUSES, settles_at__isnull=True)


def preview_facts(*, account: Account, now: datetime) -> list[CallFacts]:
    """Facts of the last 30 days' final calls (the latest PREVIEW_MAX_CALLS), for "would have matched N"."""
    calls = (final_calls(account=account).filter(started_at__gte=now - timedelta(days=PREVIEW_DAYS))
             .select_related("account").order_by("-started_at")[:PREVIEW_MAX_CALLS])
    # Tags and people's marks only decide whether actions change something: the preview counts matches alone.
    return [CallFacts(
        started_at=call.started_at, timezone=account.timezone, talk_seconds=call.talk_seconds,
        result=call.result.value, first_time_caller=call.is_first_time_caller, source=call.source, medium=call.medium,
        campaign=call.campaign, keyword=call.term, landing_page=call.landing_page, channel=call.channel,
        pool=call.pool_id, tracker=call.tracking_number, caller_region=call.caller_region,
        caller_area_code=phone_area_code(call.caller_number),
    ) for call in calls]


def call_rule_trace(*, account: Account, call: Call) -> list[RuleEffect]:
    """What rules did to the call, oldest first."""
    return list(RuleEffect.objects.filter(call__account=account, call=call).select_related("run").order_by("created_at", "id"))


def rule_apply_job_list(*, account: Account) -> QuerySet[RuleApplyJob]:
    return RuleApplyJob.objects.filter(account=account).select_related("rule").order_by("-created_at", "-id")
