from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_prints_a_working_write_key(account):
    out = StringIO()
    call_command("create_api_token", "--account", "Alice Co", "--scope", "write", stdout=out)
    key = out.getvalue().strip()
    assert ApiToken.objects.get(account=account).scope == "write"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/pools/").status_code == 200


def test_default_scope_is_read(account):
    call_command("create_api_token", "--account", "Alice Co", stdout=StringIO())
    assert ApiToken.objects.get(account=account).scope == "read"


def test_unknown_account_fails(db):
    with pytest.raises(CommandError, match="No account"):
        call_command("create_api_token", "--account", "Nobody", stdout=StringIO())
