from datetime import datetime

import pytest

from notifications.planner import (
    CallFacts,
    Wants,
    plan_call_reasons,
    plan_report_period,
    plan_retry_seconds,
    plan_summary_period,
)


def facts(result: str = "answered", *, is_first_time_caller: bool = False, is_conversion: bool = False,
          spam: bool = False) -> CallFacts:
    return CallFacts(result=result, is_first_time_caller=is_first_time_caller, is_conversion=is_conversion, spam=spam)


def test_a_missed_first_time_call_gives_both_reasons_in_one_message():
    wants = Wants(every_call=True, missed=True, first_time=True, conversions=True)
    assert plan_call_reasons(wants=wants, call=facts(result="missed", is_first_time_caller=True), event="call.completed") == ["missed", "first_time"]


@pytest.mark.parametrize("result", ["missed", "abandoned"])
def test_missed_covers_missed_and_abandoned_calls(result):
    assert plan_call_reasons(wants=Wants(False, True, False, False), call=facts(result=result), event="call.completed") == ["missed"]


def test_an_answered_call_is_not_missed():
    assert plan_call_reasons(wants=Wants(False, True, False, False), call=facts(), event="call.completed") == []


def test_every_call_says_call_only_when_nothing_more_specific_applies():
    assert plan_call_reasons(wants=Wants(True, False, False, False), call=facts(), event="call.completed") == ["call"]


def test_a_conversion_later_is_its_own_message_and_completion_events_do_not_repeat_it():
    wants = Wants(False, False, False, True)
    assert plan_call_reasons(wants=wants, call=facts(is_conversion=True), event="call.converted") == ["conversion"]
    assert plan_call_reasons(wants=wants, call=facts(is_conversion=False), event="call.converted") == []
    assert plan_call_reasons(wants=wants, call=facts(is_conversion=True), event="call.started") == []


def test_spam_calls_notify_nobody():
    wants = Wants(True, True, True, True)
    assert plan_call_reasons(wants=wants, call=facts(result="missed", spam=True), event="call.completed") == []


def test_a_daily_summary_covers_yesterday_from_seven_in_the_morning():
    assert plan_summary_period(frequency="daily", local_now=datetime(2026, 12, 3, 6, 59)) is None
    start, end = plan_summary_period(frequency="daily", local_now=datetime(2026, 12, 3, 7, 0))
    assert (start.isoformat(), end.isoformat()) == ("2026-12-02", "2026-12-02")


def test_a_weekly_summary_covers_the_monday_to_sunday_week_before():
    # Thursday Dec 3rd 2026: the week before is Mon Nov 23rd – Sun Nov 29th.
    start, end = plan_summary_period(frequency="weekly", local_now=datetime(2026, 12, 3, 9, 0))
    assert (start.isoformat(), end.isoformat()) == ("2026-11-23", "2026-11-29")


def test_a_monthly_report_covers_the_month_before():
    start, end = plan_report_period(frequency="monthly", local_now=datetime(2026, 3, 1, 7, 30))
    assert (start.isoformat(), end.isoformat()) == ("2026-02-01", "2026-02-28")


def test_failed_sends_are_retried_four_times_then_given_up():
    assert [plan_retry_seconds(attempts=n) for n in range(1, 6)] == [60, 300, 1800, 7200, None]
