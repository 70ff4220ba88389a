"""Cross-cutting concerns of the public DNI endpoints, composed by ONE decorator, `dni_endpoint`: allowed methods,
website lookup, CORS, rate limit per key and IP, JSON errors. The parts are private: their order is not a choice a
view makes (a rate limit stacked outside the website lookup answered 500 to every leave beacon and AMP request)."""

import json
import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Literal

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.services import refused_origin_record
from core.client_ip import client_ip, client_key
from core.error_codes import (
    ORIGIN_NOT_ALLOWED,
    RATE_LIMITED,
    SOURCE_ORIGIN_NOT_ALLOWED,
    UNKNOWN_WEBSITE,
)
from dni_snippet.website_cache import rate_key_for, rate_refund, website_lookup

logger = logging.getLogger(__name__)

CORS_MAX_AGE = 7200  # Chromium caps preflight caching at 2 hours.


def json_error(status: int, code: str, message: str) -> HttpResponse:
    body = json.dumps({"error": {"code": code, "message": message}})
    return HttpResponse(body, status=status, content_type="application/json")


def _unknown_website() -> HttpResponse:
    return json_error(404, UNKNOWN_WEBSITE, "No website has this key.")


def _too_many(content_type: str = "application/json") -> HttpResponse:
    if content_type == "application/javascript":
        response = HttpResponse("/* callpool: too many requests */\n", status=429, content_type=content_type)
    else:
        response = json_error(429, RATE_LIMITED, "Too many requests; try again in a minute.")
    response["Retry-After"] = "60"
    return response


def _over_limit(request) -> bool:
    count = getattr(request, "dni_rate_count", None)  # counted with the website lookup (`_with_website`)
    return count is not None and bool(settings.DNI_RATE_LIMIT) and count > settings.DNI_RATE_LIMIT


def _with_website(view, unknown: Callable[[], HttpResponse] = _unknown_website, *, counted: bool = True,
                  namespace: str = ""):
    """Loads the website of `key` with its pools (dni_snippet.website_cache: process memory, validated by a token
    read in the same cache round trip as the rate limit's count); `unknown()` (404) if none, or a 429 once the
    client's unknown-key budget is spent (made-up keys share one counter per client). When `counted` and the
    limit is on, this minute's count for the key and client is `request.dni_rate_count` (None: cache down);
    `namespace` gives an endpoint its own counters (the script)."""

    @wraps(view)
    def wrapper(request, key, *args, **kwargs):
        rate_key, minute = None, minute_bucket()
        request.dni_client_key = client_key(request)  # IPv4 address or IPv6 /64: the rate limit and the lease cap
        if counted and settings.DNI_RATE_LIMIT and request.method != "OPTIONS":
            rate_key = namespace + rate_key_for(key, request.dni_client_key or client_ip(request))
        request.dni_rate_key, request.dni_rate_minute = rate_key, minute
        website, pools, request.dni_rate_count = website_lookup(key, rate_key=rate_key, minute=minute,
                                                                on_cache_down=_warn_cache_down)
        if website is None:
            if _over_limit(request):
                return _too_many(unknown()["Content-Type"].split(";")[0])
            return unknown()
        request.website, request.pools = website, pools
        return view(request, key, *args, **kwargs)

    return wrapper


def _refused(request, origin: str) -> None:
    """A refused origin is recorded and costs the client no rate-limit budget (its count is taken back)."""
    refused_origin_record(website=request.website, origin=origin, now=timezone.now())
    if getattr(request, "dni_rate_key", None) and request.dni_rate_count is not None:
        rate_refund(request.dni_rate_key, request.dni_rate_minute)


def _cors_headers(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    response["Vary"] = "Origin"
    return response


def _dni_cors(view):
    """CORS for the website's allowed origins only. Preflight answered here; other origins get 403.

    Requests without an Origin header (server-side clients) are not cross-origin and pass.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        origin = request.headers.get("Origin", "")
        if origin and not request.website.allows_origin(origin):
            _refused(request, origin)
            return json_error(403, ORIGIN_NOT_ALLOWED, f"Origin {origin[:100]} is not allowed for this website.")
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        else:
            response = view(request, *args, **kwargs)
        return _cors_headers(response, origin) if origin else response

    return wrapper


_last_cache_warning = 0.0


def _warn_cache_down(exc: Exception) -> None:
    """At most one warning a minute, so an outage doesn't flood the log."""
    global _last_cache_warning
    now = time.monotonic()
    if now - _last_cache_warning >= 60:
        _last_cache_warning = now
        logger.warning("DNI rate limit off: the cache is unreachable (%s: %s); letting requests through.",
                       type(exc).__name__, exc)


def minute_bucket() -> int:
    """The rate limit's window: counters are per calendar minute."""
    return int(time.time() // 60)


def _rate_limited(view, content_type: str = "application/json"):
    """At most settings.DNI_RATE_LIMIT requests a minute per website key and client (IPv4 or IPv6 /64; 0 = off).

    Counted by the website lookup in the same cache round trip (`_with_website`); decided here, inside CORS, so
    the 429 carries the CORS headers. Unknown keys count on the client's own unknown-key budget (404, then 429),
    so one site's traffic (or an abuser of made-up keys) never uses up another site's visitors' budget.
    """

    @wraps(view)
    def wrapper(request, key, *args, **kwargs):
        if _over_limit(request):
            return _too_many(content_type)
        return view(request, key, *args, **kwargs)

    return wrapper


AMP_CACHE_SUFFIXES = (".cdn.ampproject.org", ".bing-amp.com")


def amp_cache_origins(origin: str) -> set[str]:
    """The AMP-cache origins that serve pages of `origin` (https only): www.example-shop.com → www-example--shop-com.…"""
    if not origin.startswith("https://") or origin.count(":") > 1:
        return set()
    label = origin[len("https://"):].lower().replace("-", "--").replace(".", "-")
    if len(label) > 63:  # AMP then uses a hash subdomain; list such an origin explicitly
        return set()
    return {f"https://{label}{suffix}" for suffix in AMP_CACHE_SUFFIXES}


def _amp_allows(website, origin: str) -> bool:
    return website.allows_origin(origin) or any(origin in amp_cache_origins(o) for o in website.allowed_origins)


def _amp_cors(view):
    """AMP's CORS (amp-call-tracking fetches with credentials): the site's origin or its AMP-cache origin, and
    `__amp_source_origin` (the publisher's origin) must be an allowed origin. A same-origin AMP request carries
    `AMP-Same-Origin: true` and no Origin."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        origin = request.headers.get("Origin", "")
        source_origin = request.GET.get("__amp_source_origin", "")
        if origin and not _amp_allows(request.website, origin):
            _refused(request, origin)
            return json_error(403, ORIGIN_NOT_ALLOWED, f"Origin {origin[:100]} is not allowed for this website.")
        if source_origin and not request.website.allows_origin(source_origin):
            _refused(request, source_origin)
            return json_error(403, SOURCE_ORIGIN_NOT_ALLOWED,
                              f"__amp_source_origin {source_origin[:100]} is not allowed for this website.")
        response = view(request, *args, **kwargs)
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Credentials"] = "true"
            response["Vary"] = "Origin"
        if source_origin:
            response["AMP-Access-Control-Allow-Source-Origin"] = source_origin
            response["Access-Control-Expose-Headers"] = "AMP-Access-Control-Allow-Source-Origin"
        return response

    return wrapper


CORS = {"dni": _dni_cors, "amp": _amp_cors}


def dni_endpoint(*, methods: tuple[str, ...], cors: Literal["dni", "amp"] | None, rate_limit: bool = True,
                 unknown: Callable[[], HttpResponse] = _unknown_website, rate_namespace: str = ""):
    """The one decorator of every public DNI endpoint. Its order is fixed, outermost first:

    1. no CSRF (cross-origin by design; nothing here trusts cookies) and only `methods` (405 before any lookup);
       text PostgreSQL cannot store was already refused for every URL by core.middleware.BadTextMiddleware;
    2. the website of `key` → `request.website`, `request.pools`; `unknown()` (a JSON 404) if there is none;
    3. CORS for the website's origins: `"dni"` (the snippet; answers the OPTIONS preflight, so OPTIONS is
       allowed too) or `"amp"` (amp-call-tracking's credentialed GET); 403 for any other origin;
    4. the rate limit per website key and client IP (`DNI_RATE_LIMIT`; `rate_namespace` gives the endpoint its own
       counters); its 429 carries the CORS headers, so the page's script can read it, and the body type of
       `unknown()`;
    5. the view, which holds only the domain step.
    """
    allowed = [*methods, "OPTIONS"] if cors == "dni" else list(methods)

    def decorate(view):
        wrapped = _rate_limited(view, unknown()["Content-Type"].split(";")[0]) if rate_limit else view
        if cors is not None:
            wrapped = CORS[cors](wrapped)
        wrapped = _with_website(wrapped, unknown, counted=rate_limit, namespace=rate_namespace)
        endpoint = csrf_exempt(require_http_methods(allowed)(wrapped))
        endpoint.dni_direct = True  # dni_snippet.middleware.DniDirectMiddleware calls it past the middleware it needs not
        return endpoint

    return decorate
