"""The rules planner: pure, no database."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from automation.definitions import (
    DEFAULT_HOURS,
    definition_clean,
    hours_clean,
    rule_spec,
    weekly_hours,
)
from automation.planner import (
    APPLY,
    SKIPPED,
    UNCHANGED,
    Action,
    CallFacts,
    Condition,
    OpenRange,
    RuleSpec,
    WeeklyHours,
    plan_rules,
    rule_matches,
)
from core.errors import DomainError

NOON_UTC = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # a Wednesday; 12:00 in New York


def facts(**kw) -> CallFacts:
    return CallFacts(**{"started_at": NOON_UTC, "timezone": "America/New_York", **kw})


TAG = (Action("add_tag", "t"),)


def rule(rule_id=1, name="r", conditions=(), actions=TAG, hours=None) -> RuleSpec:
    return RuleSpec(rule_id, name, tuple(Condition(*c) for c in conditions), tuple(actions),
                    hours or weekly_hours(DEFAULT_HOURS))


@pytest.mark.parametrize("condition,call,expected", [
    (("talk_seconds", "gte", 60), {"talk_seconds": 60}, True),
    (("talk_seconds", "gte", 60), {"talk_seconds": 59}, False),
    (("talk_seconds", "lte", 10), {"talk_seconds": 5}, True),
    (("result", "eq", "missed"), {"result": "missed"}, True),
    (("result", "in", ["missed", "abandoned"]), {"result": "answered"}, False),
    (("first_time_caller", "eq", True), {"first_time_caller": True}, True),
    (("source", "eq", "Google"), {"source": "google"}, True),  # any case
    (("source", "ne", "google"), {"source": "bing"}, True),
    (("landing_page", "contains", "/pricing"), {"landing_page": "https://ex.com/pricing?x=1"}, True),
    (("campaign", "in", ["spring", "summer"]), {"campaign": "Summer"}, True),
    (("keyword", "contains", "plumber"), {"keyword": "emergency plumber near me"}, True),
    (("channel", "eq", "Paid Search"), {"channel": "Paid Search"}, True),
    (("pool", "eq", 7), {"pool": 7}, True),
    (("pool", "in", [1, 2]), {"pool": 7}, False),
    (("tracker", "eq", "+12025550111"), {"tracker": "+12025550111"}, True),
    (("caller_region", "in", ["CA", "NY"]), {"caller_region": "ny"}, True),
    (("caller_area_code", "eq", "415"), {"caller_area_code": "415"}, True),
    (("caller_area_code", "eq", "415"), {"caller_area_code": ""}, False),
    (("business_hours", "eq", "in"), {}, True),  # Wednesday noon in New York
    (("business_hours", "eq", "out"), {}, False),
])
def test_each_condition_reads_its_fact(condition, call, expected):
    assert rule_matches(rule(conditions=[condition]), facts(**call))[0] is expected


def test_business_hours_are_read_in_the_accounts_zone():
    # 17:00 UTC is 12:00 in New York but 02:00 the next day in Tokyo.
    hours = rule(conditions=[("business_hours", "eq", "in")])
    assert rule_matches(hours, facts(timezone="America/New_York"))[0]
    assert not rule_matches(hours, facts(timezone="Asia/Tokyo"))[0]


def test_a_holiday_is_outside_business_hours():
    hours = WeeklyHours((OpenRange(frozenset(range(7)), time(0, 0), time(23, 59)),), frozenset({date(2026, 12, 2)}))
    assert rule_matches(rule(conditions=[("business_hours", "eq", "out")], hours=hours), facts())[0]


def test_overnight_hours_cover_the_small_hours_of_the_next_day():
    night = WeeklyHours((OpenRange(frozenset({1}), time(22, 0), time(6, 0)),))  # Tuesday 22:00 → Wednesday 06:00
    wednesday_3am_ny = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert night.is_open(wednesday_3am_ny.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York")))


def test_said_matches_whole_words_of_the_transcript_and_nothing_without_one():
    said = rule(conditions=[("said", "contains", "book an appointment")])
    assert rule_matches(said, facts(transcript="Hi, I'd like to BOOK an appointment, please."))[0]
    assert not rule_matches(said, facts(transcript="I rebook an appointments"))[0]
    assert not rule_matches(said, facts(transcript=None))[0]
    not_said = rule(conditions=[("said", "ne", "cancel")])
    assert rule_matches(not_said, facts(transcript="book please"))[0]
    assert not rule_matches(not_said, facts(transcript=None))[0]  # no transcript: neither said nor not said


def test_all_conditions_must_hold():
    both = rule(conditions=[("talk_seconds", "gte", 60), ("source", "eq", "google")])
    assert rule_matches(both, facts(talk_seconds=90, source="google"))[0]
    matched, why = rule_matches(both, facts(talk_seconds=90, source="bing"))
    assert not matched and "source" in why


def test_the_first_rule_to_set_a_field_wins_and_later_ones_say_why_they_were_skipped():
    first = rule(1, "Sales", actions=[Action("set_outcome", "sale"), Action("add_tag", "hot")])
    second = rule(2, "Leads", actions=[Action("set_outcome", "lead"), Action("add_tag", "warm")])
    decisions = plan_rules([first, second], facts())
    assert [(a.type, a.status) for a in decisions[0].actions] == [("set_outcome", APPLY), ("add_tag", APPLY)]
    assert [(a.type, a.status) for a in decisions[1].actions] == [("set_outcome", SKIPPED), ("add_tag", APPLY)]
    assert "Sales" in decisions[1].actions[0].reason


def test_a_rule_never_overwrites_what_a_person_marked():
    [decision] = plan_rules([rule(actions=[Action("set_value", "50.00"), Action("set_score", 4)])],
                            facts(marked_by_people=frozenset({"value"})))
    assert [(a.type, a.status) for a in decision.actions] == [("set_value", SKIPPED), ("set_score", APPLY)]


def test_actions_that_change_nothing_are_unchanged():
    [decision] = plan_rules([rule(actions=[Action("add_tag", "Booked"), Action("set_value", "10"),
                                           Action("mark_spam")])],
                            facts(tags=frozenset({"booked"}), value=Decimal("10.00"), spam=True))
    assert {a.status for a in decision.actions} == {UNCHANGED}


def test_the_same_tag_from_two_rules_is_added_once():
    decisions = plan_rules([rule(1, "a", actions=[Action("add_tag", "x")]), rule(2, "b", actions=[Action("add_tag", "X")])], facts())
    assert [d.actions[0].status for d in decisions] == [APPLY, UNCHANGED]


def test_the_transcript_trigger_runs_only_rules_that_read_it_and_not_twice():
    said = rule(1, "said", conditions=[("said", "contains", "refund")])
    plain = rule(2, "plain")
    call = facts(transcript="I want a refund")
    assert [d.rule_id for d in plan_rules([said, plain], call, transcript_only=True)] == [1]
    assert plan_rules([said, plain], call, transcript_only=True, already_matched=frozenset({1})) == []


def test_past_calls_get_no_notifications():
    [decision] = plan_rules([rule(actions=[Action("notify", ["a@example.com"])])], facts(), past=True)
    assert decision.actions[0].status == SKIPPED


def test_a_rule_that_does_not_match_plans_nothing():
    [decision] = plan_rules([rule(conditions=[("talk_seconds", "gte", 60)])], facts(talk_seconds=3))
    assert not decision.matched and decision.actions == ()


@given(talk=st.integers(0, 7200), threshold=st.integers(0, 7200))
def test_gte_and_lte_split_every_call(talk, threshold):
    at_least = rule_matches(rule(conditions=[("talk_seconds", "gte", threshold)]), facts(talk_seconds=talk))[0]
    at_most = rule_matches(rule(conditions=[("talk_seconds", "lte", threshold)]), facts(talk_seconds=talk))[0]
    assert at_least or at_most
    assert (at_least and at_most) == (talk == threshold)


@given(st.lists(st.sampled_from(["set_outcome", "set_value", "set_score", "add_tag"]), min_size=1, max_size=8))
def test_at_most_one_rule_applies_each_set_action(kinds):
    values = {"set_outcome": "lead", "set_value": "5", "set_score": 3, "add_tag": "t"}
    rules = [rule(i, f"r{i}", actions=[Action(kind, values[kind])]) for i, kind in enumerate(kinds, start=1)]
    decisions = plan_rules(rules, facts())
    for kind in ("set_outcome", "set_value", "set_score", "add_tag"):
        applied = [d for d in decisions for a in d.actions if a.type == kind and a.status == APPLY]
        assert len(applied) == (1 if kind in kinds else 0)


# ---- definitions: what people write, checked and made canonical ----------------------------------------

def test_a_definition_is_cleaned_to_one_canonical_form():
    conditions, actions = definition_clean(
        conditions=[{"field": "talk_seconds", "op": "gte", "value": "60"},
                    {"field": "caller_region", "op": "in", "value": "ca, ny"},
                    {"field": "tracker", "op": "eq", "value": "(202) 555-0111"}],
        actions=[{"type": "add_tag", "value": "  long   call "}, {"type": "set_value", "value": 12.5},
                 {"type": "mark_spam", "value": "ignored"}],
        region="US")
    assert conditions == [{"field": "talk_seconds", "op": "gte", "value": 60},
                          {"field": "caller_region", "op": "in", "value": ["CA", "NY"]},
                          {"field": "tracker", "op": "eq", "value": "+12025550111"}]
    assert actions == [{"type": "add_tag", "value": "long call"}, {"type": "set_value", "value": "12.50"},
                       {"type": "mark_spam"}]


@pytest.mark.parametrize("conditions,actions,field", [
    ([{"field": "colour", "op": "eq", "value": "x"}], [{"type": "mark_spam"}], "conditions"),
    ([{"field": "talk_seconds", "op": "contains", "value": 5}], [{"type": "mark_spam"}], "conditions"),
    ([{"field": "result", "op": "eq", "value": "maybe"}], [{"type": "mark_spam"}], "conditions"),
    ([], [], "actions"),
    ([], [{"type": "set_score", "value": 9}], "actions"),
    ([], [{"type": "set_outcome", "value": "won"}], "actions"),
    ([], [{"type": "notify", "value": ["not an address"]}], "actions"),
])
def test_bad_definitions_are_refused_on_the_field_at_fault(conditions, actions, field):
    with pytest.raises(DomainError) as refused:
        definition_clean(conditions=conditions, actions=actions, region="US")
    assert field in refused.value.fields


def test_business_hours_are_checked_and_read_back():
    hours = hours_clean({"hours": [{"days": [5, 5, 6], "open": "10:00", "close": "14:00"}], "holidays": ["2026-12-25"]})
    assert hours == {"hours": [{"days": [5, 6], "open": "10:00", "close": "14:00"}], "holidays": ["2026-12-25"]}
    spec = rule_spec(id=1, name="w", conditions=[{"field": "business_hours", "op": "eq", "value": "in"}],
                     actions=[{"type": "mark_spam"}], business_hours=hours)
    assert not rule_matches(spec, facts())[0]  # a Wednesday
    with pytest.raises(DomainError):
        hours_clean({"hours": [{"days": [7], "open": "10:00", "close": "14:00"}]})
