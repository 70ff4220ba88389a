"""A pool's health (SPEC "Pool": `health`) as a pure decision over plain facts."""

import pytest

from pools.planner import HealthFacts, WaitingSource, plan_pool_health


def facts(**overrides) -> HealthFacts:
    base = dict(kind="automated", tracking="source", is_retired=False, size=4, max_active=4, max_size=50, active=2,
                min_visits=100, visit_window_days=30)
    return HealthFacts(**{**base, **overrides})


@pytest.mark.parametrize("overrides, state, words", [
    ({}, "ok", ""),
    ({"provision_error": "Twilio credentials are missing"}, "cannot_buy_numbers", "Twilio credentials are missing"),
    ({"active": 0}, "not_activating", "no source/medium has 100 visits in the last 30 days"),
    ({"active": 0, "max_active": 0, "size": 0}, "not_activating", "Size × utilization allows no active number"),
    ({"waiting": (WaitingSource("google", "cpc", 400, "no Available tracker"),)}, "not_activating",
     "google/cpc is on the top list with 400 visits but has no number: no Available tracker"),
    ({"tracking": "visitor", "exhausted_recently": 3}, "exhausted", "3 visitor sessions found every number in use"),
    ({"tracking": "visitor", "active": 0}, "not_activating", "holds none in rotation"),
    ({"has_matching_visit": False}, "showing_no_numbers", "None of its 2 active numbers' source/mediums had a visit"),
    ({"kind": "manual", "active": 0}, "showing_no_numbers", "No number is active"),
    ({"kind": "manual", "tracking": "visitor", "has_matching_visit": False}, "ok", ""),
    ({"is_retired": True, "provision_error": "old"}, "ok", "Retired"),
])
def test_each_state_comes_with_its_reason_and_advice(overrides, state, words):
    health = plan_pool_health(facts(**overrides))
    assert health.state == state
    assert words in health.reason
    assert bool(health.advice) == (state != "ok")


def test_a_provider_failure_outranks_everything_else():
    health = plan_pool_health(facts(provision_error="no numbers in 212", active=0, has_matching_visit=False))
    assert health.state == "cannot_buy_numbers" and "telephony settings" in health.advice


def test_an_exhausted_automated_pool_is_told_to_raise_its_max_size():
    health = plan_pool_health(facts(tracking="visitor", exhausted_recently=1, max_size=8))
    assert health.reason.startswith("1 visitor session found") and "max size (8)" in health.advice
