"""Refuse text PostgreSQL cannot store before any view (or signature check) runs.

PostgreSQL rejects NUL characters in text and JSON, and the driver cannot encode lone UTF-16 surrogates:
either in a query parameter, a form field or a JSON string used to surface as a 500 from whichever query
first touched it. Such a request gets a 400 here instead — cheap: the query string and small bodies are
scanned as bytes, and a JSON body is parsed only when it contains a \\u escape.
"""

import json
import logging
import re

from django.conf import settings
from django.http import HttpResponse

from core.error_codes import BODY_TOO_LARGE, JSON_TOO_DEEP
from core.json_limits import JSON_MAX_BODY_BYTES, JSON_MAX_DEPTH, json_depth_exceeds

logger = logging.getLogger(__name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# %00 (any case) is how a NUL travels in a query string or a form body.
ENCODED_NUL = re.compile(rb"%00|\x00")
MESSAGE = "The request contains characters that cannot be stored (NUL bytes or unpaired surrogates)."


def _bad_text(value) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_text(key) or _bad_text(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_bad_text(item) for item in value)
    return False


def _bad_keys(mapping) -> list[str]:
    return [str(key) for key, value in mapping.items() if _bad_text(key) or _bad_text(value)] or ["__all__"]


def json_body_bad_fields(body: bytes) -> list[str] | None:
    """Top-level keys holding unstorable text (["__all__"] if not a JSON object), or None if the body is fine."""
    if b"\\u" not in body and b"\x00" not in body:
        return None
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return ["__all__"] if b"\x00" in body else None  # other non-JSON: the view answers its own 400
    if not _bad_text(payload):
        return None
    return _bad_keys(payload) if isinstance(payload, dict) else ["__all__"]


def bad_text_fields(request) -> list[str] | None:
    """The parameters holding text PostgreSQL cannot store, or None when the request is fine."""
    if ENCODED_NUL.search(request.META.get("QUERY_STRING", "").encode("latin-1", "replace")):
        return _bad_keys(request.GET)
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return None  # Django refuses bodies that large itself
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        return _bad_keys(request.POST) if ENCODED_NUL.search(request.body) else None
    if content_type == "application/json" or content_type.endswith("+json"):
        return json_body_bad_fields(request.body)
    return None


class BadTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = bad_text_fields(request)
        if fields is not None:
            return bad_text_response(request, fields)
        return self.get_response(request)


def bad_text_response(request, fields: list[str]) -> HttpResponse:
    wants_json = (request.content_type or "").endswith("json") or request.path.startswith(("/api/", "/dni/"))
    if wants_json:
        error = {"code": "bad_characters", "message": MESSAGE, "fields": {field: [MESSAGE] for field in fields}}
        return HttpResponse(json.dumps({"error": error}), status=400, content_type="application/json")
    return HttpResponse(f"{MESSAGE} ({', '.join(fields)})", status=400, content_type="text/plain; charset=utf-8")


# Bodies a view may parse as JSON: JSON proper, and text/plain (the DNI `pagehide` beacon is a CORS-simple request).
JSON_TYPES = ("application/json", "text/plain")


def _json_refusal(request) -> tuple[str, str] | None:
    """(code, message) when a JSON-ish body is too large or too deeply nested to parse, else None."""
    content_type = request.content_type or ""
    if request.method not in ("POST", "PUT", "PATCH") or not (
            content_type in JSON_TYPES or content_type.endswith("+json")):
        return None
    length = request.META.get("CONTENT_LENGTH") or "0"
    too_large = (BODY_TOO_LARGE, f"A JSON body is limited to {JSON_MAX_BODY_BYTES} bytes.")
    if not length.isdigit() or int(length) > JSON_MAX_BODY_BYTES:
        return too_large
    if len(request.body) > JSON_MAX_BODY_BYTES:
        return too_large
    if json_depth_exceeds(request.body, JSON_MAX_DEPTH):
        return JSON_TOO_DEEP, f"JSON may nest at most {JSON_MAX_DEPTH} levels."
    return None


class JsonLimitsMiddleware:
    """400 for a JSON body too large or nested too deep, before any parser (DRF, the DNI views, ours) reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = _json_refusal(request)
        if refusal is None:
            return self.get_response(request)
        code, message = refusal
        logger.warning("Refused a JSON body (%s): %s %s", code, request.method, request.path[:200])
        body = json.dumps({"error": {"code": code, "message": message}})
        response = HttpResponse(body, status=400, content_type="application/json")
        response._has_been_logged = True  # type: ignore[attr-defined]  # the line above is the only one: Django's "Bad Request" would repeat it
        return response


# The pages people sign in to and manage the account from; everything else (the DNI script, the API) is not HTML
# for a logged-in user, or sets its own policy.
CSP_PREFIXES = ("/dashboard/", "/admin/", "/accounts/")


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY on the dashboard, admin and login pages, unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(CSP_PREFIXES) and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response
