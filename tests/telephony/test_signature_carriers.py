"""Webhook signature vectors, each computed with the provider's documented algorithm (independently of the code
under test where the algorithm is a plain HMAC), plus the refusals: unsigned, wrong key, stale.

- Twilio Webhook Settings (SharedKey): twilio-node's WebhookSignatureValidation.md and twilio-python's
  request_validator (X-Twilio-Webhooks-Signature-Settings: key=…,algorithm=HMAC_SHA256; "only the hash changes":
  the signed string is still the URL followed by the sorted POST parameters).
- SignalWire: "Webhook Security" (developer.signalwire.com/guides/webhook-security) and the Python SDK's
  security reference: Compatibility callbacks are signed like Twilio's, with the project's Signing Key, in
  X-SignalWire-Signature (X-Twilio-Signature accepted as an alias).
- Telnyx: the TeXML callback reference (telnyx-signature-ed25519 = Ed25519 signature of `timestamp|payload`,
  telnyx-timestamp in Unix seconds) and telnyx-python lib/webhook_verification.py (base64 32-byte public key,
  64-byte signature, 300 s tolerance).
"""

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from telephony.credentials import SigningKeys
from telephony.webhooks import (
    telnyx_signature_is_valid,
    twilio_request_is_valid,
    twilio_signature,
    twilio_signature_is_valid,
)

# Twilio's published example request (SPEC "Telephony").
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234", "From": "+14158675309",
          "To": "+18005551212"}
SETTINGS = "key=webhooks_sharedkey_01hzxq7d0m6v2r4n8j5t3w9c1b,algorithm=HMAC_SHA256"


def _documented_hmac(key: str, digest) -> str:
    signed = URL + "".join(name + PARAMS[name] for name in sorted(PARAMS))
    return base64.b64encode(hmac.new(key.encode(), signed.encode(), digest).digest()).decode()


def test_the_sdk_sha256_signature_is_the_documented_hmac_of_url_and_sorted_params():
    assert twilio_signature(token="12345", url=URL, params=PARAMS, algorithm="HMAC_SHA256") == _documented_hmac(
        "12345", hashlib.sha256)
    # And the classic one is still Twilio's published vector.
    assert _documented_hmac("12345", hashlib.sha1) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_a_shared_key_signature_with_the_settings_header_is_accepted():
    signature = _documented_hmac("shared-secret", hashlib.sha256)

    assert twilio_request_is_valid(url=URL, params=PARAMS, signature=signature, settings_header=SETTINGS,
                                   keys=SigningKeys(tokens=("12345",), shared_keys=("shared-secret",)))


def test_the_classic_signature_is_still_accepted_besides():
    assert twilio_request_is_valid(url=URL, params=PARAMS, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8=", settings_header="",
                                   keys=SigningKeys(tokens=("12345",), shared_keys=("shared-secret",)))


def test_a_shared_key_signature_is_refused_when_the_account_has_no_shared_key():
    signature = _documented_hmac("shared-secret", hashlib.sha256)

    assert not twilio_request_is_valid(url=URL, params=PARAMS, signature=signature, settings_header=SETTINGS,
                                       keys=SigningKeys(tokens=("12345",)))


def test_a_sha256_signature_made_with_the_auth_token_is_refused():
    # The header says SharedKey: the auth token is not what signs then.
    signature = _documented_hmac("12345", hashlib.sha256)

    assert not twilio_request_is_valid(url=URL, params=PARAMS, signature=signature, settings_header=SETTINGS,
                                       keys=SigningKeys(tokens=("12345",), shared_keys=("shared-secret",)))


def test_an_unknown_algorithm_is_refused():
    signature = _documented_hmac("shared-secret", hashlib.sha256)

    assert not twilio_request_is_valid(url=URL, params=PARAMS, signature=signature,
                                       settings_header="key=k,algorithm=HMAC_MD5",
                                       keys=SigningKeys(shared_keys=("shared-secret",)))


def test_signalwire_signs_like_twilio_with_the_signing_key():
    signature = _documented_hmac("PSKsigningkey", hashlib.sha1)

    assert twilio_signature_is_valid(url=URL, params=PARAMS, signature=signature, tokens=["PSKsigningkey"])
    assert not twilio_signature_is_valid(url=URL, params=PARAMS, signature=signature, tokens=["PTapitoken"])


# RFC 8032 section 7.1, TEST 1: a fixed Ed25519 key pair, so the vector below is reproducible.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
PRIVATE = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
PUBLIC_B64 = base64.b64encode(RFC8032_PUBLIC).decode()
TIMESTAMP = "1705314600"
BODY = b"AccountSid=f5586561-8ff0-4291-a51b-c7dfe4139ff9&CallSid=v3%3A9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ&CallStatus=ringing&From=%2B35319605860&To=%2B13129457420"


def _telnyx_sign(body: bytes = BODY, timestamp: str = TIMESTAMP, key=PRIVATE) -> str:
    return base64.b64encode(key.sign(timestamp.encode() + b"|" + body)).decode()


def test_the_rfc8032_key_pair_is_the_one_telnyx_public_keys_encode():
    # Telnyx shows the public key as base64 of the raw 32 bytes; RFC 8032's TEST 1 signature of "" checks the pair.
    assert PRIVATE.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == RFC8032_PUBLIC
    assert PRIVATE.sign(b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")


def test_a_telnyx_signature_over_timestamp_bar_body_is_accepted():
    assert telnyx_signature_is_valid(body=BODY, signature=_telnyx_sign(), timestamp=TIMESTAMP,
                                     public_keys=[PUBLIC_B64], now=int(TIMESTAMP) + 10)


def test_telnyx_requests_unsigned_wrong_key_stale_or_tampered_are_refused():
    now = int(TIMESTAMP) + 10
    other = Ed25519PrivateKey.generate()
    good = _telnyx_sign()

    assert not telnyx_signature_is_valid(body=BODY, signature="", timestamp=TIMESTAMP, public_keys=[PUBLIC_B64], now=now)
    assert not telnyx_signature_is_valid(body=BODY, signature=good, timestamp="", public_keys=[PUBLIC_B64], now=now)
    assert not telnyx_signature_is_valid(body=BODY, signature=_telnyx_sign(key=other), timestamp=TIMESTAMP,
                                         public_keys=[PUBLIC_B64], now=now)
    assert not telnyx_signature_is_valid(body=BODY, signature=good, timestamp=TIMESTAMP, public_keys=[PUBLIC_B64],
                                         now=int(TIMESTAMP) + 301)
    assert not telnyx_signature_is_valid(body=BODY, signature=good, timestamp=TIMESTAMP, public_keys=[PUBLIC_B64],
                                         now=int(TIMESTAMP) - 301)
    assert not telnyx_signature_is_valid(body=BODY + b"&Digits=1", signature=good, timestamp=TIMESTAMP,
                                         public_keys=[PUBLIC_B64], now=now)
    # Another timestamp in the header than the one signed (a replay with a fresh timestamp).
    assert not telnyx_signature_is_valid(body=BODY, signature=good, timestamp=str(now), public_keys=[PUBLIC_B64],
                                         now=now)
    # A signature of the body alone (no "timestamp|") is not Telnyx's scheme.
    body_only = base64.b64encode(PRIVATE.sign(BODY)).decode()
    assert not telnyx_signature_is_valid(body=BODY, signature=body_only, timestamp=TIMESTAMP, public_keys=[PUBLIC_B64],
                                         now=now)
    assert not telnyx_signature_is_valid(body=BODY, signature=good, timestamp=TIMESTAMP, public_keys=[], now=now)
    assert not telnyx_signature_is_valid(body=BODY, signature="not base64!", timestamp=TIMESTAMP,
                                         public_keys=[PUBLIC_B64], now=now)


def test_a_malformed_stored_public_key_verifies_nothing_but_does_not_break_the_others():
    assert telnyx_signature_is_valid(body=BODY, signature=_telnyx_sign(), timestamp=TIMESTAMP,
                                     public_keys=["bm90IGEga2V5", PUBLIC_B64], now=int(TIMESTAMP))
