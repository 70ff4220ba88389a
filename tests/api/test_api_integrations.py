"""GET /api/v1/integrations/: which integrations are connected and their last result (read scope), for the token's
account only."""

import pytest
from django.utils import timezone

from integrations.ad_services import ad_connection_save
from integrations.models import AdPlatformConnection
from tests.integrations.factories import GA4SettingsFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/integrations/"


def test_lists_ad_platforms_ga4_and_webhooks_with_their_last_result(read_client, account, other_account, website):
    ad_connection_save(account=account, platform="google_ads", token="1//r", customer_id="1234567890",
                       conversion="customers/1234567890/conversionActions/5")
    now = timezone.now()
    AdPlatformConnection.objects.filter(account=account, platform="google_ads").update(
        last_result="call 7: conversionUploadError CLICK_NOT_FOUND: The click wasn't found.", last_result_at=now)
    ad_connection_save(account=account, platform="meta", token="EAAB", customer_id="9")  # no event name yet
    ad_connection_save(account=other_account, platform="microsoft_ads", token="M", customer_id="1",
                       manager_id="2", conversion="Phone call")
    GA4SettingsFactory(website=website)
    WebhookEndpointFactory(account=account, url="https://hooks.example.com/in")
    WebhookEndpointFactory(account=other_account, url="https://bob.example.com/in")

    response = read_client.get(URL)
    assert response.status_code == 200
    rows = {row["integration"] + ":" + row["name"]: row for row in response.json()["results"]}
    google = rows["google_ads:Google Ads"]
    assert google["connected"] is True and google["enabled"] is True
    assert google["last_result"] == "call 7: conversionUploadError CLICK_NOT_FOUND: The click wasn't found."
    assert google["last_result_at"] is not None and google["last_success_at"] is None
    assert rows["meta:Meta"]["connected"] is True and rows["meta:Meta"]["enabled"] is False
    ms = rows["microsoft_ads:Microsoft Advertising"]
    assert ms["connected"] is False  # the other account's connection is not this account's
    assert any(key.startswith("ga4:GA4 G-TEST123") for key in rows)
    assert "webhook:https://hooks.example.com/in" in rows and "webhook:https://bob.example.com/in" not in rows
    assert "1//r" not in response.content.decode() and "EAAB" not in response.content.decode()


def test_needs_a_token(client):
    assert client.get(URL).status_code in (401, 403)
