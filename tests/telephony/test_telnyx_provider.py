"""Telnyx's REST API v2 as its API reference documents it, mocked with `responses`.

Shapes from developers.telnyx.com: "List available phone numbers" (GET /available_phone_numbers, deepObject
filter[country_code|phone_number_type|national_destination_code|administrative_area|features|limit], response
data[].phone_number), "Create a number order" (POST /number_orders {phone_numbers: [{phone_number}], connection_id};
the documented example response below), "Update a phone number with voice settings" (PATCH /phone_numbers/{id}/voice,
call_forwarding {call_forwarding_enabled, forwards_to, forwarding_type: always|on-failure}), the TeXML application
update (friendly_name and voice_url required), List phone numbers (filter[phone_number], digits only) and
DELETE /phone_numbers/{id}; errors {"errors": [{"code", "title", "detail"}]}.
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from telephony.credentials import TelnyxCredentials
from telephony.number_search import NumberSearch
from telephony.providers import ProviderError
from telephony.providers.telnyx import API, TelnyxProvider

APP_ID = "1293384261075731499"
NUMBER_ID = "1293384261075731500"
CREDENTIALS = TelnyxCredentials(api_key="KEY0123", public_key="x" * 44, texml_app_id=APP_ID)
FALLBACK = "https://twimlets.com/forward?PhoneNumber=%2B17205550100"


def _available(*numbers):
    return {"data": [{"record_type": "available_phone_number", "phone_number": n, "vanity_format": "",
                      "best_effort": False, "quickship": True, "reservable": True,
                      "region_information": [{"region_type": "state", "region_name": "CO"}],
                      "features": [{"name": "voice"}, {"name": "sms"}]} for n in numbers],
            "metadata": {"total_results": len(numbers), "best_effort_results": 0}}


def _order(number, status="success"):
    """The documented "Create a number order" example, for `number`."""
    return {"data": {
        "id": "12ade33a-21c0-473b-b055-b3c836e1c292", "record_type": "number_order", "phone_numbers_count": 1,
        "connection_id": APP_ID, "phone_numbers": [{
            "id": "dc8e4d67-33a0-4cbb-af74-7b58f05bd494", "record_type": "number_order_phone_number",
            "phone_number": number, "requirements_met": True, "status": status}],
        "status": "pending", "customer_reference": "", "created_at": "2018-01-01T00:00:00.000000Z",
        "updated_at": "2018-01-01T00:00:00.000000Z", "requirements_met": True}}


def _numbers(number):
    return {"data": [{"id": NUMBER_ID, "record_type": "phone_number", "phone_number": number, "status": "active",
                      "connection_id": APP_ID}], "meta": {"total_pages": 1, "total_results": 1, "page_number": 1,
                                                          "page_size": 20}}


@pytest.fixture
def telnyx():
    with responses.RequestsMock() as mocked:
        yield mocked


@pytest.fixture
def provider():
    return TelnyxProvider(credentials=CREDENTIALS)


def _query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def test_an_area_code_search_filters_by_national_destination_code(telnyx, provider):
    telnyx.get(f"{API}/available_phone_numbers", json=_available("+17205550111", "+17205550112", "+13035550113"))

    found = provider.search(count=5, exclude={"+17205550112"}, query=NumberSearch("local", "US", area_code="720"))

    # A "best effort" number from another area code is never taken.
    assert found == ["+17205550111"]
    query = _query(telnyx.calls[0])
    assert query["filter[country_code]"] == ["US"]
    assert query["filter[phone_number_type]"] == ["local"]
    assert query["filter[national_destination_code]"] == ["720"]
    assert query["filter[features][]"] == ["voice"]
    assert query["filter[limit]"] == ["15"]
    assert telnyx.calls[0].request.headers["Authorization"] == "Bearer KEY0123"


def test_a_region_search_filters_by_administrative_area(telnyx, provider):
    telnyx.get(f"{API}/available_phone_numbers", json=_available("+13035550111"))

    assert provider.search(count=1, exclude=set(), query=NumberSearch("local", "US", in_region="CO")) == ["+13035550111"]
    assert _query(telnyx.calls[0])["filter[administrative_area]"] == ["CO"]


def test_a_toll_free_search_asks_for_toll_free_numbers(telnyx, provider):
    telnyx.get(f"{API}/available_phone_numbers", json=_available("+18885550111"))

    assert provider.search(count=1, exclude=set(), query=NumberSearch("toll_free", "US")) == ["+18885550111"]
    assert _query(telnyx.calls[0])["filter[phone_number_type]"] == ["toll_free"]


def test_a_nearby_search_becomes_the_numbers_state(telnyx, provider):
    telnyx.get(f"{API}/available_phone_numbers", json=_available("+19705550111"))

    provider.search(count=1, exclude=set(), query=NumberSearch("local", "US", near_number="+17205550100"))

    assert _query(telnyx.calls[0])["filter[administrative_area]"] == ["CO"]


def test_buying_points_the_texml_application_orders_onto_it_and_forwards_on_failure(telnyx, provider):
    telnyx.patch(f"{API}/texml_applications/{APP_ID}", json={"data": {"id": APP_ID}})
    telnyx.post(f"{API}/number_orders", json=_order("+17205550111"))
    telnyx.get(f"{API}/phone_numbers", json=_numbers("+17205550111"))
    telnyx.patch(f"{API}/phone_numbers/{NUMBER_ID}/voice", json={"data": {"id": NUMBER_ID}})

    bought = provider.buy(number="+17205550111", voice_url="https://cp.example/telephony/telnyx/voice",
                          status_url="https://cp.example/telephony/telnyx/status", fallback_url=FALLBACK)

    assert (bought.number, bought.provider, bought.provider_id) == ("+17205550111", "telnyx", "+17205550111")
    app, order, lookup, voice = telnyx.calls
    assert json.loads(app.request.body) == {
        "friendly_name": "callpool", "voice_url": "https://cp.example/telephony/telnyx/voice", "voice_method": "post",
        "status_callback": "https://cp.example/telephony/telnyx/status", "status_callback_method": "post"}
    assert json.loads(order.request.body) == {"phone_numbers": [{"phone_number": "+17205550111"}],
                                              "connection_id": APP_ID}
    assert _query(lookup)["filter[phone_number]"] == ["17205550111"]
    assert json.loads(voice.request.body) == {"call_forwarding": {
        "call_forwarding_enabled": True, "forwards_to": "+17205550100", "forwarding_type": "on-failure"}}


def test_a_failed_order_is_a_provider_error(telnyx, provider):
    telnyx.patch(f"{API}/texml_applications/{APP_ID}", json={"data": {"id": APP_ID}})
    telnyx.post(f"{API}/number_orders", json=_order("+17205550111", status="failure"))

    with pytest.raises(ProviderError, match="did not order"):
        provider.buy(number="+17205550111", voice_url="v", status_url="s", fallback_url=FALLBACK)


def test_an_api_error_carries_telnyxs_detail(telnyx, provider):
    telnyx.get(f"{API}/available_phone_numbers", status=401,
               json={"errors": [{"code": "10009", "title": "Authentication failed",
                                 "detail": "The API key looks malformed."}]})

    with pytest.raises(ProviderError, match="HTTP 401 The API key looks malformed"):
        provider.search(count=1, exclude=set(), query=NumberSearch("local", "US", area_code="720"))


def test_release_deletes_the_number_by_its_id(telnyx, provider):
    telnyx.get(f"{API}/phone_numbers", json=_numbers("+17205550111"))
    telnyx.delete(f"{API}/phone_numbers/{NUMBER_ID}", json={"data": {"id": NUMBER_ID, "status": "deleted"}})

    provider.release(provider_id="+17205550111")

    assert telnyx.calls[1].request.method == "DELETE"


def test_releasing_a_number_telnyx_no_longer_has_is_success(telnyx, provider):
    telnyx.get(f"{API}/phone_numbers", json={"data": [], "meta": {"total_results": 0}})

    provider.release(provider_id="+17205550111")

    assert len(telnyx.calls) == 1


def test_set_fallback_forwards_on_failure_to_the_new_original(telnyx, provider):
    telnyx.get(f"{API}/phone_numbers", json=_numbers("+17205550111"))
    telnyx.patch(f"{API}/phone_numbers/{NUMBER_ID}/voice", json={"data": {"id": NUMBER_ID}})

    provider.set_fallback(provider_id="+17205550111",
                          fallback_url="https://twimlets.com/forward?PhoneNumber=%2B13035550100")

    assert json.loads(telnyx.calls[1].request.body)["call_forwarding"]["forwards_to"] == "+13035550100"


def test_network_failure_is_a_provider_error(telnyx, provider):
    import requests

    telnyx.get(f"{API}/available_phone_numbers", body=requests.ConnectionError("down"))

    with pytest.raises(ProviderError, match="Telnyx did not answer"):
        provider.search(count=1, exclude=set())


def test_an_order_not_yet_a_number_is_bought_with_its_fallback_left_to_set(telnyx, provider):
    telnyx.patch(f"{API}/texml_applications/{APP_ID}", json={"data": {"id": APP_ID}})
    telnyx.post(f"{API}/number_orders", json=_order("+17205550111", status="pending"))
    telnyx.get(f"{API}/phone_numbers", json={"data": [], "meta": {"total_results": 0}})

    bought = provider.buy(number="+17205550111", voice_url="v", status_url="s", fallback_url=FALLBACK)

    assert (bought.provider_id, bought.fallback_set) == ("+17205550111", False)
