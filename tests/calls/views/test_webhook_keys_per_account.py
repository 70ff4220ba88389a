"""Which keys sign which account's webhooks, end to end through the views: Twilio's SharedKey scheme only for an
account that stored a SharedKey, Telnyx's stale or wrong-key requests refused before anything changes."""

import base64
import time
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from twilio.request_validator import RequestValidator

from calls.models import Call
from tests.calls.payloads import BASE, voice_payload
from tests.factories import TelephonySettingsFactory

pytestmark = pytest.mark.django_db
SETTINGS_HEADER = "key=webhooks_sharedkey_01hzxq7d0m6v2r4n8j5t3w9c1b,algorithm=HMAC_SHA256"
KEY = Ed25519PrivateKey.generate()


def _shared_key_post(client, params, secret):
    signature = RequestValidator(secret).compute_signature(BASE + "/telephony/twilio/voice", params, "HMAC_SHA256")
    return client.post("/telephony/twilio/voice", data=params, HTTP_X_TWILIO_SIGNATURE=signature,
                       HTTP_X_TWILIO_WEBHOOKS_SIGNATURE_SETTINGS=SETTINGS_HEADER)


def test_an_account_with_a_shared_key_accepts_sha256_signed_webhooks(client, twilio_env, account, active_tracker):
    row = TelephonySettingsFactory(account=account, provider="twilio")
    row.set_secret("twilio_webhook_key", "shared-secret-0001")
    row.save()

    response = _shared_key_post(client, voice_payload(to=active_tracker.tracking_number), "shared-secret-0001")

    assert response.status_code == 200
    assert "<Dial" in response.content.decode()
    assert Call.objects.count() == 1


def test_an_account_without_a_shared_key_refuses_them(client, twilio_env, account, active_tracker):
    TelephonySettingsFactory(account=account, provider="twilio")

    response = _shared_key_post(client, voice_payload(to=active_tracker.tracking_number), "shared-secret-0001")

    assert response.status_code == 403
    assert not Call.objects.exists()


def test_another_accounts_shared_key_does_not_sign_this_accounts_numbers(client, twilio_env, account, other_account,
                                                                          active_tracker):
    TelephonySettingsFactory(account=account, provider="twilio")
    theirs = TelephonySettingsFactory(account=other_account, provider="twilio")
    theirs.set_secret("twilio_webhook_key", "their-secret")
    theirs.save()

    response = _shared_key_post(client, voice_payload(to=active_tracker.tracking_number), "their-secret")

    assert response.status_code == 403


@pytest.fixture
def telnyx_account(account):
    public = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return TelephonySettingsFactory(account=account, provider="telnyx", telnyx_public_key=base64.b64encode(public).decode(),
                                    telnyx_texml_app_id="1293384261075731499")


def _telnyx_post(client, params, *, timestamp: int, key=KEY):
    body = urlencode(params)
    signature = base64.b64encode(key.sign(f"{timestamp}|{body}".encode())).decode()
    return client.post("/telephony/telnyx/voice", data=body, content_type="application/x-www-form-urlencoded",
                       HTTP_TELNYX_TIMESTAMP=str(timestamp), HTTP_TELNYX_SIGNATURE_ED25519=signature)


def _texml_voice(to):
    return {"AccountSid": "f5586561-8ff0-4291-a51b-c7dfe4139ff9", "CallSid": "v3:abc", "CallSidLegacy": "v3:abc",
            "CallStatus": "ringing", "ConnectionId": "1234567890", "Direction": "inbound", "From": "+14158675309",
            "To": to}


def test_a_fresh_telnyx_signature_is_accepted(client, settings, telnyx_account, active_tracker):
    settings.PUBLIC_BASE_URL = BASE

    response = _telnyx_post(client, _texml_voice(active_tracker.tracking_number), timestamp=int(time.time()))

    assert response.status_code == 200
    assert 'statusCallback="http://testserver/telephony/telnyx/status"' in response.content.decode()


def test_a_stale_telnyx_request_is_refused(client, telnyx_account, active_tracker):
    response = _telnyx_post(client, _texml_voice(active_tracker.tracking_number), timestamp=int(time.time()) - 301)

    assert response.status_code == 403
    assert not Call.objects.exists()


def test_a_telnyx_request_signed_with_another_key_is_refused(client, telnyx_account, active_tracker):
    response = _telnyx_post(client, _texml_voice(active_tracker.tracking_number), timestamp=int(time.time()),
                            key=Ed25519PrivateKey.generate())

    assert response.status_code == 403
    assert not Call.objects.exists()


def test_a_telnyx_call_to_an_unknown_number_is_rejected_when_signed_by_a_known_account(client, telnyx_account):
    response = _telnyx_post(client, _texml_voice("+12025550199"), timestamp=int(time.time()))

    assert response.status_code == 200
    assert "<Reject" in response.content.decode()


def test_a_multipart_post_to_the_telnyx_webhook_is_refused_not_an_error(client, telnyx_account, active_tracker):
    # Telnyx posts form-encoded bodies; a multipart body cannot be the one it signed.
    response = client.post("/telephony/telnyx/voice", data=_texml_voice(active_tracker.tracking_number),
                           HTTP_TELNYX_TIMESTAMP=str(int(time.time())), HTTP_TELNYX_SIGNATURE_ED25519="A" * 88)

    assert response.status_code == 403
