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
