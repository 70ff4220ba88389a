"""Caller names for SignalWire and Telnyx numbers, through the same worker service and cache as Twilio's
(calls.caller_names: only when the account turns it on, never in the voice webhook, cached per number for 30 days).

Each provider is asked the way it documents (no network: `responses`, answered with the documented body):
- Telnyx Number Lookup: GET https://api.telnyx.com/v2/number_lookup/{+E164}?type=caller-name, Bearer API key; the
  body is the Number Lookup quickstart's example answer (caller_name "TELNYX LLC").
- SignalWire Phone Number Lookup: GET https://<space>/api/relay/rest/lookup/phone_number/{+E164}?include=cnam, HTTP
  Basic (project id, API token); the body carries the fields of the documented response schema (the reference shows
  the schema, not an example: the values here are ours), `cnam.caller_id` being the name.
"""

import base64

import pytest
import responses

from calls.caller_names import call_caller_name_fill
from calls.models import Call, CallerName
from telephony.providers import provider_by_name
from telephony.providers.base import ProviderError
from tests.factories import CallFactory, CallTrackerFactory, TelephonySettingsFactory

pytestmark = pytest.mark.django_db

CALLER = "+13129457420"
PROJECT = "b3877c40-da60-4998-90ad-b792e98472ac"
TELNYX_LOOKUP = f"https://api.telnyx.com/v2/number_lookup/{CALLER}"
SIGNALWIRE_LOOKUP = f"https://example.signalwire.com/api/relay/rest/lookup/phone_number/{CALLER}"

TELNYX_BODY = {"data": {
    "caller_name": {"caller_name": "TELNYX LLC", "error_code": "10001"},
    "carrier": {"error_code": None, "mobile_country_code": "US", "mobile_network_code": 866, "name": "Telnyx/4",
                "type": "voip"},
    "country_code": "US", "fraud": None, "national_format": "(0312) 945-7420", "phone_number": CALLER,
    "portability": {"altspid": "073H", "altspid_carrier_name": "Telnyx/4", "altspid_carrier_type": "3",
                    "city": "WAUKEGAN", "line_type": "voip", "lrn": "2245701999", "ocn": "073H",
                    "ported_date": "2017-10-20", "ported_status": "Y", "spid": "073H",
                    "spid_carrier_name": "Telnyx/4"},
    "record_type": "number_lookup",
}}
SIGNALWIRE_BODY = {
    "country_code_number": 1, "national_number": "3129457420", "possible_number": True, "valid_number": True,
    "national_number_formatted": "(312) 945-7420", "international_number_formatted": "+1 312-945-7420",
    "e164": CALLER, "location": "Illinois", "country_code": "US", "timezones": ["America/Chicago"],
    "number_type": "fixed_line_or_mobile", "cnam": {"caller_id": "WAUKEGAN PLUMBING"},
}
EXPECTED = {"telnyx": "TELNYX LLC", "signalwire": "WAUKEGAN PLUMBING"}


@pytest.fixture(params=["telnyx", "signalwire"])
def carrier_call(request, account, source_pool):
    name = request.param
    if name == "telnyx":
        row = TelephonySettingsFactory(account=account, provider="telnyx", telnyx_public_key="A" * 43 + "=",
                                       telnyx_texml_app_id="1293384261075731499")
        row.set_secret("telnyx_api_key", "KEY-secret")
    else:
        row = TelephonySettingsFactory(account=account, provider="signalwire",
                                       signalwire_space_url="example.signalwire.com", signalwire_project_id=PROJECT)
        row.set_secret("signalwire_api_token", "PT-secret")
        row.set_secret("signalwire_signing_key", "PSK-key")
    row.save()
    account.lookup_caller_names = True
    account.save(update_fields=["lookup_caller_names"])
    tracker = CallTrackerFactory(pool=source_pool, active=True, provider=name)
    return name, CallFactory(tracker=tracker, caller_number=CALLER)


def _register(name: str, **answer):
    """The provider's lookup URL answering `answer` (default: its documented body)."""
    url, body = (TELNYX_LOOKUP, TELNYX_BODY) if name == "telnyx" else (SIGNALWIRE_LOOKUP, SIGNALWIRE_BODY)
    return responses.get(url, **(answer or {"json": body}))


@responses.activate
def test_the_worker_asks_the_numbers_provider_once_and_caches_the_name(carrier_call):
    name, call = carrier_call
    lookup = _register(name)

    first = call_caller_name_fill(call_id=call.pk)
    second = call_caller_name_fill(call_id=CallFactory(tracker=call.tracker, caller_number=CALLER).pk)

    assert first == second == EXPECTED[name]
    assert len(lookup.calls) == 1  # the second call read the cache
    request = lookup.calls[0].request
    if name == "telnyx":
        assert request.params == {"type": "caller-name"}
        assert request.headers["Authorization"] == "Bearer KEY-secret"
    else:
        assert request.params == {"include": "cnam"}
        assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{PROJECT}:PT-secret".encode()).decode()
    assert Call.objects.get(pk=call.pk).caller_name == EXPECTED[name]
    cached = CallerName.objects.get()
    assert (cached.number, cached.caller_name, cached.caller_type) == (CALLER, EXPECTED[name], "")


@responses.activate
def test_a_refused_lookup_leaves_the_call_without_a_name_and_caches_nothing(carrier_call):
    name, call = carrier_call
    _register(name, status=422 if name == "telnyx" else 404,
              json={"errors": [{"code": "10015", "title": "Invalid phone number"}]})

    assert call_caller_name_fill(call_id=call.pk) == ""
    assert Call.objects.get(pk=call.pk).caller_name == ""
    assert not CallerName.objects.exists()


@responses.activate
def test_off_by_default_no_provider_is_asked(carrier_call):
    _name, call = carrier_call
    call.account.lookup_caller_names = False
    call.account.save(update_fields=["lookup_caller_names"])

    assert call_caller_name_fill(call_id=call.pk) == ""
    assert not responses.calls


@responses.activate
def test_an_answer_without_a_name_is_an_empty_name(carrier_call):
    name, call = carrier_call
    body = ({"data": {**TELNYX_BODY["data"], "caller_name": None}} if name == "telnyx"
            else {**SIGNALWIRE_BODY, "cnam": None})
    _register(name, json=body)

    provider = provider_by_name(name, telephony_settings=call.account.telephony_settings)
    assert provider.lookup_caller_name(number=CALLER).name == ""


@responses.activate
def test_no_answer_is_a_provider_error(carrier_call):
    import requests

    name, call = carrier_call
    _register(name, body=requests.ConnectionError("down"))
    provider = provider_by_name(name, telephony_settings=call.account.telephony_settings)
    with pytest.raises(ProviderError):
        provider.lookup_caller_name(number=CALLER)
