"""Cross-cutting concerns of the public DNI endpoints: website lookup, CORS, per-IP rate limit, JSON errors."""

import json
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone

from accounts.models import Website
from accounts.services import refused_origin_record
from core.error_codes import (
    ORIGIN_NOT_ALLOWED,
    RATE_LIMITED,
    SOURCE_ORIGIN_NOT_ALLOWED,
    UNKNOWN_WEBSITE,
)
from pools.models import Pool

CORS_MAX_AGE = 7200  # Chromium caps preflight caching at 2 hours.


def json_error(status: int, code: str, message: str) -> HttpResponse:
    body = json.dumps({"error": {"code": code, "message": message}})
    return HttpResponse(body, status=status, content_type="application/json")


def with_website(view):
    """Loads the website of `key` with its pools in ONE query (pools joined to their website); 404 if unknown."""

    @wraps(view)
    def wrapper(request, key, *args, **kwargs):
        pools = list(Pool.objects.filter(website__key=key).select_related("website").order_by("pk"))
        if pools:
            website = pools[0].website
        else:
            website = Website.objects.filter(key=key).first()
            if website is None:
                return json_error(404, UNKNOWN_WEBSITE, "No website has this key.")
        request.website, request.pools = website, pools
        return view(request, key, *args, **kwargs)

    return wrapper


def _cors_headers(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    response["Vary"] = "Origin"
    return response


def dni_cors(view):
    """CORS for the website's allowed origins only. Preflight answered here; other origins get 403.

    Requests without an Origin header (server-side clients) are not cross-origin and pass.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        origin = request.headers.get("Origin", "")
        if origin and not request.website.allows_origin(origin):
            refused_origin_record(website=request.website, origin=origin, now=timezone.now())
            return json_error(403, ORIGIN_NOT_ALLOWED, f"Origin {origin[:100]} is not allowed for this website.")
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        else:
            response = view(request, *args, **kwargs)
        return _cors_headers(response, origin) if origin else response

    return wrapper


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limited(view):
    """At most settings.DNI_RATE_LIMIT requests per minute per IP (0 = off), counted in Django's shared cache."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        limit = settings.DNI_RATE_LIMIT
        if limit and request.method != "OPTIONS":
            key = f"dni:rl:{client_ip(request)}:{int(time.time() // 60)}"
            try:
                count = cache.incr(key)  # the usual case: this IP already has a counter this minute
            except ValueError:
                count = 1 if cache.add(key, 1, timeout=70) else cache.incr(key)
            if count > limit:
                response = json_error(429, RATE_LIMITED, "Too many requests; try again in a minute.")
                response["Retry-After"] = "60"
                return response
        return view(request, *args, **kwargs)

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


def amp_cors(view):
    """AMP's CORS (amp-call-tracking fetches with credentials): the site's origin or its AMP-cache origin, and
    `__amp_source_origin` (the publisher's origin) must be an allowed origin. A same-origin AMP request carries
    `AMP-Same-Origin: true` and no Origin."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        origin = request.headers.get("Origin", "")
        source_origin = request.GET.get("__amp_source_origin", "")
        if origin and not _amp_allows(request.website, origin):
            refused_origin_record(website=request.website, origin=origin, now=timezone.now())
            return json_error(403, ORIGIN_NOT_ALLOWED, f"Origin {origin[:100]} is not allowed for this website.")
        if source_origin and not request.website.allows_origin(source_origin):
            refused_origin_record(website=request.website, origin=source_origin, now=timezone.now())
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
