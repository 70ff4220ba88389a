"""End to end: an ad click (gclid) on the site → a call through the real webhooks → GA4 and Google Ads.

A 45 s call converts: one GA4 event with the final status, talk time and value, and one Ads CSV row with the
value. A 10 s call and a missed call send nothing and are not in the CSV — until a marketer marks one a lead,
which sends its GA4 event then, exactly once.
"""

import json
from decimal import Decimal

import pytest
import responses
from django.utils import timezone

from calls.models import ConversionRule
from calls.outcomes import call_set_outcome
from calls.simulation import call_simulate
from core.actors import Actor
from integrations.google_ads import google_ads_csv
from integrations.models import GA4Delivery
from tests.dni_snippet.conftest import BROWSER_UA
from tests.factories import CallTrackerFactory, PoolFactory
from tests.integrations.factories import GA4SettingsFactory, GoogleAdsSettingsFactory

pytestmark = pytest.mark.django_db

COLLECT = "https://www.google-analytics.com/mp/collect"


@pytest.fixture
def site(account, website, settings):
    settings.PUBLIC_BASE_URL = "http://testserver"
    pool = PoolFactory(account=account, website=website, name="Main line", visitor=True,
                       original_number="+12025550100", size=3, lease_minutes=30)
    for _ in range(3):
        CallTrackerFactory(pool=pool, active=True)
    ConversionRule.objects.create(website=website, min_seconds=30, value=Decimal("120.00"))
    GA4SettingsFactory(website=website)
    GoogleAdsSettingsFactory(account=account, conversion_name="Phone call")
    return website


def _ad_click_then_call(client, gclid: str, duration: int, answered: bool = True, caller: str = "+14155550123"):
    """The snippet's assign request for a Google Ads click, then a sandbox call to the number it was shown."""
    response = client.post(
        "/dni/alicesite/assign", content_type="application/json", HTTP_ORIGIN="https://alice.example.com",
        HTTP_USER_AGENT=BROWSER_UA,
        data=json.dumps({"page_url": f"https://alice.example.com/boilers?gclid={gclid}",
                         "ga_client_id": "1234567890.1700000000", "ga_session_id": "1700000123"}),
    )
    assert response.status_code == 200, response.content
    tracking = response.json()["numbers"][0]["tracking"]
    return call_simulate(tracking_number=tracking, caller_number=caller, duration_seconds=duration, answered=answered)


def _ga4_bodies():
    return [json.loads(call.request.body) for call in responses.calls if call.request.url.startswith(COLLECT)]


@responses.activate
def test_a_45_second_call_from_an_ad_click_reaches_ga4_and_the_ads_csv_with_its_value(
        client, site, account, django_capture_on_commit_callbacks):
    responses.post(COLLECT, status=204)
    with django_capture_on_commit_callbacks(execute=True):
        call = _ad_click_then_call(client, "Cj0KCQiA45s", 45)

    assert (call.is_conversion, call.conversion_value, call.gclid) == (True, Decimal("120.00"), "Cj0KCQiA45s")
    [body] = _ga4_bodies()
    assert body["client_id"] == "1234567890.1700000000"
    [event] = body["events"]
    assert event["name"] == "phone_call"
    assert event["timestamp_micros"] == int(call.started_at.timestamp() * 1_000_000)
    params = event["params"]
    assert params["session_id"] == "1700000123"
    assert (params["call_status"], params["talk_seconds"], params["engagement_time_msec"]) == ("completed", 45, 45000)
    assert (params["value"], params["currency"]) == (120.0, "USD")
    assert (params["source"], params["medium"]) == ("google", "cpc")
    assert GA4Delivery.objects.get(call=call).status == "sent"

    lines = google_ads_csv(account=account, now=timezone.now()).splitlines()
    assert len(lines) == 3
    local = call.started_at.astimezone(__import__("zoneinfo").ZoneInfo(account.timezone)).strftime("%Y-%m-%d %H:%M:%S")
    assert lines[2] == f"Cj0KCQiA45s,Phone call,{local},120.00,USD,,"


@responses.activate
@pytest.mark.parametrize("duration,answered", [(10, True), (0, False)], ids=["10s", "missed"])
def test_a_short_or_missed_call_sends_nothing(client, site, account, django_capture_on_commit_callbacks, duration, answered):
    responses.post(COLLECT, status=204)
    with django_capture_on_commit_callbacks(execute=True):
        call = _ad_click_then_call(client, "Cj0KCQshort", duration, answered=answered)

    assert call.is_conversion is False
    assert _ga4_bodies() == [] and not GA4Delivery.objects.exists()
    assert len(google_ads_csv(account=account, now=timezone.now()).splitlines()) == 2  # header rows only


@responses.activate
def test_marking_the_short_call_a_lead_later_sends_it_then_exactly_once(client, site, account, marketer,
                                                                        django_capture_on_commit_callbacks):
    responses.post(COLLECT, status=204)
    with django_capture_on_commit_callbacks(execute=True):
        call = _ad_click_then_call(client, "Cj0KCQlater", 10)
    assert _ga4_bodies() == []

    with django_capture_on_commit_callbacks(execute=True):
        call_set_outcome(call=call, actor=Actor.person(marketer, via="dashboard"), outcome="lead", value="60")
    [body] = _ga4_bodies()
    params = body["events"][0]["params"]
    assert (params["outcome"], params["value"], params["talk_seconds"]) == ("lead", 60.0, 10)

    # Re-marking (even away and back) never sends a second event: the GA4 row is the once-marker.
    with django_capture_on_commit_callbacks(execute=True):
        call_set_outcome(call=call, actor=Actor.person(marketer, via="dashboard"), outcome="not_lead")
        call_set_outcome(call=call, actor=Actor.person(marketer, via="dashboard"), outcome="sale")
    assert len(_ga4_bodies()) == 1 and GA4Delivery.objects.filter(call=call).count() == 1
    assert ",60.00,USD," in google_ads_csv(account=account, now=timezone.now())
