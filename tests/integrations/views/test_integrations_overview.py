import pytest
from django.urls import reverse

from tests.integrations.factories import GA4SettingsFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def test_shows_endpoints_masked_and_feed_url(marketer_client, account, website, other_account):
    endpoint = WebhookEndpointFactory(account=account, is_enabled=False, disabled_reason="The endpoint answered 410 Gone.")
    WebhookEndpointFactory(account=other_account, url="https://bob.example.com/in")
    GA4SettingsFactory(website=website)
    response = marketer_client.get(reverse("integrations_dashboard:overview"))
    html = response.content.decode()
    assert response.status_code == 200
    assert endpoint.url in html and "410 Gone" in html
    assert endpoint.secret not in html and endpoint.masked_secret in html
    assert "bob.example.com" not in html
    assert "/integrations/google-ads/" in html and "G-TEST123" in html


def test_anonymous_is_redirected(client):
    assert client.get(reverse("integrations_dashboard:overview")).status_code == 302


def test_shows_the_conversion_rule_of_each_website_and_not_other_accounts(marketer_client, account, website, other_account):
    from decimal import Decimal

    from calls.models import ConversionRule
    from tests.factories import WebsiteFactory

    ConversionRule.objects.create(website=website, min_seconds=90, value=Decimal("12"))
    bob = WebsiteFactory(account=other_account, name="Bob site")
    ConversionRule.objects.create(website=bob, min_seconds=77)
    html = marketer_client.get(reverse("integrations_dashboard:overview")).content.decode()
    assert "at least <strong>90 s</strong>" in html and "12.00 USD" in html
    assert "77 s" not in html and "Bob site" not in html
