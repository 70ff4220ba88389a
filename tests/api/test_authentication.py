import pytest
from rest_framework.test import APIClient

from api.models import ApiToken, hash_key
from api.services import api_token_create, api_token_revoke
from tests.api.conftest import error

pytestmark = pytest.mark.django_db


def test_key_is_stored_only_as_hash(account):
    token, key = api_token_create(account=account, scope="read")
    assert token.key_hash == hash_key(key) and key not in (token.key_hash, token.key_hint)
    assert ApiToken.objects.filter(key_hash=hash_key(key)).count() == 1


def test_wrong_key_gets_401(account):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token cp_nope")
    response = client.get("/api/v1/pools/")
    assert response.status_code == 401
    assert error(response)["code"] == "authentication_failed"


def test_revoked_token_gets_401(account):
    token, key = api_token_create(account=account, scope="write")
    api_token_revoke(token=token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/pools/").status_code == 401


def test_session_login_is_not_enough(marketer_client):
    # The API acts for an account through a token only; a dashboard session must not reach it.
    assert marketer_client.get("/api/v1/pools/").status_code == 401


def test_use_is_recorded(account):
    token, key = api_token_create(account=account, scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/v1/pools/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_unknown_scope_is_rejected(account):
    from core.errors import DomainError

    with pytest.raises(DomainError):
        api_token_create(account=account, scope="admin")
