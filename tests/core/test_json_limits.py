"""Deeply nested or oversized JSON bodies are refused with a 400 before anything parses them."""

import json
import logging

import pytest
from django.test import Client

from api.services import api_token_create
from core.json_limits import JsonTooDeep, json_depth_exceeds, safe_json_loads

# ~6 KB: nested objects around a \\u escape (which made the NUL/surrogate check walk it) and plain nested arrays.
NESTED_OBJECTS = b'{"a":' * 1000 + b'"\\u0041"' + b"}" * 1000
NESTED_ARRAYS = b"[" * 3000 + b"]" * 3000
URLS = ["/dni/alicesite/assign", "/dni/alicesite/leave", "/api/v1/pools/", "/api/v1/websites/",
        "/telephony/twilio/voice", "/telephony/twilio/status", "/accounts/login/", "/admin/login/", "/dashboard/"]


@pytest.mark.parametrize("body", [b"[]", b'{"a": [1, {"b": [2]}]}', b'{"s": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',
                                  b'{"s": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', b"[]" * 1000])
def test_shallow_bodies_are_within_the_limit(body):
    assert not json_depth_exceeds(body)


@pytest.mark.parametrize("body", [NESTED_OBJECTS, NESTED_ARRAYS, b"[" * 33 + b"]" * 33])
def test_bodies_nested_deeper_than_the_limit_are_caught(body):
    assert json_depth_exceeds(body)
    with pytest.raises(JsonTooDeep):
        safe_json_loads(body)


def test_safe_json_loads_parses_ordinary_json():
    assert safe_json_loads(b'{"a": [1, 2]}') == {"a": [1, 2]}


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("body", [NESTED_OBJECTS, NESTED_ARRAYS], ids=["objects", "arrays"])
@pytest.mark.parametrize("url", URLS)
def test_a_nested_json_body_never_answers_500(client, website, url, body, content_type):
    response = client.post(url, body, content_type=content_type)
    assert response.status_code < 500
    if content_type != "application/x-www-form-urlencoded":  # a form body is not JSON to anyone
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "json_too_deep"


def test_the_api_with_a_valid_token_refuses_it_with_400(account, caplog):
    _, key = api_token_create(account=account, scope="write")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    with caplog.at_level(logging.INFO):
        response = client.post("/api/v1/pools/", NESTED_ARRAYS, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json_too_deep"
    # One short line, no traceback.
    assert len(caplog.records) == 1
    assert len(caplog.records[0].getMessage()) < 200 and caplog.records[0].exc_info is None


def test_an_oversized_json_body_is_refused(account):
    _, key = api_token_create(account=account, scope="write")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    body = json.dumps({"name": "x" * 300_000})
    response = client.post("/api/v1/pools/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "body_too_large"


def test_an_ordinary_api_body_still_reaches_the_view(account, website):
    _, key = api_token_create(account=account, scope="write")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post("/api/v1/websites/", {"name": "Shop", "allowed_origins": ["https://shop.example.com"]},
                           content_type="application/json")
    assert response.status_code == 201, response.content
