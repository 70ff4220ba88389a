"""The GA4 API secret: encrypted at rest, masked in the admin, never in a log line."""

import importlib
import logging

import pytest
import requests
import responses
from django.apps import apps as django_apps
from django.urls import reverse

from integrations.models import GA4Settings
from integrations.services import GA4_DEBUG_URL, ga4_test_connection
from tests.integrations.factories import GA4SettingsFactory

pytestmark = pytest.mark.django_db

SECRET = "Zq7-very-private-ga4-secret"


def test_the_admin_stores_it_encrypted_and_shows_only_a_mask(admin_client_for_account, website):
    response = admin_client_for_account.post(reverse("admin:integrations_ga4settings_add"), {
        "website": website.pk, "measurement_id": "G-ABC123", "is_enabled": "on", "event_name": "phone_call",
        "new_api_secret": SECRET,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    ga4 = GA4Settings.objects.get(website=website)
    assert ga4.api_secret.startswith("fernet:") and SECRET not in ga4.api_secret
    assert ga4.get_api_secret() == SECRET
    page = admin_client_for_account.get(reverse("admin:integrations_ga4settings_change", args=[ga4.pk])).content.decode()
    assert SECRET not in page and "••••••••cret" in page
    listing = admin_client_for_account.get(reverse("admin:integrations_ga4settings_changelist")).content.decode()
    assert SECRET not in listing


def test_saving_without_a_new_secret_keeps_the_stored_one(admin_client_for_account, website):
    ga4 = GA4SettingsFactory(website=website)
    stored = ga4.api_secret
    response = admin_client_for_account.post(reverse("admin:integrations_ga4settings_change", args=[ga4.pk]), {
        "website": website.pk, "measurement_id": "G-NEW999", "is_enabled": "on", "event_name": "phone_call",
        "new_api_secret": "",
    })
    assert response.status_code == 302
    ga4.refresh_from_db()
    assert ga4.api_secret == stored and ga4.measurement_id == "G-NEW999"


@responses.activate
def test_a_failed_request_never_logs_the_secret(website, caplog):
    ga4 = GA4SettingsFactory(website=website)
    ga4.set_api_secret(SECRET)
    ga4.save()
    # What requests really raises: its message quotes the URL, query string (with the secret) included.
    responses.post(GA4_DEBUG_URL, body=requests.ConnectionError(
        f"Max retries exceeded with url: /debug/mp/collect?measurement_id=G-TEST123&api_secret={SECRET}"))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(Exception):  # noqa: B017 - DomainError("ga4_unreachable")
            ga4_test_connection(ga4=ga4)
    assert "GA4 request failed" in caplog.text
    assert SECRET not in caplog.text


def test_the_migration_encrypts_plaintext_secrets(website):
    GA4Settings.objects.create(website=website, measurement_id="G-OLD111", api_secret="plain-old-secret")
    migration = importlib.import_module("integrations.migrations.0004_encrypt_ga4_api_secret")
    migration.encrypt_plaintext_secrets(django_apps, None)
    row = GA4Settings.objects.get(website=website)
    assert row.api_secret.startswith("fernet:") and row.get_api_secret() == "plain-old-secret"


@pytest.mark.parametrize("secret", ["a+b/c=d e", "Zq7+vEry/Priv=ate", "pct%41sign&amp=x", "ünïcode-sëcret"])
@responses.activate
def test_a_secret_percent_encoded_in_the_url_is_never_logged(website, caplog, secret):
    ga4 = GA4SettingsFactory(website=website)
    ga4.set_api_secret(secret)
    ga4.save()
    # The URL exactly as requests encodes it (`+` → %2B, `/` → %2F, space → +): that is what its message quotes.
    url = requests.Request("POST", GA4_DEBUG_URL, params={"measurement_id": "G-TEST123", "api_secret": secret}).prepare().url
    responses.post(GA4_DEBUG_URL, body=requests.ConnectionError(f"Max retries exceeded with url: {url}"))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(Exception):  # noqa: B017 - DomainError("ga4_unreachable")
            ga4_test_connection(ga4=ga4)
    assert "[api_secret]" in caplog.text
    encoded = url.split("api_secret=")[1]
    assert secret not in caplog.text and encoded not in caplog.text and encoded.lower() not in caplog.text
