import pytest
import responses
from django.urls import reverse

from integrations.models import WebhookAttempt
from tests.integrations.factories import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@responses.activate
def test_replay_resends_and_redirects(marketer_client, account, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(account=account, url="https://hooks.example.com/in")
    delivery = WebhookDeliveryFactory(endpoint=endpoint, status="failed")
    responses.post(endpoint.url, status=200)
    with django_capture_on_commit_callbacks(execute=True):
        response = marketer_client.post(reverse("integrations_dashboard:webhook-replay", args=[delivery.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("integrations_dashboard:webhook-detail", args=[endpoint.pk])
    assert WebhookAttempt.objects.get(delivery=delivery).is_replay


def test_disabled_endpoint_shows_error_message(marketer_client, account):
    endpoint = WebhookEndpointFactory(account=account, is_enabled=False)
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    response = marketer_client.post(reverse("integrations_dashboard:webhook-replay", args=[delivery.pk]), follow=True)
    assert "Enable the endpoint" in response.content.decode()


def test_other_account_gets_404(marketer_client, other_account):
    delivery = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(account=other_account))
    assert marketer_client.post(reverse("integrations_dashboard:webhook-replay", args=[delivery.pk])).status_code == 404


def test_get_gets_405(marketer_client, account):
    delivery = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(account=account))
    assert marketer_client.get(reverse("integrations_dashboard:webhook-replay", args=[delivery.pk])).status_code == 405


def test_anonymous_is_redirected(client, account):
    delivery = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(account=account))
    assert client.post(reverse("integrations_dashboard:webhook-replay", args=[delivery.pk])).status_code == 302
