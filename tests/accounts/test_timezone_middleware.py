"""SPEC "Time": what a person reads is in the account's zone and says so; the API stays UTC."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ApiTokenFactory, CallFactory, CallTrackerFactory, PoolFactory


@pytest.fixture
def evening_call(account):
    # 02:30 UTC is 21:30 or 22:30 the evening before in New York: a different day and hour.
    day = timezone.now().date() - timedelta(days=2)
    tracker = CallTrackerFactory(pool=PoolFactory(account=account), active=True)
    return CallFactory(tracker=tracker, started_at=datetime(day.year, day.month, day.day, 2, 30, tzinfo=UTC))


def _ny(value):
    return timezone.localtime(value, timezone=__import__("zoneinfo").ZoneInfo("America/New_York"))


def test_dashboard_says_which_zone_its_times_are_in(marketer_client, evening_call):
    body = marketer_client.get(reverse("dashboard:call_list")).content.decode()
    assert "times in America/New_York" in body
    assert f"{_ny(evening_call.started_at):%b %-d, %H:%M}" in body


def test_call_page_shows_the_start_in_the_accounts_zone(marketer_client, evening_call):
    body = marketer_client.get(reverse("dashboard:call_detail", args=[evening_call.pk])).content.decode()
    assert f"{_ny(evening_call.started_at):%H:%M:%S}" in body
    assert f"{evening_call.started_at:%H:%M:%S}" not in body  # not the UTC time


def test_admin_lists_show_times_in_the_accounts_zone_and_say_so(admin_client_for_account, evening_call):
    response = admin_client_for_account.get("/admin/calls/call/")
    body = response.content.decode()
    assert "Times in America/New_York" in body
    assert _ny(evening_call.started_at).strftime("%-I:%M") in body or _ny(evening_call.started_at).strftime("%H:%M") in body


def test_api_stays_utc_even_with_a_logged_in_session(client, marketer, account, evening_call):
    client.force_login(marketer)
    token = ApiTokenFactory(account=account)
    body = client.get("/api/v1/calls/", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert body["results"][0]["started_at"] == evening_call.started_at.isoformat().replace("+00:00", "Z")


def test_user_without_an_account_keeps_utc(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="lonely"))
    response = client.get(reverse("dashboard:overview"))
    assert response.status_code == 403
