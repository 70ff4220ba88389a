"""Reads for calls and the voice webhook."""

from django.db.models import Count, Q

from accounts.models import Account, Website
from calls.models import BlockedNumber, Call, CallOutcomeChange, ConversionRule, Tag
from trackers.models import CallTracker


def tracker_for_inbound_number(*, number: str) -> CallTracker | None:
    """The live tracker a call to `number` is for, whichever account and provider it belongs to.

    No `account=` here: the provider tells us only the dialed number, and a live number belongs to
    exactly one tracker (database constraint), so the lookup cannot cross accounts.
    """
    if not number:
        return None
    return (
        CallTracker.objects.live()
        .select_related("pool", "pool__account")
        .filter(tracking_number=number)
        .first()
    )


def call_for_provider_id(*, provider_call_id: str) -> Call | None:
    """The call a provider callback is about. Keyed by the provider's globally unique call id."""
    if not provider_call_id:
        return None
    return Call.objects.select_related("account").filter(provider_call_id=provider_call_id).first()


def call_list(*, account, tracker=None):
    calls = Call.objects.filter(account=account)
    if tracker is not None:
        calls = calls.filter(tracker=tracker)
    return calls


def caller_history_around(*, account, caller_number: str, at, exclude_call_id: str = "") -> tuple[bool, bool]:
    """(has an earlier call, has a later call still marked first-time) for that caller in the account, in one
    query: first-time is decided by start time, and a call can reach us after a later-starting one."""
    counts = (
        Call.objects.filter(account=account, caller_number=caller_number)
        .exclude(provider_call_id=exclude_call_id)
        .aggregate(earlier=Count("id", filter=Q(started_at__lt=at)),
                   later_first=Count("id", filter=Q(started_at__gt=at, is_first_time_caller=True)))
    )
    return bool(counts["earlier"]), bool(counts["later_first"])


def conversion_rule_for_call(*, call: Call) -> ConversionRule:
    """The rule of the call's website, or the default rule (unsaved) when none was saved or the call has no pool."""
    rule = ConversionRule.objects.filter(website__pools=call.pool_id).first() if call.pool_id else None
    return rule or ConversionRule()


def conversion_rules_by_website(*, account: Account, websites: list[Website] | None = None) -> dict[int, ConversionRule]:
    """{website id: its rule} for the account's websites (default rules for those without a saved one)."""
    if websites is None:
        websites = list(Website.objects.filter(account=account))
    saved = {rule.website_id: rule for rule in ConversionRule.objects.filter(website__account=account,
                                                                             website__in=[w.pk for w in websites])}
    return {website.pk: saved.get(website.pk) or ConversionRule(website=website) for website in websites}


def call_outcome_history(*, account: Account, call: Call) -> list[CallOutcomeChange]:
    return list(CallOutcomeChange.objects.filter(call__account=account, call=call).select_related("actor")[:50])
def call_list_with_visit(*, account, visit_since=None):
    """The account's calls attributed to a visit OF THE SAME ACCOUNT (both sides scoped), visit joined.

    A call row linked to another tenant's visit (a cross-tenant link saved before the admin was scoped) is
    never read through here, so no export shows another tenant's click ids.
    """
    calls = Call.objects.filter(account=account, visit__isnull=False, visit__website__account=account)
    if visit_since is not None:
        calls = calls.filter(visit__started_at__gte=visit_since)
    return calls.select_related("visit")


def caller_is_blocked(*, account: Account, caller_number: str) -> bool:
    """Whether the account's block list holds the caller's number or a prefix of it: one indexed lookup of every
    prefix ("+1", "+19", "+190", … the whole number)."""
    if not caller_number.startswith("+"):
        return False
    prefixes = [caller_number[:end] for end in range(2, len(caller_number) + 1)]
    return BlockedNumber.objects.filter(account=account, number__in=prefixes).exists()


def blocked_number_list(*, account: Account):
    return BlockedNumber.objects.filter(account=account).order_by("number", "id")


def tag_list(*, account: Account):
    return Tag.objects.filter(account=account).order_by("name", "id")
