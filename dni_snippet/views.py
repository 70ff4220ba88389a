"""Public DNI endpoints: the script, the assign call, the demo page. Thin: decorators do HTTP concerns."""

import hashlib
import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Website
from attribution.services import VisitInput, clean_ga_id
from core.error_codes import BAD_CONTENT_TYPE, BAD_JSON, BODY_TOO_LARGE, PAGE_URL_REQUIRED
from core.phones import phone_display
from dni_snippet.decorators import dni_cors, json_error, rate_limited, with_website
from dni_snippet.script import script_config, snippet_source
from dni_snippet.services import dni_assign
from pools.models import Pool

MAX_BODY_BYTES = 4096
SCRIPT_MAX_AGE = 300


@require_GET
def script(request, key):
    website = Website.objects.filter(key=key).first()
    if website is None:
        return HttpResponse("/* callpool: unknown website key */\n", status=404, content_type="application/javascript")
    pools = Pool.objects.filter(website=website, retired_at__isnull=True).order_by("pk")
    body = snippet_source(script_config(key=key, originals=[p.original_number for p in pools]))
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}"
    return response


def _read_payload(request):
    """The JSON body as a dict, or an error response."""
    if request.content_type != "application/json":
        return json_error(400, BAD_CONTENT_TYPE, "Send the body as application/json.")
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
    if not isinstance(payload.get("page_url"), str) or not payload["page_url"].strip():
        return json_error(400, PAGE_URL_REQUIRED, "page_url is required.")
    return payload


@csrf_exempt
@rate_limited
@require_http_methods(["POST", "OPTIONS"])
@with_website
@dni_cors
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
    )
    response = HttpResponse(json.dumps(result.as_dict()), content_type="application/json")
    response["Cache-Control"] = "no-store"
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
