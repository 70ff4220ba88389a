"""An integration that keeps failing tells the account's admins by email, once per failure."""

import pytest
import responses
from django.utils import timezone

from integrations.services import ga4_send, webhook_deliver, webhook_endpoint_disable
from notifications.models import NotificationPreference
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory
from tests.integrations.factories import (
    GA4DeliveryFactory,
    GA4SettingsFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
)
from tests.notifications.conftest import parts

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/in"
COLLECT = "https://www.google-analytics.com/mp/collect"


@pytest.fixture
def admin_with_email(account_admin):
    account_admin.email = "admin@example.com"
    account_admin.save(update_fields=["email"])
    return account_admin


@responses.activate
def test_a_webhook_endpoint_disabled_by_a_410_emails_the_admins_but_not_the_marketers(
        smtp_server, account, admin_with_email, marketer, django_capture_on_commit_callbacks):
    marketer.email = "marketer@example.com"
    marketer.save(update_fields=["email"])
    responses.post(URL, status=410)
    endpoint = WebhookEndpointFactory(account=account, url=URL)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_deliver(delivery_id=WebhookDeliveryFactory(endpoint=endpoint).pk)
    [message] = smtp_server.messages
    assert message["To"] == "admin@example.com"
    assert message["Subject"] == "Alice Co: Webhook endpoint disabled"
    assert URL in parts(message)["text/plain"] and "410" in parts(message)["text/plain"]
    assert "/dashboard/integrations/" in parts(message)["text/html"]


def test_an_admin_who_disables_an_endpoint_by_hand_is_not_alerted(smtp_server, account, admin_with_email,
                                                                  django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(account=account, url=URL)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_endpoint_disable(endpoint=endpoint, reason="Paused.", actor=admin_with_email)
    assert smtp_server.received == []


def test_admins_who_turned_alerts_off_are_not_alerted(smtp_server, account, admin_with_email,
                                                     django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(account=account, user=admin_with_email, integration_alerts=False)
    endpoint = WebhookEndpointFactory(account=account, url=URL)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_endpoint_disable(endpoint=endpoint, reason="HTTP 410")
    assert smtp_server.received == []


@responses.activate
def test_ga4_rejecting_events_alerts_once_a_day_per_data_stream(smtp_server, account, website, admin_with_email,
                                                               django_capture_on_commit_callbacks):
    responses.post(COLLECT, status=400)
    GA4SettingsFactory(website=website)
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    deliveries = [GA4DeliveryFactory(call=CallFactory(tracker=tracker), payload={"events": []}) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for delivery in deliveries:
            ga4_send(delivery_id=delivery.pk, now=timezone.now())
    [message] = smtp_server.messages
    assert message["Subject"] == "Alice Co: GA4 is not taking conversions (G-TEST123)"
    assert "GA4 answered HTTP 400." in parts(message)["text/plain"]
