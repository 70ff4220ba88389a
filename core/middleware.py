"""Refuse text PostgreSQL cannot store before any view (or signature check) runs.

PostgreSQL rejects NUL characters in text and JSON, and the driver cannot encode lone UTF-16 surrogates:
either in a query parameter, a form field or a JSON string used to surface as a 500 from whichever query
first touched it. Such a request gets a 400 here instead — cheap: the query string and small bodies are
scanned as bytes, and a JSON body is parsed only when it contains a \\u escape.
"""

import json
import re

from django.conf import settings
from django.http import HttpResponse

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


def json_body_is_bad(body: bytes) -> bool:
    if b"\x00" in body:
        return True
    if b"\\u" not in body:
        return False
    try:
        return _bad_text(json.loads(body))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False  # not JSON: the view answers its own 400


def request_has_bad_text(request) -> bool:
    if ENCODED_NUL.search(request.META.get("QUERY_STRING", "").encode("latin-1", "replace")):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return False  # Django refuses bodies that large itself
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        return bool(ENCODED_NUL.search(request.body))
    if content_type == "application/json" or content_type.endswith("+json"):
        return json_body_is_bad(request.body)
    return False


class BadTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_has_bad_text(request):
            return bad_text_response(request)
        return self.get_response(request)


def bad_text_response(request) -> HttpResponse:
    wants_json = (request.content_type or "").endswith("json") or request.path.startswith(("/api/", "/dni/"))
    if wants_json:
        body = json.dumps({"error": {"code": "bad_characters", "message": MESSAGE}})
        return HttpResponse(body, status=400, content_type="application/json")
    return HttpResponse(MESSAGE, status=400, content_type="text/plain; charset=utf-8")
