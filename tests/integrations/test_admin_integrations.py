import pytest
import responses
from django.urls import reverse

from api.models import ApiToken
from integrations.models import WebhookEndpoint
from tests.factories import WebsiteFactory
from tests.integrations.factories import (
    GA4SettingsFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
)

pytestmark = pytest.mark.django_db


def test_account_admin_sees_only_own_endpoints(admin_client_for_account, account, other_account):
    WebhookEndpointFactory(account=account, url="https://alice.example.com/in")
    WebhookEndpointFactory(account=other_account, url="https://bob.example.com/in")
    html = admin_client_for_account.get(reverse("admin:integrations_webhookendpoint_changelist")).content.decode()
    assert "alice.example.com" in html and "bob.example.com" not in html


def test_creating_an_endpoint_shows_the_secret_once(admin_client_for_account, account):
    response = admin_client_for_account.post(reverse("admin:integrations_webhookendpoint_add"), {
        "account": account.pk, "url": "https://alice.example.com/hook", "description": "",
        "event_types": ["call.completed"], "is_enabled": "on",
    }, follow=True)
    endpoint = WebhookEndpoint.objects.get(account=account)
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    detail = admin_client_for_account.get(reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in detail.content.decode()


def test_delivery_log_is_scoped(admin_client_for_account, account, other_account):
    mine = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(account=account))
    theirs = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(account=other_account))
    html = admin_client_for_account.get(reverse("admin:integrations_webhookdelivery_changelist")).content.decode()
    assert mine.msg_id in html and theirs.msg_id not in html


@responses.activate
def test_ga4_test_connection_action_reports_problems(admin_client_for_account, account):
    ga4 = GA4SettingsFactory(website=WebsiteFactory(account=account))
    responses.post("https://www.google-analytics.com/debug/mp/collect",
                   json={"validationMessages": [{"description": "Bad measurement id"}]})
    response = admin_client_for_account.post(reverse("admin:integrations_ga4settings_changelist"), {
        "action": "test_connection", "_selected_action": [ga4.pk]}, follow=True)
    assert "Bad measurement id" in response.content.decode()


def test_api_token_created_in_admin_shows_key_once(admin_client_for_account, account):
    response = admin_client_for_account.post(reverse("admin:api_apitoken_add"), {
        "account": account.pk, "name": "zapier", "scope": "write"}, follow=True)
    token = ApiToken.objects.get(account=account)
    assert token.scope == "write" and token.name == "zapier"
    assert f"{token.key_hint}" in response.content.decode() and "copy it now" in response.content.decode()
