import pytest
import requests
import responses
from django.urls import reverse

from integrations.models import WebhookDelivery
from tests.integrations.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def _url(endpoint):
    return reverse("integrations_dashboard:webhook-test", args=[endpoint.pk])


@responses.activate
def test_send_test_event_delivers_a_test_message_and_shows_it_in_the_log(marketer_client, account,
                                                                         django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(account=account, url="https://hooks.example.com/in")
    responses.post(endpoint.url, status=200)
    with django_capture_on_commit_callbacks(execute=True):
        response = marketer_client.post(_url(endpoint))
    assert response["Location"] == reverse("integrations_dashboard:webhook-detail", args=[endpoint.pk])
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "succeeded" and delivery.payload["data"] == {"test": True}
    page = marketer_client.get(response["Location"]).content.decode()
    assert f"Test event {delivery.msg_id} sent" in page and "Send test event" in page


@responses.activate
def test_a_failed_test_event_shows_a_readable_error_in_the_log(marketer_client, account,
                                                               django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(account=account, url="https://hooks.example.com/in")
    responses.post(endpoint.url, body=requests.ConnectionError("[Errno 111] Connection refused"))
    with django_capture_on_commit_callbacks(execute=True):
        marketer_client.post(_url(endpoint))
    page = marketer_client.get(reverse("integrations_dashboard:webhook-detail", args=[endpoint.pk])).content.decode()
    assert "refused the connection: nothing is listening" in page
    assert "ConnectionError" not in page


def test_a_disabled_endpoint_says_to_enable_it_first(marketer_client, account):
    endpoint = WebhookEndpointFactory(account=account, is_enabled=False)
    response = marketer_client.post(_url(endpoint), follow=True)
    assert "Enable the endpoint first." in response.content.decode()
    assert not WebhookDelivery.objects.exists()


def test_other_account_gets_404(marketer_client, other_account):
    assert marketer_client.post(_url(WebhookEndpointFactory(account=other_account))).status_code == 404


def test_get_gets_405(marketer_client, account):
    assert marketer_client.get(_url(WebhookEndpointFactory(account=account))).status_code == 405


def test_anonymous_is_redirected(client, account):
    assert client.post(_url(WebhookEndpointFactory(account=account))).status_code == 302
