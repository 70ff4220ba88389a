from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.google_ads import google_ads_csv, plan_conversion_row
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory
from tests.integrations.factories import GoogleAdsSettingsFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 18, 0, tzinfo=UTC)


@pytest.fixture
def tracker(account, website):
    return CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)


def _call(tracker, website, started_at, **click):
    visit = VisitFactory(website=website, started_at=started_at - timedelta(minutes=3), **click)
    return CallFactory(tracker=tracker, visit=visit, started_at=started_at)


def test_csv_follows_the_click_template(account, website, tracker):
    GoogleAdsSettingsFactory(account=account, conversion_name="Calls", conversion_value=Decimal("25"))
    _call(tracker, website, datetime(2026, 6, 14, 16, 30, 5, tzinfo=UTC), gclid="EAIaIQ")
    _call(tracker, website, datetime(2026, 6, 14, 17, 0, tzinfo=UTC), gbraid="GB1")
    lines = google_ads_csv(account=account, now=NOW).splitlines()
    assert lines[0] == "Parameters:TimeZone=America/New_York"
    assert lines[1] == "Google Click ID,Conversion Name,Conversion Time,Conversion Value,Conversion Currency,GBRAID,WBRAID"
    # 16:30 UTC is 12:30 in New York (EDT).
    assert lines[2] == "EAIaIQ,Calls,2026-06-14 12:30:05,25.00,USD,,"
    assert lines[3] == ",Calls,2026-06-14 13:00:00,25.00,USD,GB1,"
    assert len(lines) == 4


def test_old_clicks_and_calls_without_clicks_are_left_out(account, website, tracker):
    _call(tracker, website, NOW - timedelta(days=91), gclid="old")
    _call(tracker, website, NOW - timedelta(days=1))
    CallFactory(tracker=tracker, started_at=NOW - timedelta(days=1))
    assert len(google_ads_csv(account=account, now=NOW).splitlines()) == 2


def test_other_accounts_calls_are_left_out(account, other_account, website, tracker):
    _call(tracker, website, NOW - timedelta(days=1), gclid="alice")
    assert "alice" not in google_ads_csv(account=other_account, now=NOW)


def test_one_click_id_per_row():
    row = plan_conversion_row(gclid="g", gbraid="b", wbraid="w", started_at=NOW, value=Decimal(0))
    assert (row.gclid, row.gbraid, row.wbraid) == ("g", "", "")
    row = plan_conversion_row(gclid="", gbraid="b", wbraid="w", started_at=NOW, value=Decimal(0))
    assert (row.gclid, row.gbraid, row.wbraid) == ("", "b", "")
