"""SignalWire's Compatibility (LaML) REST API as SignalWire documents it, mocked with `responses`: the twilio SDK
pointed at the Space must hit /api/laml/2010-04-01/Accounts/<project>/… with Twilio's parameter names.

Shapes from: "Incoming Phone Numbers" / "Create an IncomingPhoneNumber" (developer.signalwire.com/compatibility-api/
client-sdks/methods/incoming-phone-numbers[/create]: PhoneNumber, VoiceUrl, VoiceMethod, StatusCallback,
StatusCallbackMethod, VoiceFallbackUrl, VoiceFallbackMethod; the sample resource with UUID sids and its `uri`), and
the AvailablePhoneNumbers/<country>/Local path of SignalWire's compatibility SDKs.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from telephony.credentials import SignalWireCredentials
from telephony.number_search import NumberSearch
from telephony.providers import ProviderError
from telephony.providers.signalwire import SignalWireProvider

PROJECT = "b3877c40-da60-4998-90ad-b792e98472ac"
NUMBER_SID = "b3877c40-da60-4998-90ad-b792e98472pn"
SPACE = "example.signalwire.com"
BASE = f"https://{SPACE}/api/laml/2010-04-01/Accounts/{PROJECT}"
CREDENTIALS = SignalWireCredentials(space_url=SPACE, project_id=PROJECT, api_token="PTxxxx", signing_key="PSKyyyy")


def _incoming(number: str) -> dict:
    """The documented sample IncomingPhoneNumber, for `number`."""
    return {
        "account_sid": PROJECT, "address_requirements": "none", "api_version": "2010-04-01", "beta": False,
        "capabilities": {"mms": True, "sms": False, "voice": True}, "date_created": "Tue, 25 Sep 2018 23:00:00 +0000",
        "date_updated": "Wed, 26 Sep 2018 22:00:00 +0000", "emergency_status": "Inactive", "friendly_name": number,
        "phone_number": number, "sid": NUMBER_SID, "status_callback": "", "status_callback_method": "POST",
        "uri": f"/api/laml/2010-04-01/Accounts/{PROJECT}/IncomingPhoneNumbers/{NUMBER_SID}.json",
        "voice_fallback_method": "POST", "voice_fallback_url": None, "voice_method": "POST", "voice_url": "",
    }


def _page(*numbers):
    return {
        "available_phone_numbers": [{"phone_number": n, "friendly_name": n, "iso_country": "US", "region": "CO",
                                     "capabilities": {"voice": True, "SMS": True, "MMS": True}} for n in numbers],
        "uri": "/x.json", "first_page_uri": "/x.json", "next_page_uri": None, "previous_page_uri": None,
        "page": 0, "page_size": 50, "start": 0, "end": len(numbers) - 1,
    }


@pytest.fixture
def signalwire():
    with responses.RequestsMock() as mocked:
        yield mocked


@pytest.fixture
def provider():
    return SignalWireProvider(credentials=CREDENTIALS)


def _form(call) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def _query(call) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


def test_an_area_code_search_goes_to_the_spaces_laml_api(signalwire, provider):
    signalwire.get(f"{BASE}/AvailablePhoneNumbers/US/Local.json", json=_page("+17205550111", "+17205550112"))

    found = provider.search(count=1, exclude={"+17205550111"}, query=NumberSearch("local", "US", area_code="720"))

    assert found == ["+17205550112"]
    assert _query(signalwire.calls[0])["AreaCode"] == "720"
    # HTTP Basic with the project id and API token (SignalWire's Compatibility API authentication).
    assert signalwire.calls[0].request.headers["Authorization"].startswith("Basic ")


def test_a_toll_free_search_uses_the_toll_free_list(signalwire, provider):
    signalwire.get(f"{BASE}/AvailablePhoneNumbers/US/TollFree.json", json=_page("+18885550111"))

    assert provider.search(count=1, exclude=set(), query=NumberSearch("toll_free", "US")) == ["+18885550111"]


def test_buying_points_the_number_at_callpools_signalwire_webhooks(signalwire, provider):
    signalwire.post(f"{BASE}/IncomingPhoneNumbers.json", json=_incoming("+17205550111"), status=201)

    bought = provider.buy(number="+17205550111", voice_url="https://cp.example/telephony/signalwire/voice",
                          status_url="https://cp.example/telephony/signalwire/status",
                          fallback_url="https://twimlets.com/forward?PhoneNumber=%2B17205550100")

    assert (bought.number, bought.provider, bought.provider_id) == ("+17205550111", "signalwire", NUMBER_SID)
    form = _form(signalwire.calls[0])
    assert form == {
        "PhoneNumber": "+17205550111", "VoiceUrl": "https://cp.example/telephony/signalwire/voice",
        "VoiceMethod": "POST", "StatusCallback": "https://cp.example/telephony/signalwire/status",
        "StatusCallbackMethod": "POST", "VoiceFallbackUrl": "https://twimlets.com/forward?PhoneNumber=%2B17205550100",
        "VoiceFallbackMethod": "POST",
    }


def test_release_deletes_the_incoming_number_and_a_gone_number_is_success(signalwire, provider):
    signalwire.delete(f"{BASE}/IncomingPhoneNumbers/{NUMBER_SID}.json", status=204)
    provider.release(provider_id=NUMBER_SID)

    signalwire.delete(f"{BASE}/IncomingPhoneNumbers/{NUMBER_SID}.json", status=404,
                      json={"code": 20404, "message": "Not Found", "status": 404})
    provider.release(provider_id=NUMBER_SID)
    assert len(signalwire.calls) == 2


def test_set_fallback_updates_the_voice_fallback_url(signalwire, provider):
    signalwire.post(f"{BASE}/IncomingPhoneNumbers/{NUMBER_SID}.json", json=_incoming("+17205550111"))

    provider.set_fallback(provider_id=NUMBER_SID, fallback_url="https://twimlets.com/forward?PhoneNumber=%2B13035550100")

    assert _form(signalwire.calls[0]) == {
        "VoiceFallbackUrl": "https://twimlets.com/forward?PhoneNumber=%2B13035550100", "VoiceFallbackMethod": "POST"}


def test_a_refusal_is_a_provider_error_naming_signalwire(signalwire, provider):
    signalwire.post(f"{BASE}/IncomingPhoneNumbers.json", status=422,
                    json={"code": 21422, "message": "Number not available", "status": 422})

    with pytest.raises(ProviderError, match="SignalWire refused to sell"):
        provider.buy(number="+17205550111", voice_url="v", status_url="s", fallback_url="f")


def test_missing_credentials_are_a_provider_error():
    with pytest.raises(ProviderError, match="SignalWire credentials are missing"):
        SignalWireProvider.from_settings(None)
