"""Schemathesis against the served OpenAPI schema: generated requests to every operation, no 5xx allowed.

Runs in `make test` (about a minute on SQLite). FUZZ_EXAMPLES raises the examples per operation (`make fuzz`).
"""

import os

import pytest
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


@pytest.fixture
def fuzz_key(db, wsgi_keeps_test_connection):
    account = AccountFactory(name="Fuzz Co")
    website = WebsiteFactory(account=account, key="fuzzsite")
    pool = PoolFactory(account=account, website=website)
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
