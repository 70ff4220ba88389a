"""Bad input on PostgreSQL: NUL bytes, lone surrogates, invalid UTF-8 and oversized numbers never give a 500.

PostgreSQL refuses NUL in text and the driver cannot encode lone surrogates, so each of these used to be a
server error somewhere. Hypothesis drives the assign endpoint (JSON), both Twilio webhooks signed and
unsigned (form-encoded, before and after the signature check) and the dashboard's call filters.
"""

import json
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.calls.payloads import TEST_TOKEN, dialed_status_payload, sign, voice_payload
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NASTY = ["\x00", "a\x00b", "\ud800", "x\udfff", "\ud83d", "\udc00\ud800", "9" * 40, "-" + "9" * 20, "1e999",
         "NaN", "", " ", "\ufffd", "\u202e", "%00", "\\u0000"]
nasty_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.one_of(st.characters(), st.sampled_from(["\x00", "\ud800", "\udfff"])), max_size=12),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

tried: Counter = Counter()


def _form_body(params: dict) -> bytes:
    """Form-encode like a client would, surrogates as their (invalid) UTF-8 bytes."""
    return urlencode(params, encoding="utf-8", errors="surrogatepass").encode()


def _signed_headers(body: bytes, path: str) -> dict:
    # Sign what the server will decode (Django replaces invalid UTF-8), so the check passes.
    decoded = {key: value for key, value in QueryDict(body).items()}
    return {"HTTP_X_TWILIO_SIGNATURE": sign(decoded, path)}


@pytest.fixture
def world(account, website, settings):
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = TEST_TOKEN
    settings.PUBLIC_BASE_URL = "http://testserver"
    settings.DNI_RATE_LIMIT = 0
    pool = PoolFactory(account=account, website=website, visitor=True, original_number="+12025550100")
    tracker = CallTrackerFactory(pool=pool, active=True)
    call = CallFactory(tracker=tracker, provider_call_id="CA" + "c" * 32)
    return {"tracker": tracker, "call": call}


@pytest.fixture
def fuzz_client(client):
    client.raise_request_exception = False  # a 500 must show up as a status, not an exception
    return client


def _ok(response, label):
    tried[label] += 1
    assert response.status_code < 500, (label, response.status_code, response.content[:300])


def test_assign_json_fields(fuzz_client, world):
    fields = ["page_url", "referrer", "visitor_id", "session_id", "ga_client_id", "ga_session_id"]

    @FUZZ
    @given(field=st.sampled_from(fields), value=nasty_text)
    def run(field, value):
        body = {"page_url": "https://alice.example.com/?utm_source=x", field: value}
        response = fuzz_client.post("/dni/alicesite/assign", data=json.dumps(body), content_type="application/json",
                                    HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
                                    HTTP_ORIGIN="https://alice.example.com")
        _ok(response, "assign")

    run()


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_voice_webhook(fuzz_client, world, signed):
    path = "/telephony/twilio/voice"
    base = voice_payload(to=world["tracker"].tracking_number)

    @FUZZ
    @given(field=st.sampled_from(["To", "Called", "From", "Caller", "CallSid", "CallStatus", "AccountSid"]),
           value=nasty_text)
    def run(field, value):
        body = _form_body({**base, field: value})
        headers = _signed_headers(body, path) if signed else {"HTTP_X_TWILIO_SIGNATURE": "bad"}
        response = fuzz_client.post(path, data=body, content_type="application/x-www-form-urlencoded", **headers)
        _ok(response, f"voice ({'signed' if signed else 'unsigned'})")

    run()


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_status_webhook(fuzz_client, world, signed):
    path = "/telephony/twilio/status"
    base = dialed_status_payload(parent_sid=world["call"].provider_call_id, status="completed", sequence=3,
                                 call_duration=30)

    @FUZZ
    @given(field=st.sampled_from(["SequenceNumber", "CallSid", "ParentCallSid", "CallStatus", "CallDuration",
                                  "Timestamp", "To", "From"]), value=nasty_text)
    def run(field, value):
        body = _form_body({**base, field: value})
        headers = _signed_headers(body, path) if signed else {"HTTP_X_TWILIO_SIGNATURE": "bad"}
        response = fuzz_client.post(path, data=body, content_type="application/x-www-form-urlencoded", **headers)
        _ok(response, f"status ({'signed' if signed else 'unsigned'})")

    run()


def test_dashboard_call_filters(fuzz_client, world, marketer):
    fuzz_client.force_login(marketer)

    @FUZZ
    @given(field=st.sampled_from(["source", "medium", "pool", "status", "q", "after", "first_time", "answered",
                                  "website", "from", "to", "range"]), value=nasty_text)
    def run(field, value):
        query = urlencode({field: value}, encoding="utf-8", errors="surrogatepass")
        response = fuzz_client.get(f"/dashboard/calls/?{query}")
        _ok(response, "dashboard calls")
        response = fuzz_client.get(f"/dashboard/reports/source/?{query}")
        _ok(response, "dashboard report")

    run()


def test_the_reviewers_exact_inputs(fuzz_client, world, marketer):
    fuzz_client.force_login(marketer)
    assert fuzz_client.get("/dashboard/calls/?source=%00").status_code == 400
    body = json.dumps({"page_url": "https://alice.example.com/\x00"})
    response = fuzz_client.post("/dni/alicesite/assign", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_characters"
    status = dialed_status_payload(parent_sid=world["call"].provider_call_id, status="completed", sequence=10**30)
    body = _form_body(status)
    response = fuzz_client.post("/telephony/twilio/status", data=body, content_type="application/x-www-form-urlencoded",
                                **_signed_headers(body, "/telephony/twilio/status"))
    assert response.status_code == 400


def teardown_module(module):
    if tried:
        print("\nbad inputs tried per endpoint (0 server errors): "
              + ", ".join(f"{label}: {count}" for label, count in sorted(tried.items())))
