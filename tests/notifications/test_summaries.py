"""Daily/weekly summary emails: queued by the schedule in the account's time zone, once per period, with the same
numbers the dashboard shows, received by a real SMTP server."""

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.schedules import wanted_schedules
from notifications.models import Notification, NotificationPreference
from notifications.services import summaries_queue
from tests.factories import (
    CallFactory,
    CallTrackerFactory,
    MembershipFactory,
    PoolFactory,
    UserFactory,
)
from tests.notifications.conftest import parts

pytestmark = pytest.mark.django_db

# Monday Nov 30th 2026, 08:00 in New York (the account's zone): the week before is Nov 23rd – 29th.
MONDAY_8AM = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
IN_THE_WEEK = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture
def carol(account):
    user = UserFactory(username="carol", email="carol@example.com")
    MembershipFactory(account=account, user=user)
    NotificationPreference.objects.create(account=account, user=user, summary="weekly")
    return user


@pytest.fixture
def week_of_calls(account, website):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website, name="Main line"), active=True)
    answered = {"answered_at": IN_THE_WEEK, "talk_seconds": 90, "duration_seconds": 95}
    CallFactory(tracker=tracker, started_at=IN_THE_WEEK, source="google", medium="cpc", term="emergency plumber",
                is_conversion=True, conversion_value=Decimal("80"), **answered)
    CallFactory(tracker=tracker, started_at=IN_THE_WEEK, source="google", medium="cpc", term="emergency plumber", **answered)
    CallFactory(tracker=tracker, started_at=IN_THE_WEEK, source="bing", medium="organic", status="no-answer", duration_seconds=30)
    CallFactory(tracker=tracker, started_at=IN_THE_WEEK - timedelta(days=10), source="google", medium="cpc")  # the week before


def test_the_weekly_summary_arrives_once_with_the_weeks_numbers(smtp_server, account, carol, week_of_calls,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert summaries_queue(now=MONDAY_8AM) == 1
        assert summaries_queue(now=MONDAY_8AM + timedelta(hours=3)) == 0  # the schedule runs every 15 minutes
    [message] = smtp_server.messages
    assert message["Subject"].strip() == "Alice Co: 3 calls, 1 conversion (Nov 23 – Nov 29, 2026)"
    text = parts(message)["text/plain"]
    assert "Calls:        3" in text and "Answer rate:  67%" in text and "(2 answered, 1 missed, 0 abandoned)" in text
    assert "Conversions:  1" in text and "Value:        80.00 USD" in text
    assert "1. google / cpc: 2 calls, 1 conversion" in text
    assert "1. emergency plumber: 2 calls" in text
    assert "Pools that need attention" in text
    html = parts(message)["text/html"]
    assert "<strong>3</strong>" in html and "range=custom&amp;start=2026-11-23&amp;end=2026-11-29" in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    if os.environ.get("SHOTS_DIR"):
        (Path(os.environ["SHOTS_DIR"]) / "h3-summary.eml").write_bytes(smtp_server.raw(0))


def test_nothing_goes_out_before_seven_in_the_accounts_zone(account, carol):
    # 06:30 in New York is 11:30 UTC: already morning in London, not yet in the account's zone.
    assert summaries_queue(now=datetime(2026, 11, 30, 11, 30, tzinfo=UTC)) == 0
    assert not Notification.objects.exists()


def test_a_daily_summary_covers_yesterday(smtp_server, account, carol, week_of_calls, django_capture_on_commit_callbacks):
    NotificationPreference.objects.filter(user=carol).update(summary="daily")
    with django_capture_on_commit_callbacks(execute=True):
        summaries_queue(now=datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    [message] = smtp_server.messages
    assert message["Subject"].strip() == "Alice Co: 3 calls, 1 conversion (Nov 25, 2026)"


def test_unsubscribing_from_the_summary_turns_it_off(smtp_server, client, account, carol, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summaries_queue(now=MONDAY_8AM)
    url = smtp_server.messages[0]["List-Unsubscribe"].strip().strip("<>").removeprefix("https://callpool.example.com")
    assert client.post(url).status_code == 200
    assert NotificationPreference.objects.get(user=carol).summary == "off"
    assert summaries_queue(now=MONDAY_8AM + timedelta(days=7)) == 0


def test_the_summary_and_report_schedules_are_registered():
    names = {spec["name"]: spec["func"] for spec in wanted_schedules()}
    assert names["queue summary emails"] == "notifications.tasks.queue_summaries"
    assert names["queue scheduled reports"] == "notifications.tasks.queue_scheduled_reports"
    assert names["send due notifications"] == "notifications.tasks.send_due"
