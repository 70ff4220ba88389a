import json
from datetime import timedelta

import pytest
import requests
import responses
from django.utils import timezone
from django_q.models import Schedule
from standardwebhooks import Webhook

from core.errors import DomainError
from integrations.models import WebhookAttempt, WebhookDelivery
from integrations.services import webhook_deliver, webhook_event_publish, webhook_replay
from tests.integrations.factories import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/in"


@pytest.fixture
def endpoint(account):
    return WebhookEndpointFactory(account=account, url=URL)


@responses.activate
def test_publish_sends_signed_standard_webhook(endpoint, django_capture_on_commit_callbacks):
    responses.post(URL, status=204)
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_publish(account_id=endpoint.account_id, event_type="call.started", data={"id": 7})
    request = responses.calls[0].request
    body = json.loads(request.body)
    assert body["type"] == "call.started" and body["data"] == {"id": 7} and body["timestamp"].endswith("Z")
    assert request.headers["webhook-id"] == delivery.msg_id
    assert Webhook(endpoint.secret).verify(request.body, dict(request.headers)) == body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 204)


@responses.activate
def test_publish_skips_unsubscribed_disabled_and_other_accounts(endpoint, account, other_account,
                                                              django_capture_on_commit_callbacks):
    WebhookEndpointFactory(account=account, event_types=["tracker.status_changed"])
    WebhookEndpointFactory(account=account, is_enabled=False)
    WebhookEndpointFactory(account=other_account)
    responses.post(URL, status=200)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = webhook_event_publish(account_id=account.pk, event_type="call.completed", data={})
    assert [d.endpoint_id for d in deliveries] == [endpoint.pk]
    assert len(responses.calls) == 1


@responses.activate
def test_failure_schedules_retry_after_5_seconds(endpoint, django_capture_on_commit_callbacks):
    responses.post(URL, status=500)
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        webhook_deliver(delivery_id=delivery.pk, now=now)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == now + timedelta(seconds=5)
    schedule = Schedule.objects.get(func="integrations.tasks.deliver_webhook")
    assert schedule.next_run == now + timedelta(seconds=5)
    assert schedule.args == f"({delivery.pk},)"
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.is_enabled


@responses.activate
def test_retry_after_is_honoured(endpoint, django_capture_on_commit_callbacks):
    responses.post(URL, status=429, headers={"Retry-After": "120"})
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        webhook_deliver(delivery_id=delivery.pk, now=now)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + timedelta(seconds=120)


@responses.activate
def test_410_disables_the_endpoint(endpoint):
    responses.post(URL, status=410)
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    webhook_deliver(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert not endpoint.is_enabled and "410" in endpoint.disabled_reason
    assert delivery.status == "failed"
    assert not Schedule.objects.filter(func__startswith="integrations.", schedule_type=Schedule.ONCE).exists()


@responses.activate
def test_last_failed_attempt_disables_endpoint_with_notice(endpoint):
    responses.post(URL, body=requests.ConnectionError("refused"))
    delivery = WebhookDeliveryFactory(endpoint=endpoint, attempts=7)
    webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == "failed" and delivery.last_error.startswith("The endpoint's server refused the connection")
    assert not endpoint.is_enabled and "8 failed attempts" in endpoint.disabled_reason
    assert WebhookAttempt.objects.get(delivery=delivery).status_code is None


@responses.activate
def test_success_resets_failure_count(endpoint):
    endpoint.consecutive_failures = 3
    endpoint.save()
    responses.post(URL, status=200)
    webhook_deliver(delivery_id=WebhookDeliveryFactory(endpoint=endpoint).pk)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


@responses.activate
def test_pending_delivery_of_disabled_endpoint_is_not_sent(endpoint):
    endpoint.is_enabled = False
    endpoint.save()
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and len(responses.calls) == 0


@responses.activate
def test_replay_resends_with_the_same_id(endpoint, django_capture_on_commit_callbacks):
    responses.post(URL, status=200)
    delivery = WebhookDeliveryFactory(endpoint=endpoint, status="failed", attempts=8)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_replay(delivery=delivery)
    assert responses.calls[0].request.headers["webhook-id"] == delivery.msg_id
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert WebhookAttempt.objects.get(delivery=delivery).is_replay


@responses.activate
def test_failed_replay_does_not_schedule_retries(endpoint, django_capture_on_commit_callbacks):
    responses.post(URL, status=500)
    delivery = WebhookDeliveryFactory(endpoint=endpoint, status="failed", attempts=8)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_replay(delivery=delivery)
    endpoint.refresh_from_db()
    assert not Schedule.objects.filter(func__startswith="integrations.", schedule_type=Schedule.ONCE).exists() and endpoint.is_enabled
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "failed"


def test_replay_on_disabled_endpoint_is_refused(endpoint):
    endpoint.is_enabled = False
    endpoint.save()
    with pytest.raises(DomainError):
        webhook_replay(delivery=WebhookDeliveryFactory(endpoint=endpoint))


@responses.activate
def test_recording_callback_publishes_call_recording_ready_with_has_recording(account, client, settings,
                                                                             django_capture_on_commit_callbacks):
    from calls.services import call_record_recording
    from tests.factories import CallFactory, CallTrackerFactory, PoolFactory

    WebhookEndpointFactory(account=account, url=URL, event_types=["call.recording_ready"])
    responses.post(URL, status=200)
    call = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account), active=True))
    with django_capture_on_commit_callbacks(execute=True):
        call_record_recording(params={"CallSid": call.provider_call_id, "RecordingSid": "RE" + "e" * 32,
                                      "RecordingUrl": "sandbox:recordings/RE" + "e" * 32, "RecordingDuration": "12"})
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event_type == "call.recording_ready"
    assert delivery.payload["data"]["id"] == call.pk and delivery.payload["data"]["has_recording"] is True
