"""Twilio webhook signatures: checked with the SDK's RequestValidator against the public URL.

Behind a TLS proxy `request.build_absolute_uri()` is the proxy's view (http, internal host), not the
URL Twilio signed, so the URL is PUBLIC_BASE_URL + the request's path and query string.
"""

import functools
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpResponseForbidden
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"


def public_url(request) -> str:
    return settings.PUBLIC_BASE_URL + request.get_full_path()


def twilio_signature(*, token: str, url: str, params) -> str:
    return RequestValidator(token).compute_signature(url, params)


def twilio_signature_is_valid(*, url: str, params, signature: str, tokens: Iterable[str]) -> bool:
    if not signature:
        return False
    return any(token and RequestValidator(token).validate(url, params, signature) for token in tokens)


def twilio_signature_required(tokens_for: Callable[[object], Iterable[str]]):
    """View decorator: 403 unless X-Twilio-Signature matches one of `tokens_for(request)`.

    `tokens_for` is given by the caller (the calls app knows which account a number or call
    belongs to; this low-level app does not).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            signature = request.META.get(SIGNATURE_HEADER, "")
            url = public_url(request)
            if not twilio_signature_is_valid(url=url, params=request.POST, signature=signature, tokens=tokens_for(request)):
                logger.warning("Rejected Twilio webhook with a bad signature: %s", url)
                return HttpResponseForbidden("Invalid Twilio signature.", content_type="text/plain")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
