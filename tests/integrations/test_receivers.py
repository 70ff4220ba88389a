import json

import pytest
import responses
from django.utils import timezone

from calls.models import Call
from calls.signals import call_event
from integrations.models import GA4Delivery, WebhookDelivery
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory
from tests.integrations.factories import GA4SettingsFactory, WebhookEndpointFactory
from trackers.services import tracker_set_status

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/in"


@responses.activate
def test_tracker_status_change_is_delivered(account, website, django_capture_on_commit_callbacks):
    WebhookEndpointFactory(account=account, url=URL, event_types=["tracker.status_changed"])
    responses.post(URL, status=200)
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website))
    with django_capture_on_commit_callbacks(execute=True):
        tracker_set_status(tracker=tracker, status="active", reason="by hand")
    body = json.loads(responses.calls[0].request.body)
    assert body["type"] == "tracker.status_changed"
    assert body["data"]["from_status"] == "available" and body["data"]["to_status"] == "active"
    assert body["data"]["tracker"]["id"] == tracker.pk and body["data"]["reason"] == "by hand"


@responses.activate
def test_call_events_reach_only_the_calls_account(account, other_account, website, django_capture_on_commit_callbacks):
    WebhookEndpointFactory(account=account, url=URL)
    WebhookEndpointFactory(account=other_account, url="https://bob.example.com/in")
    responses.post(URL, status=200)
    call = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True))
    with django_capture_on_commit_callbacks(execute=True):
        call_event.send(sender=Call, call_id=call.pk, event="call.completed")
    assert WebhookDelivery.objects.filter(event_type="call.completed").count() == 1
    body = json.loads(responses.calls[0].request.body)
    assert body["data"]["provider_call_id"] == call.provider_call_id
    assert body["data"]["attribution"]["method"] == "none"


def _converting_call(account, website, **fields):
    visit = VisitFactory(website=website, ga_client_id="111.222", ga_session_id="1700000000")
    values = {"visit": visit, "started_at": timezone.now(), "attribution_method": "lease", "attribution_confidence": 1,
              "answered_at": timezone.now(), "talk_seconds": 45, "is_conversion": True, **fields}
    return CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True), **values)


@responses.activate
def test_attribution_at_ring_time_sends_nothing_to_ga4(account, website, django_capture_on_commit_callbacks):
    GA4SettingsFactory(website=website)
    responses.post("https://www.google-analytics.com/mp/collect", status=204)
    call = _converting_call(account, website, status="ringing", is_conversion=False, answered_at=None, talk_seconds=0)
    with django_capture_on_commit_callbacks(execute=True):
        call_event.send(sender=Call, call_id=call.pk, event="call.attributed")
        call_event.send(sender=Call, call_id=call.pk, event="call.started")
    assert len(responses.calls) == 0 and not GA4Delivery.objects.exists()


@responses.activate
def test_completed_converting_call_goes_to_ga4_once(account, website, django_capture_on_commit_callbacks):
    GA4SettingsFactory(website=website)
    responses.post("https://www.google-analytics.com/mp/collect", status=204)
    call = _converting_call(account, website)
    with django_capture_on_commit_callbacks(execute=True):
        call_event.send(sender=Call, call_id=call.pk, event="call.completed")
    assert GA4Delivery.objects.get(call=call).status == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        call_event.send(sender=Call, call_id=call.pk, event="call.updated")
        call_event.send(sender=Call, call_id=call.pk, event="call.converted")
    assert len(responses.calls) == 1


@responses.activate
def test_completed_call_that_is_no_conversion_is_not_sent(account, website, django_capture_on_commit_callbacks):
    GA4SettingsFactory(website=website)
    call = _converting_call(account, website, is_conversion=False, talk_seconds=10)
    with django_capture_on_commit_callbacks(execute=True):
        call_event.send(sender=Call, call_id=call.pk, event="call.completed")
    assert len(responses.calls) == 0 and not GA4Delivery.objects.exists()


@responses.activate
def test_internal_converted_event_is_no_webhook(account, website, django_capture_on_commit_callbacks):
    WebhookEndpointFactory(account=account, url=URL, event_types=["call.updated", "call.completed"])
    call = _converting_call(account, website)
    with django_capture_on_commit_callbacks(execute=True):
        call_event.send(sender=Call, call_id=call.pk, event="call.converted")
    assert not WebhookDelivery.objects.exists()


def test_receiver_errors_do_not_reach_the_sender(account, website, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("broken")

    monkeypatch.setattr("integrations.services.webhook_event_publish", boom)
    call = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True))
    call_event.send(sender=Call, call_id=call.pk, event="call.started")  # must not raise


@responses.activate
def test_a_spam_call_is_never_sent_to_ga4(account, website, django_capture_on_commit_callbacks):
    GA4SettingsFactory(website=website)
    responses.post("https://www.google-analytics.com/mp/collect", status=204)
    call = _converting_call(account, website, spam=True)  # even with a conversion flag left from before
    with django_capture_on_commit_callbacks(execute=True):
        call_event.send(sender=Call, call_id=call.pk, event="call.completed")
    assert len(responses.calls) == 0 and not GA4Delivery.objects.exists()
