"""Whether a call is a conversion, and with which value. Pure: plain facts in, a decision out.

SPEC "Attribution": a call counts when it was answered and its talk time is ≥ `min_seconds`, optionally
only for first-time callers, with the rule's value. The marketer's outcome wins over the rule: `not_lead`
removes a call from conversions, `lead`/`sale` add it whatever the rule says; the call's own `value`
overrides the rule's value. The rule is judged only once the call has ended (talk time is final then),
so a call in progress never counts by the rule — the GA4 event goes out when it completes.
"""

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")
# The facts plan_conversion reads from a Call: recompute when one of these changes.
CONVERSION_INPUT_FIELDS = frozenset({"status", "answered_at", "talk_seconds", "is_first_time_caller", "outcome", "value",
                                     "spam"})


@dataclass(frozen=True)
class RuleFacts:
    min_seconds: int = 30
    first_time_only: bool = False
    value: Decimal = ZERO


@dataclass(frozen=True)
class CallFacts:
    has_ended: bool
    was_answered: bool
    talk_seconds: int
    is_first_time_caller: bool
    outcome: str = ""
    value: Decimal | None = None
    is_spam: bool = False


@dataclass(frozen=True)
class ConversionDecision:
    is_conversion: bool
    value: Decimal  # 0 when the call is no conversion
    reason: str


def plan_conversion(*, rule: RuleFacts, call: CallFacts) -> ConversionDecision:
    if call.is_spam:  # whatever else was marked: spam is never sent to GA4 or Ads as a conversion
        return ConversionDecision(False, ZERO, "marked spam")
    if call.outcome == "not_lead":
        return ConversionDecision(False, ZERO, "marked not a lead")
    value = call.value if call.value is not None else rule.value
    if call.outcome in ("lead", "sale"):
        return ConversionDecision(True, value, f"marked {call.outcome}")
    if not call.has_ended:
        return ConversionDecision(False, ZERO, "the call has not ended")
    if not call.was_answered:
        return ConversionDecision(False, ZERO, "not answered")
    if call.talk_seconds < rule.min_seconds:
        return ConversionDecision(False, ZERO, f"talk time {call.talk_seconds} s < {rule.min_seconds} s")
    if rule.first_time_only and not call.is_first_time_caller:
        return ConversionDecision(False, ZERO, "repeat caller (the rule counts first-time callers only)")
    return ConversionDecision(True, value, f"answered, talk time ≥ {rule.min_seconds} s")
