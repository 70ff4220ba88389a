"""Reports by tag, and spam calls left out of every report."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.aggregates import calls_per_day, report_rows
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def window():
    now = timezone.now()
    return now - timedelta(days=7), now + timedelta(minutes=1)


@pytest.fixture
def tracker(account, website):
    return CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)


def test_the_tag_report_counts_calls_conversions_and_value_per_tag(account, tracker, window):
    booked, vip = TagFactory(account=account, name="booked"), TagFactory(account=account, name="vip")
    both = CallFactory(tracker=tracker, is_conversion=True, conversion_value=Decimal("100"))
    both.tags.add(booked, vip)
    CallFactory(tracker=tracker).tags.add(booked)
    CallFactory(tracker=tracker, is_conversion=True, conversion_value=Decimal("5"))  # no tag
    rows = {row.key: row for row in report_rows(account=account, dimension="tag", start=window[0], end=window[1])}
    assert {key: (row.calls, row.conversions, row.value) for key, row in rows.items()} == {
        ("booked",): (2, 1, Decimal("100.00")), ("vip",): (1, 1, Decimal("100.00")), ("",): (1, 1, Decimal("5.00"))}
    assert rows[("",)].label == "(no tag)" and rows[("booked",)].visits is None


def test_spam_calls_are_left_out_of_every_report(account, tracker, window):
    CallFactory(tracker=tracker, source="google", medium="cpc")
    CallFactory(tracker=tracker, source="google", medium="cpc", spam=True).tags.add(TagFactory(account=account))
    [row] = report_rows(account=account, dimension="source_medium", start=window[0], end=window[1])
    assert row.calls == 1
    assert [row.key for row in report_rows(account=account, dimension="tag", start=window[0], end=window[1])] == [("",)]
    assert sum(day["calls"] for day in calls_per_day(account=account, start=window[0], end=window[1])) == 1


def test_another_accounts_tags_never_show(account, other_account, window):
    theirs = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=other_account), active=True))
    theirs.tags.add(TagFactory(account=other_account, name="secret"))
    assert report_rows(account=account, dimension="tag", start=window[0], end=window[1]) == []
