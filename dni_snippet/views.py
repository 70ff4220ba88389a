"""Public DNI endpoints: the script, the assign call, the leave beacon, AMP's config, the demo page.
Thin: `dni_endpoint` does the HTTP concerns in its one fixed order."""

import hashlib
import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from attribution.services import VisitInput, clean_ga_id, clean_id
from core.client_ip import lease_cap_key
from core.error_codes import (
    BAD_CONTENT_TYPE,
    BAD_EXPIRES_AT,
    BAD_JSON,
    BAD_PARAMETER,
    BODY_TOO_LARGE,
    CLIENT_ID_REQUIRED,
    PAGE_URL_REQUIRED,
    SESSION_ID_REQUIRED,
    UNKNOWN_POOL,
)
from core.phones import phone_display
from dni_snippet.decorators import dni_endpoint, json_error
from dni_snippet.script import script_config, snippet_source
from dni_snippet.services import dni_amp_number, dni_assign, dni_leave
from dni_snippet.website_cache import entry_memo
from pools.models import Pool
from pools.selectors import website_swap_numbers

MAX_BODY_BYTES = 4096
SCRIPT_MAX_AGE = 300


def _unknown_script() -> HttpResponse:
    return HttpResponse("/* callpool: unknown website key */\n", status=404, content_type="application/javascript")


def _script_body(website, pools, key: str) -> tuple[str, str]:
    swaps = website_swap_numbers(website=website, pools=pools)
    originals = [number for number, current in swaps if number == current]
    aliases = {number: current for number, current in swaps if number != current}
    body = snippet_source(script_config(key=key, originals=originals, aliases=aliases))
    return body, '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


# A cacheable GET (ETag, max-age) that writes nothing: browsers fetch it once per max-age, so its own counters
# (apart from the assign calls') only stop a client hammering it; the body is built once per cached website entry.
@dni_endpoint(methods=("GET",), cors=None, unknown=_unknown_script, rate_namespace="js:")
def script(request, key):
    body, etag = entry_memo(key, request.website, "script",
                            lambda: _script_body(request.website, request.pools, key))
    response: HttpResponse
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}"
    return response


def _read_json(request, *, content_types=("application/json",)):
    """The JSON object in the body, or an error response."""
    if request.content_type not in content_types:
        return json_error(400, BAD_CONTENT_TYPE, f"Send the body as {' or '.join(content_types)}.")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return json_error(400, BODY_TOO_LARGE, f"The body is limited to {MAX_BODY_BYTES} bytes.")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return json_error(400, BODY_TOO_LARGE, f"The body is limited to {MAX_BODY_BYTES} bytes.")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return json_error(400, BAD_JSON, "The body is not valid JSON.")
    if not isinstance(payload, dict):
        return json_error(400, BAD_JSON, "The body must be a JSON object.")
    return payload


def _read_payload(request):
    """The assign body as a dict, or an error response."""
    payload = _read_json(request)
    if isinstance(payload, HttpResponse):
        return payload
    if not isinstance(payload.get("page_url"), str) or not payload["page_url"].strip():
        return json_error(400, PAGE_URL_REQUIRED, "page_url is required.")
    return payload


@dni_endpoint(methods=("POST",), cors="dni")
def assign(request, key):
    payload = _read_payload(request)
    if isinstance(payload, HttpResponse):
        return payload
    data = VisitInput(
        page_url=payload["page_url"], referrer=payload.get("referrer") if isinstance(payload.get("referrer"), str) else "",
        ga_client_id=clean_ga_id(payload.get("ga_client_id")), ga_session_id=clean_ga_id(payload.get("ga_session_id")),
        user_agent=request.headers.get("User-Agent", ""), is_page_load=payload.get("page_load") is True,
    )
    result = dni_assign(
        website=request.website, pools=request.pools, visitor_id=payload.get("visitor_id"),
        session_id=payload.get("session_id"), data=data, origin=request.headers.get("Origin", ""), now=timezone.now(),
        client_key=lease_cap_key(request.dni_client_key),
    )
    response = HttpResponse(json.dumps(result.as_dict()), content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


@dni_endpoint(methods=("POST",), cors="dni")
def leave(request, key):
    """`pagehide` beacon: `{"session_id", "expires_at"?}` sent as text/plain (a CORS-simple request: no preflight)."""
    payload = _read_json(request, content_types=("text/plain", "application/json"))
    if isinstance(payload, HttpResponse):
        return payload
    if clean_id(payload.get("session_id")) is None:
        return json_error(400, SESSION_ID_REQUIRED, "session_id (the id the assign call returned) is required.")
    seen = payload.get("expires_at")
    seen_expires_at = _parse_instant(seen) if seen is not None else None
    if seen is not None and seen_expires_at is None:
        return json_error(400, BAD_EXPIRES_AT, "expires_at must be an ISO 8601 time with a zone, as assign returned it.")
    dni_leave(website=request.website, session_id=payload["session_id"], now=timezone.now(),
              grace_seconds=settings.DNI_LEAVE_GRACE_SECONDS, seen_expires_at=seen_expires_at)
    return HttpResponse(status=204)


def _parse_instant(value):
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


@dni_endpoint(methods=("GET",), cors="amp")
def amp_config(request, key):
    """`<amp-call-tracking config=".../amp.json?pool=ID&client_id=CLIENT_ID(callpool)&page_url=SOURCE_URL&referrer=...">`"""
    params = request.GET
    pool = next((p for p in request.pools if str(p.pk) == params.get("pool", "")), None)
    if pool is None:
        return json_error(404, UNKNOWN_POOL, "pool must be the id of one of this website's pools.")
    client_id, page_url, referrer = params.get("client_id", ""), params.get("page_url", ""), params.get("referrer", "")
    if any("\x00" in value for value in (client_id, page_url, referrer)):
        return json_error(400, BAD_PARAMETER, "Parameters may not contain NUL characters.")
    if not client_id.strip() or len(client_id) > 256:
        return json_error(400, CLIENT_ID_REQUIRED, "client_id (AMP's CLIENT_ID, at most 256 characters) is required.")
    if not page_url.strip():
        return json_error(400, PAGE_URL_REQUIRED, "page_url (AMP's SOURCE_URL) is required.")
    data = VisitInput(page_url=page_url, referrer=referrer, user_agent=request.headers.get("User-Agent", ""))
    number = dni_amp_number(website=request.website, pool=pool, client_id=client_id, data=data,
                            origin=request.headers.get("Origin", ""), now=timezone.now(), client_key=lease_cap_key(request.dni_client_key))
    response = HttpResponse(json.dumps({"phoneNumber": number, "formattedPhoneNumber": phone_display(number)}),
                            content_type="application/json")
    response["Cache-Control"] = "private, no-store"
    return response


DEMO_FORMATS = [
    "{d}", "{a} {b} {c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "({a}) {b} {c}", "({a}) {b}-{c}", "({a})-{b}-{c}",
    "({a}).{b}.{c}", "1{d}", "1-{a}-{b}-{c}", "1.{a}.{b}.{c}", "1 ({a}) {b} {c}", "1-({a})-{b}-{c}",
    "1 ({a})-{b}-{c}", "1.({a}).{b}.{c}", "1 ({a}).{b}.{c}", "+1 {a} {b} {c}", "+1-{a}-{b}-{c}", "+1{d}",
]


def demo_formats(e164: str) -> list[str]:
    d = e164[-10:]
    return [f.format(a=d[:3], b=d[3:6], c=d[6:], d=d) for f in DEMO_FORMATS]


@require_GET
def demo(request):
    pools = list(Pool.objects.filter(website__key="demo", retired_at__isnull=True).order_by("pk"))
    context = {
        "pools": [{"name": p.name, "tracking": p.get_tracking_display(), "original": p.original_number,
                   "display": phone_display(p.original_number), "formats": demo_formats(p.original_number)} for p in pools],
        "first": pools[0].original_number if pools else "+12025550100",
        "first_display": phone_display(pools[0].original_number) if pools else "(202) 555-0100",
        "debug": settings.DEBUG,
    }
    return render(request, "dni_snippet/demo.html", context)
