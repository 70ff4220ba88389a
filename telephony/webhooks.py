"""Webhook signatures, each provider's documented way. A view decorator checks them before anything runs.

- Twilio (classic): `X-Twilio-Signature` = base64 HMAC-SHA1(auth token, URL + sorted POST params), checked with the
  SDK's RequestValidator. Twilio's newer scheme (Webhook Settings with a SharedKey, HMAC-SHA256): the request then
  carries `X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256` and the same signed string is
  hashed with the SharedKey secret and that algorithm (the SDK's `get_signature_algorithm` reads the header).
  Accepted per account, only when the account stored a SharedKey secret.
- SignalWire (LaML, the Compatibility API): the Twilio algorithm with the project's Signing Key, in
  `X-SignalWire-Signature` (SignalWire also sends it as `X-Twilio-Signature` for Compatibility callbacks).
- Telnyx (TeXML): `telnyx-signature-ed25519` = base64 Ed25519 signature of `<telnyx-timestamp>|<raw body>` by
  the account's key pair, checked against its public key; a timestamp more than 5 minutes away is refused.

Behind a TLS proxy `request.build_absolute_uri()` is the proxy's view (http, internal host), not the
URL the provider signed, so the URL is PUBLIC_BASE_URL + the request's path and query string.
"""

import base64
import binascii
import functools
import logging
import time
from collections.abc import Callable, Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.http import HttpResponseForbidden
from django.http.request import RawPostDataException
from twilio.request_validator import RequestValidator, get_signature_algorithm

from telephony.credentials import SigningKeys
from telephony.models import Provider

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"
SIGNATURE_SETTINGS_HEADER = "HTTP_X_TWILIO_WEBHOOKS_SIGNATURE_SETTINGS"
SIGNALWIRE_SIGNATURE_HEADER = "HTTP_X_SIGNALWIRE_SIGNATURE"
TELNYX_SIGNATURE_HEADER = "HTTP_TELNYX_SIGNATURE_ED25519"
TELNYX_TIMESTAMP_HEADER = "HTTP_TELNYX_TIMESTAMP"
TELNYX_TOLERANCE_SECONDS = 300


def public_url(request) -> str:
    return settings.PUBLIC_BASE_URL + request.get_full_path()


def twilio_signature(*, token: str, url: str, params, algorithm: str | None = None) -> str:
    return RequestValidator(token).compute_signature(url, params, algorithm)


def twilio_signature_is_valid(*, url: str, params, signature: str, tokens: Iterable[str]) -> bool:
    if not signature:
        return False
    return any(token and RequestValidator(token).validate(url, params, signature) for token in tokens)


def twilio_request_is_valid(*, url: str, params, signature: str, settings_header: str, keys: SigningKeys) -> bool:
    """Classic (no settings header: an auth token, HMAC-SHA1) or Webhook Settings (the header names the algorithm:
    a SharedKey secret). A settings header for an account without a SharedKey is refused, as is an unknown
    algorithm (the SDK logs it)."""
    if not signature:
        return False
    if not settings_header:
        return twilio_signature_is_valid(url=url, params=params, signature=signature, tokens=keys.tokens)
    algorithm = get_signature_algorithm(settings_header)
    return any(key and RequestValidator(key).validate(url, params, signature, algorithm) for key in keys.shared_keys)


def telnyx_signature_is_valid(*, body: bytes, signature: str, timestamp: str, public_keys: Iterable[str],
                              now: float | None = None) -> bool:
    """Ed25519 over `timestamp|body` with one of `public_keys` (base64 raw 32-byte keys), the timestamp (Unix
    seconds) within 5 minutes of `now`. Unsigned, malformed, wrong-key and stale requests are all False."""
    if not (signature and timestamp and timestamp.isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > TELNYX_TOLERANCE_SECONDS:
        return False
    try:
        signature_bytes = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(signature_bytes) != 64:
        return False
    message = timestamp.encode() + b"|" + body
    for encoded in public_keys:
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue  # a malformed stored key signs nothing
        try:
            key.verify(signature_bytes, message)
            return True
        except InvalidSignature:
            continue
    return False


def request_signature_is_valid(request, *, provider: str, keys: SigningKeys) -> bool:
    """Whether `request` was signed by `provider` with one of `keys`, the provider's documented way."""
    if provider == Provider.TELNYX:
        try:
            body = request.body
        except RawPostDataException:  # multipart, already parsed: Telnyx posts form-encoded, so not Telnyx
            return False
        return telnyx_signature_is_valid(
            body=body, signature=request.META.get(TELNYX_SIGNATURE_HEADER, ""),
            timestamp=request.META.get(TELNYX_TIMESTAMP_HEADER, ""), public_keys=keys.public_keys,
        )
    if provider == Provider.SIGNALWIRE:
        signature = request.META.get(SIGNALWIRE_SIGNATURE_HEADER) or request.META.get(SIGNATURE_HEADER, "")
        return twilio_signature_is_valid(url=public_url(request), params=request.POST, signature=signature,
                                         tokens=keys.tokens)
    return twilio_request_is_valid(
        url=public_url(request), params=request.POST, signature=request.META.get(SIGNATURE_HEADER, ""),
        settings_header=request.META.get(SIGNATURE_SETTINGS_HEADER, ""), keys=keys,
    )


def webhook_signature_required(provider: str, keys_for: Callable[[object], SigningKeys | Iterable[str]]):
    """View decorator: 403 (and nothing runs) unless `provider` signed the request with one of `keys_for(request)`.

    `keys_for` is given by the caller (the calls app knows which account a number or call belongs to; this
    low-level app does not); a plain list of tokens means classic Twilio tokens.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            keys = keys_for(request)
            if not isinstance(keys, SigningKeys):
                keys = SigningKeys(tokens=tuple(keys))
            if not request_signature_is_valid(request, provider=provider, keys=keys):
                logger.warning("Rejected a %s webhook with a bad signature: %s", provider, public_url(request))
                return HttpResponseForbidden(f"Invalid {provider} signature.", content_type="text/plain")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def twilio_signature_required(tokens_for: Callable[[object], SigningKeys | Iterable[str]]):
    """View decorator: 403 unless the request carries a valid Twilio signature (classic or SharedKey)."""
    return webhook_signature_required(Provider.TWILIO, tokens_for)
