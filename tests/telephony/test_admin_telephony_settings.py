import pytest

from telephony.models import TelephonySettings
from tests.factories import TelephonySettingsFactory

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/telephony/telephonysettings/add/"


def test_saving_a_token_stores_it_encrypted(admin_client_for_account, account):
    response = admin_client_for_account.post(ADD_URL, {
        "account": account.pk, "provider": "twilio", "twilio_account_sid": "AC" + "3" * 32,
        "auth_token": "secret-token-WXYZ",
    })

    assert response.status_code == 302
    row = TelephonySettings.objects.get(account=account)
    assert "secret-token-WXYZ" not in row.twilio_auth_token
    assert row.get_twilio_auth_token() == "secret-token-WXYZ"


def test_change_page_shows_only_the_last_four_characters(admin_client_for_account, account):
    row = TelephonySettingsFactory(account=account, provider="twilio", twilio_account_sid="AC" + "3" * 32)
    row.set_twilio_auth_token("secret-token-WXYZ")
    row.save()

    page = admin_client_for_account.get(f"/admin/telephony/telephonysettings/{row.pk}/change/").content.decode()

    assert "secret-token" not in page
    assert "WXYZ" in page


def test_empty_token_field_keeps_the_stored_token(admin_client_for_account, account):
    row = TelephonySettingsFactory(account=account, provider="twilio", twilio_account_sid="AC" + "3" * 32)
    row.set_twilio_auth_token("secret-token-WXYZ")
    row.save()

    admin_client_for_account.post(f"/admin/telephony/telephonysettings/{row.pk}/change/", {
        "account": account.pk, "provider": "twilio", "twilio_account_sid": "AC" + "3" * 32, "auth_token": "",
    })

    row.refresh_from_db()
    assert row.get_twilio_auth_token() == "secret-token-WXYZ"


def test_twilio_without_credentials_anywhere_is_a_form_error(admin_client_for_account, account, settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""

    response = admin_client_for_account.post(ADD_URL, {"account": account.pk, "provider": "twilio"})

    assert response.status_code == 200
    assert "Twilio needs an account SID and an auth token" in response.content.decode()
    assert not TelephonySettings.objects.exists()


PUBLIC_KEY = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="  # RFC 8032 TEST 1 public key, base64


def test_signalwire_credentials_are_stored_encrypted_and_the_space_as_a_host(admin_client_for_account, account):
    response = admin_client_for_account.post(ADD_URL, {
        "account": account.pk, "provider": "signalwire", "signalwire_space_url": "https://Example.signalwire.com/",
        "signalwire_project_id": "b3877c40-da60-4998-90ad-b792e98472ac", "new_signalwire_api_token": "PT-token-ABCD",
        "new_signalwire_signing_key": "PSK-key-EFGH",
    })

    assert response.status_code == 302
    row = TelephonySettings.objects.get(account=account)
    assert row.signalwire_space_url == "example.signalwire.com"
    assert "PT-token" not in row.signalwire_api_token and "PSK-key" not in row.signalwire_signing_key
    assert (row.secret("signalwire_api_token"), row.secret("signalwire_signing_key")) == ("PT-token-ABCD", "PSK-key-EFGH")


def test_signalwire_without_a_signing_key_is_a_form_error(admin_client_for_account, account):
    response = admin_client_for_account.post(ADD_URL, {
        "account": account.pk, "provider": "signalwire", "signalwire_space_url": "example.signalwire.com",
        "signalwire_project_id": "p", "new_signalwire_api_token": "PT-token",
    })

    assert response.status_code == 200
    assert "SignalWire needs the Space URL, project id, API token and signing key" in response.content.decode()
    assert not TelephonySettings.objects.exists()


def test_telnyx_credentials_are_saved_with_the_key_encrypted(admin_client_for_account, account):
    response = admin_client_for_account.post(ADD_URL, {
        "account": account.pk, "provider": "telnyx", "new_telnyx_api_key": "KEY-telnyx-WXYZ",
        "telnyx_public_key": PUBLIC_KEY, "telnyx_texml_app_id": "1293384261075731499",
    })

    assert response.status_code == 302
    row = TelephonySettings.objects.get(account=account)
    assert row.secret("telnyx_api_key") == "KEY-telnyx-WXYZ" and "KEY-telnyx" not in row.telnyx_api_key
    page = admin_client_for_account.get(f"/admin/telephony/telephonysettings/{row.pk}/change/").content.decode()
    assert "KEY-telnyx" not in page and "WXYZ" in page


def test_a_telnyx_public_key_that_is_not_32_bytes_is_a_form_error(admin_client_for_account, account):
    response = admin_client_for_account.post(ADD_URL, {
        "account": account.pk, "provider": "telnyx", "new_telnyx_api_key": "KEY", "telnyx_public_key": "c2hvcnQ=",
        "telnyx_texml_app_id": "1",
    })

    assert response.status_code == 200
    assert "An Ed25519 public key is 32 bytes" in response.content.decode()


def test_a_twilio_shared_key_is_stored_encrypted_and_can_be_removed(admin_client_for_account, account, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "1" * 32, "env-token"
    admin_client_for_account.post(ADD_URL, {"account": account.pk, "provider": "twilio",
                                            "new_twilio_webhook_key": "shared-secret-9876"})
    row = TelephonySettings.objects.get(account=account)
    assert row.secret("twilio_webhook_key") == "shared-secret-9876" and "shared-secret" not in row.twilio_webhook_key

    admin_client_for_account.post(f"/admin/telephony/telephonysettings/{row.pk}/change/", {
        "account": account.pk, "provider": "twilio", "clear_new_twilio_webhook_key": "on"})

    row.refresh_from_db()
    assert row.twilio_webhook_key == ""
