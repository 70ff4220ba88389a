"""The Twilio searches a pool's number request turns into, against Twilio's REST API mocked with `responses`."""

from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from telephony.number_search import NumberSearch
from telephony.providers import ProviderError
from telephony.providers.twilio import TwilioProvider

SID = "AC" + "1" * 32
BASE = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/AvailablePhoneNumbers"


def _page(*numbers):
    return {
        "available_phone_numbers": [{"phone_number": n, "friendly_name": n, "iso_country": "US"} for n in numbers],
        "uri": "/x.json", "first_page_uri": "/x.json", "next_page_uri": None, "previous_page_uri": None,
        "page": 0, "page_size": 50, "start": 0, "end": len(numbers) - 1,
    }


@pytest.fixture
def twilio():
    with responses.RequestsMock() as mocked:
        yield mocked


@pytest.fixture
def provider():
    return TwilioProvider(account_sid=SID, auth_token="token")


def _query(call) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


def test_an_area_code_search_asks_twilio_for_that_area_code(twilio, provider):
    twilio.get(f"{BASE}/US/Local.json", json=_page("+17205550111", "+17205550112"))

    found = provider.search(count=2, exclude=set(), query=NumberSearch("local", "US", area_code="720"))

    assert found == ["+17205550111", "+17205550112"]
    query = _query(twilio.calls[0])
    assert (query["AreaCode"], query["VoiceEnabled"]) == ("720", "true")
    assert "InRegion" not in query and "NearNumber" not in query


def test_a_region_search_uses_in_region(twilio, provider):
    twilio.get(f"{BASE}/US/Local.json", json=_page("+13035550111"))

    found = provider.search(count=1, exclude=set(), query=NumberSearch("local", "US", in_region="CO"))

    assert found == ["+13035550111"]
    assert _query(twilio.calls[0])["InRegion"] == "CO"


def test_a_nearby_search_uses_near_number(twilio, provider):
    twilio.get(f"{BASE}/US/Local.json", json=_page("+19705550111"))

    provider.search(count=1, exclude=set(), query=NumberSearch("local", "US", near_number="+17205550100"))

    assert _query(twilio.calls[0])["NearNumber"] == "+17205550100"


def test_a_toll_free_search_asks_the_toll_free_list_of_the_requested_country(twilio, provider):
    twilio.get(f"{BASE}/CA/TollFree.json", json=_page("+18335550111"))

    found = provider.search(count=1, exclude=set(), query=NumberSearch("toll_free", "CA"))

    assert found == ["+18335550111"]
    assert urlsplit(twilio.calls[0].request.url).path.endswith("/AvailablePhoneNumbers/CA/TollFree.json")


def test_twilio_having_none_is_an_empty_answer_not_numbers_from_elsewhere(twilio, provider):
    twilio.get(f"{BASE}/US/Local.json", json=_page())

    assert provider.search(count=3, exclude=set(), query=NumberSearch("local", "US", area_code="307")) == []
    assert len(twilio.calls) == 1


def test_a_refused_search_is_a_provider_error_naming_the_search(twilio, provider):
    twilio.get(f"{BASE}/US/Local.json", status=400,
               json={"code": 21452, "message": "Area code is not valid", "status": 400})

    with pytest.raises(ProviderError, match="area code 999"):
        provider.search(count=1, exclude=set(), query=NumberSearch("local", "US", area_code="999"))
