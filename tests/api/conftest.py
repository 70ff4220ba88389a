import pytest
from rest_framework.test import APIClient

from api.services import api_token_create


def _client(account, scope):
    _, key = api_token_create(account=account, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api_client(account):
    """Write scope on Alice Co."""
    return _client(account, "write")


@pytest.fixture
def read_client(account):
    return _client(account, "read")


@pytest.fixture
def other_client(other_account):
    """Write scope on Bob Co: must never see Alice's rows."""
    return _client(other_account, "write")


@pytest.fixture
def anon_client():
    return APIClient()


def error(response) -> dict:
    """The contract's error object; fails loudly when the shape is wrong."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]
