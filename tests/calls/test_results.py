"""A call's result (calls.results): one definition the overview, the calls log, reports and the API share."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Call
from calls.results import (
    ABANDON_SECONDS,
    COUNTED_RESULTS,
    CallResult,
    call_result,
    call_result_expression,
    call_result_q,
)
from reports.aggregates import call_counts
from tests.factories import CallFactory, CallTrackerFactory

CASES = [
    # (status, answered, duration_seconds, expected result)
    ("completed", True, 60, CallResult.ANSWERED),
    ("no-answer", True, 3, CallResult.ANSWERED),  # the business picked up: answered whatever the status says
    ("no-answer", False, 30, CallResult.MISSED),
    ("completed", False, ABANDON_SECONDS, CallResult.MISSED),
    ("canceled", False, ABANDON_SECONDS - 1, CallResult.ABANDONED),
    ("no-answer", False, 0, CallResult.ABANDONED),
    ("busy", False, 2, CallResult.BUSY_OR_FAILED),
    ("failed", False, 40, CallResult.BUSY_OR_FAILED),
    ("ringing", False, 0, CallResult.IN_PROGRESS),
    ("in-progress", False, 20, CallResult.IN_PROGRESS),
]


@pytest.fixture
def calls(db):
    now = timezone.now()
    tracker = CallTrackerFactory(active=True)
    return [
        (CallFactory(tracker=tracker, status=status, duration_seconds=duration,
                     answered_at=now - timedelta(seconds=5) if answered else None), expected)
        for status, answered, duration, expected in CASES
    ]


def test_unanswered_calls_under_fifteen_seconds_are_abandoned_not_missed(calls):
    assert [(c.status, c.duration_seconds, call_result(c)) for c, _ in calls] == [
        (c.status, c.duration_seconds, expected) for c, expected in calls
    ]


def test_the_sql_filter_and_annotation_agree_with_the_python_result(calls):
    for result in CallResult:
        assert set(Call.objects.filter(call_result_q(result)).values_list("pk", flat=True)) == {
            c.pk for c, expected in calls if expected == result
        }, result
    annotated = dict(Call.objects.annotate(outcome_word=call_result_expression()).values_list("pk", "outcome_word"))
    assert annotated == {c.pk: expected.value for c, expected in calls}


def test_every_call_has_exactly_one_result(calls):
    matches = {c.pk: 0 for c, _ in calls}
    for result in CallResult:
        for pk in Call.objects.filter(call_result_q(result)).values_list("pk", flat=True):
            matches[pk] += 1
    assert set(matches.values()) == {1}


def test_report_counts_split_the_calls_by_result(calls):
    totals = Call.objects.aggregate(**call_counts())
    expected = {result.value: sum(1 for _, e in calls if e == result) for result in COUNTED_RESULTS}
    assert {result.value: totals[result.value] for result in COUNTED_RESULTS} == expected
    assert totals["missed"] == 2 and totals["abandoned"] == 2 and totals["busy_or_failed"] == 2
