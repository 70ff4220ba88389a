import pytest
from django.urls import reverse

from tests.integrations.factories import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def test_shows_delivery_log(marketer_client, account):
    endpoint = WebhookEndpointFactory(account=account)
    delivery = WebhookDeliveryFactory(endpoint=endpoint, last_status_code=502, status="pending", attempts=2)
    response = marketer_client.get(reverse("integrations_dashboard:webhook-detail", args=[endpoint.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and delivery.msg_id in html and "502" in html


def test_other_account_gets_404(marketer_client, other_account):
    endpoint = WebhookEndpointFactory(account=other_account)
    assert marketer_client.get(reverse("integrations_dashboard:webhook-detail", args=[endpoint.pk])).status_code == 404


def test_anonymous_is_redirected(client, account):
    endpoint = WebhookEndpointFactory(account=account)
    assert client.get(reverse("integrations_dashboard:webhook-detail", args=[endpoint.pk])).status_code == 302
