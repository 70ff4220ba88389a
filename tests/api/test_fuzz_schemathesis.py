"""Schemathesis against the served OpenAPI schema: generated requests to every operation, no 5xx allowed.

Runs in `make test` (about a minute on SQLite), once with the sandbox provider and once with the account on Twilio
while the provider is unreachable (network errors). FUZZ_EXAMPLES raises the examples per operation (`make fuzz`).
"""

import os
from unittest import mock

import pytest
import requests
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings

from api.services import api_token_create
from tests.factories import (
    AccountFactory,
    CallFactory,
    CallTrackerFactory,
    PoolFactory,
    TelephonySettingsFactory,
    VisitFactory,
    WebsiteFactory,
)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))


@pytest.fixture
def wsgi_keeps_test_connection():
    """Like Django's test client: the WSGI handler must not close the connection that holds the test transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["sandbox", "provider_down"])
def provider(request, settings):
    """`provider_down`: the account is on Twilio with credentials, and every outbound HTTP request (the Twilio SDK's,
    GA4's, webhooks') fails with a network error, as when the provider is unreachable."""
    if request.param == "sandbox":
        yield request.param
        return
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "1" * 32, "fuzz-token"
    with mock.patch("requests.Session.send", side_effect=requests.ConnectionError("provider unreachable")):
        yield request.param


@pytest.fixture
def fuzz_key(db, wsgi_keeps_test_connection, provider):
    account = AccountFactory(name="Fuzz Co")
    if provider == "provider_down":
        TelephonySettingsFactory(account=account, provider="twilio")
    website = WebsiteFactory(account=account, key="fuzzsite")
    pool = PoolFactory(account=account, website=website)
    automated = PoolFactory(account=account, website=website, automated=True, size=2)
    if provider == "provider_down":  # deleting it releases its number at the provider
        CallTrackerFactory(pool=automated, active=True, provider="twilio", provider_number_id="PN" + "2" * 32)
    tracker = CallTrackerFactory(pool=pool, active=True)
    CallFactory(tracker=tracker, visit=VisitFactory(website=website, gclid="g"))
    _, key = api_token_create(account=account, scope="write")
    return key


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_never_answers_5xx(case, fuzz_key):
    case.headers = {**(case.headers or {}), "Authorization": f"Token {fuzz_key}"}
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.query} → {response.status_code}: {response.text[:500]}"
    if response.status_code >= 400:
        assert "json" in str(response.headers.get("content-type")), (
            f"{case.method} {case.formatted_path} {case.headers} → {response.status_code}: {response.text[:300]}")
        body = response.json()
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
