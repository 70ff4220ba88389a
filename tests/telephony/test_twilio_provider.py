from types import SimpleNamespace
from unittest import mock

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from telephony.fallback import forward_fallback_url
from telephony.number_search import NumberSearch
from telephony.providers import ProviderError, provider_by_name
from telephony.providers.twilio import TwilioProvider
from tests.factories import TelephonySettingsFactory


@pytest.fixture
def client():
    return mock.create_autospec(Client, instance=True)


@pytest.fixture
def provider(client):
    return TwilioProvider(account_sid="AC" + "1" * 32, auth_token="token", client=client)


def test_search_returns_local_voice_numbers_not_already_ours(provider, client):
    local = client.available_phone_numbers.return_value.local
    local.list.return_value = [SimpleNamespace(phone_number=n) for n in ["+12025550111", "+12025550112", "+12025550113"]]

    found = provider.search(count=2, exclude={"+12025550111"}, query=NumberSearch("local", "US", area_code="202"))

    assert found == ["+12025550112", "+12025550113"]
    client.available_phone_numbers.assert_called_once_with("US")
    assert local.list.call_args.kwargs["area_code"] == "202"
    assert local.list.call_args.kwargs["voice_enabled"] is True


def test_buy_points_the_number_at_callpool_with_a_static_fallback(provider, client):
    client.incoming_phone_numbers.create.return_value = SimpleNamespace(phone_number="+12025550112", sid="PN123")
    fallback = forward_fallback_url("+12025550100")

    bought = provider.buy(number="+12025550112", voice_url="https://c.example/telephony/twilio/voice",
                          status_url="https://c.example/telephony/twilio/status", fallback_url=fallback)

    assert (bought.number, bought.provider, bought.provider_id) == ("+12025550112", "twilio", "PN123")
    client.incoming_phone_numbers.create.assert_called_once_with(
        phone_number="+12025550112", voice_url="https://c.example/telephony/twilio/voice", voice_method="POST",
        status_callback="https://c.example/telephony/twilio/status", status_callback_method="POST",
        voice_fallback_url="https://twimlets.com/forward?PhoneNumber=%2B12025550100", voice_fallback_method="POST",
    )


def test_refused_purchase_is_a_provider_error(provider, client):
    client.incoming_phone_numbers.create.side_effect = TwilioRestException(400, "/IncomingPhoneNumbers", "not available")

    with pytest.raises(ProviderError, match="refused"):
        provider.buy(number="+12025550112", voice_url="v", status_url="s", fallback_url="f")


def test_release_deletes_the_number(provider, client):
    provider.release(provider_id="PN123")

    client.incoming_phone_numbers.assert_called_once_with("PN123")
    client.incoming_phone_numbers.return_value.delete.assert_called_once_with()


def test_releasing_an_already_released_number_succeeds(provider, client):
    client.incoming_phone_numbers.return_value.delete.side_effect = TwilioRestException(404, "/x", "gone")

    provider.release(provider_id="PN123")


def test_release_failure_is_a_provider_error_so_the_task_retries(provider, client):
    client.incoming_phone_numbers.return_value.delete.side_effect = TwilioRestException(500, "/x", "boom")

    with pytest.raises(ProviderError):
        provider.release(provider_id="PN123")


def test_missing_credentials_are_a_provider_error(settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""

    with pytest.raises(ProviderError, match="credentials are missing"):
        TwilioProvider.from_settings(None)


def test_from_settings_uses_the_environment(settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "2" * 32, "env-token"

    provider = provider_by_name("twilio")

    assert isinstance(provider, TwilioProvider)
    assert provider.client.username == "AC" + "2" * 32
    assert provider.client.password == "env-token"


@pytest.mark.django_db
def test_from_settings_prefers_account_credentials_and_region(settings, account):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "ACenv", "env-token"
    account.default_region = "CA"
    account.save()
    row = TelephonySettingsFactory(account=account, provider="twilio", twilio_account_sid="AC" + "3" * 32)
    row.set_twilio_auth_token("own-token")
    row.save()

    provider = TwilioProvider.from_settings(row)

    assert provider.client.password == "own-token"
    assert provider.country == "CA"


def test_fallback_url_is_a_twilio_hosted_forward_to_the_original():
    assert forward_fallback_url("+12025550100") == "https://twimlets.com/forward?PhoneNumber=%2B12025550100"


@pytest.mark.parametrize("failure", [requests.ConnectionError("unreachable"), requests.Timeout("slow")])
def test_twilio_unreachable_is_a_provider_error_everywhere(settings, failure):
    # The SDK's real HTTP client, with the network failing under it.
    provider = TwilioProvider(account_sid="AC" + "1" * 32, auth_token="token")
    with mock.patch("requests.Session.send", side_effect=failure):
        with pytest.raises(ProviderError):
            provider.search(count=1, exclude=set())
        with pytest.raises(ProviderError):
            provider.buy(number="+12025550112", voice_url="https://c.example/v", status_url="https://c.example/s",
                         fallback_url="https://c.example/f")
        with pytest.raises(ProviderError):
            provider.release(provider_id="PN123")
