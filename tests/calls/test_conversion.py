"""The one conversion rule (pure, no database)."""

from decimal import Decimal

import pytest

from calls.conversion import CallFacts, RuleFacts, plan_conversion

RULE = RuleFacts(min_seconds=30, first_time_only=False, value=Decimal("50"))


def facts(**overrides) -> CallFacts:
    values = {"has_ended": True, "was_answered": True, "talk_seconds": 45, "is_first_time_caller": True,
              "outcome": "", "value": None, **overrides}
    return CallFacts(**values)


def test_answered_call_at_least_min_seconds_converts_with_the_rules_value():
    decision = plan_conversion(rule=RULE, call=facts())
    assert (decision.is_conversion, decision.value) == (True, Decimal("50"))


def test_exactly_min_seconds_converts():
    assert plan_conversion(rule=RULE, call=facts(talk_seconds=30)).is_conversion


@pytest.mark.parametrize("call", [
    facts(talk_seconds=10),
    facts(talk_seconds=29),
    facts(was_answered=False, talk_seconds=0),
    facts(has_ended=False),
], ids=["10s", "29s", "missed", "in-progress"])
def test_short_missed_or_unfinished_calls_do_not_convert_and_have_no_value(call):
    decision = plan_conversion(rule=RULE, call=call)
    assert (decision.is_conversion, decision.value) == (False, Decimal("0"))
    assert decision.reason


def test_first_time_only_rule_leaves_repeat_callers_out():
    rule = RuleFacts(min_seconds=30, first_time_only=True, value=Decimal("50"))
    assert plan_conversion(rule=rule, call=facts(is_first_time_caller=True)).is_conversion
    assert not plan_conversion(rule=rule, call=facts(is_first_time_caller=False)).is_conversion


@pytest.mark.parametrize("outcome", ["lead", "sale"])
def test_lead_and_sale_convert_whatever_the_rule_says(outcome):
    decision = plan_conversion(rule=RULE, call=facts(outcome=outcome, was_answered=False, talk_seconds=0, has_ended=False))
    assert (decision.is_conversion, decision.value) == (True, Decimal("50"))


def test_not_lead_removes_a_call_the_rule_would_count():
    decision = plan_conversion(rule=RULE, call=facts(outcome="not_lead", value=Decimal("99")))
    assert (decision.is_conversion, decision.value) == (False, Decimal("0"))


def test_the_calls_own_value_overrides_the_rules_value():
    assert plan_conversion(rule=RULE, call=facts(value=Decimal("120"))).value == Decimal("120")
    assert plan_conversion(rule=RULE, call=facts(outcome="sale", value=Decimal("0"))).value == Decimal("0")


def test_default_rule_is_30_seconds_no_value():
    assert RuleFacts() == RuleFacts(min_seconds=30, first_time_only=False, value=Decimal("0"))


def test_a_spam_call_is_no_conversion_whatever_was_marked():
    for outcome in ("", "lead", "sale"):
        decision = plan_conversion(rule=RuleFacts(min_seconds=0, value=Decimal("10")),
                                   call=CallFacts(has_ended=True, was_answered=True, talk_seconds=600,
                                                  is_first_time_caller=True, outcome=outcome, is_spam=True))
        assert (decision.is_conversion, decision.value, decision.reason) == (False, Decimal("0.00"), "marked spam")
