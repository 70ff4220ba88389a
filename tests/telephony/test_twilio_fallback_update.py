"""The Twilio provider moves a number's voice_fallback_url through the SDK (the REST call intercepted by
`responses`: no network), and a pool's original number change reaches every Twilio number that way."""

from urllib.parse import parse_qs

import pytest
import responses

from pools.services import pool_update
from pools.tasks import update_pending_tracker_fallbacks
from telephony.fallback import forward_fallback_url
from telephony.providers import ProviderError
from telephony.providers.twilio import TwilioProvider
from tests.factories import CallTrackerFactory, PoolFactory, TelephonySettingsFactory
from trackers.models import CallTracker

SID = "AC" + "1" * 32
NUMBERS_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers"


def _number_json(sid: str, fallback: str) -> dict:
    return {"sid": sid, "account_sid": SID, "phone_number": "+12025550112", "voice_fallback_url": fallback,
            "voice_fallback_method": "POST"}


def _form(call) -> dict[str, list[str]]:
    return parse_qs(call.request.body if isinstance(call.request.body, str) else call.request.body.decode())


@responses.activate
def test_set_fallback_posts_the_new_voice_fallback_url_to_the_number():
    url = forward_fallback_url("+12025550177")
    responses.post(f"{NUMBERS_URL}/PN123.json", json=_number_json("PN123", url))

    TwilioProvider(account_sid=SID, auth_token="token").set_fallback(provider_id="PN123", fallback_url=url)

    assert len(responses.calls) == 1
    assert _form(responses.calls[0]) == {"VoiceFallbackUrl": [url], "VoiceFallbackMethod": ["POST"]}


@responses.activate
def test_a_twilio_error_is_a_provider_error():
    responses.post(f"{NUMBERS_URL}/PN123.json", status=503, json={"code": 20503, "message": "Service unavailable"})

    with pytest.raises(ProviderError, match="fallback of PN123"):
        TwilioProvider(account_sid=SID, auth_token="token").set_fallback(provider_id="PN123", fallback_url="f")


@responses.activate
def test_changing_a_twilio_pools_original_updates_each_numbers_fallback_then_retries_a_failure(
    account, website, django_capture_on_commit_callbacks
):
    settings_row = TelephonySettingsFactory(account=account, provider="twilio", twilio_account_sid=SID)
    settings_row.set_twilio_auth_token("token")
    settings_row.save()
    pool = PoolFactory(account=account, website=website, original_number="+12025550150")
    for n, sid in enumerate(["PN1", "PN2"]):
        CallTrackerFactory(pool=pool, tracking_number=f"+1202555012{n}", provider="twilio", provider_number_id=sid,
                           fallback_number="+12025550150")
    url = forward_fallback_url("+12025550177")
    responses.post(f"{NUMBERS_URL}/PN1.json", json=_number_json("PN1", url))
    failing = responses.post(f"{NUMBERS_URL}/PN2.json", status=500, json={"code": 20500, "message": "boom"})

    with django_capture_on_commit_callbacks(execute=True):
        pool_update(pool=pool, original_number="+12025550177")

    pool.refresh_from_db()
    assert pool.fallback_pending_since is not None and "PN2" in pool.fallback_error
    assert dict(CallTracker.objects.values_list("provider_number_id", "fallback_number")) == {
        "PN1": "+12025550177", "PN2": "+12025550150"}

    responses.remove(failing)
    responses.post(f"{NUMBERS_URL}/PN2.json", json=_number_json("PN2", url))
    assert update_pending_tracker_fallbacks() == 1
    pool.refresh_from_db()
    assert pool.fallback_pending_since is None
    assert set(CallTracker.objects.values_list("fallback_number", flat=True)) == {"+12025550177"}
    bodies = [_form(call)["VoiceFallbackUrl"] for call in responses.calls]
    assert bodies == [[url]] * len(bodies) and len(bodies) == 3  # PN1 once, PN2 failed once then succeeded
