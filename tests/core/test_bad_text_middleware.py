import json

import pytest
from django.test import RequestFactory

from core.middleware import BadTextMiddleware, bad_text_fields


def _json(body: str):
    return RequestFactory().post("/api/v1/pools/", data=body.encode(), content_type="application/json")


@pytest.mark.parametrize("body, fields", [
    ('{"name": "a\\u0000b"}', ["name"]),
    ('{"name": "x", "note": "\\ud800"}', ["note"]),
    ('{"list": ["ok", "\\udfff"]}', ["list"]),
    ('["\\u0000"]', ["__all__"]),
    ('{"name": "raw\x00nul"}', ["__all__"]),
])
def test_json_bodies_with_unstorable_text_are_named(body, fields):
    assert bad_text_fields(_json(body)) == fields


@pytest.mark.parametrize("body", ['{"name": "fine"}', '{"name": "a literal \\\\u0000 is text"}', '{"e": "\\ud83d\\ude00"}',
                                  "not json"])
def test_ordinary_bodies_pass(body):
    assert bad_text_fields(_json(body)) is None


def test_query_strings_and_forms():
    rf = RequestFactory()
    assert bad_text_fields(rf.get("/dashboard/calls/?source=%00&medium=cpc")) == ["source"]
    assert bad_text_fields(rf.get("/dashboard/calls/?source=%2500")) is None
    form = rf.post("/telephony/twilio/voice", data=b"To=%2B1202%00&From=x", content_type="application/x-www-form-urlencoded")
    assert bad_text_fields(form) == ["To"]


def test_the_middleware_answers_400_before_the_view():
    called = []
    middleware = BadTextMiddleware(lambda request: called.append(request))
    response = middleware(RequestFactory().post("/dni/k/assign", data=json.dumps({"page_url": "\x00"}),
                                                content_type="application/json"))
    assert response.status_code == 400 and called == []
    assert json.loads(response.content)["error"]["fields"] == {"page_url": [json.loads(response.content)["error"]["message"]]}
    response = middleware(RequestFactory().get("/dashboard/calls/?source=%00"))
    assert response.status_code == 400 and "source" in response.content.decode()
