import pytest

from accounts.models import Website
from tests.api.conftest import error
from tests.factories import WebsiteFactory

pytestmark = pytest.mark.django_db


def test_list_shows_own_websites_with_snippet(api_client, website, other_account, settings):
    settings.PUBLIC_BASE_URL = "https://calls.example.com"
    WebsiteFactory(account=other_account, key="bobsite")
    response = api_client.get("/api/v1/websites/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["key"] == "alicesite"
    assert row["allowed_origins"] == ["https://alice.example.com"]
    # The same tag as the install page, with the attributes that keep "delay JS" plugins off it.
    assert row["snippet"] == ('<script async src="https://calls.example.com/dni/alicesite.js" data-no-optimize="1" '
                              'data-cfasync="false" nowprocket></script>')
    assert set(row) == {"id", "name", "key", "domains", "allowed_origins", "snippet"}


def test_create_generates_key(api_client, account):
    response = api_client.post("/api/v1/websites/", {"name": "Shop", "domains": ["shop.example.com"],
                                                      "allowed_origins": ["https://shop.example.com"]}, format="json")
    assert response.status_code == 201, response.content
    website = Website.objects.get(account=account, name="Shop")
    assert response.json()["key"] == website.key and len(website.key) >= 8


def test_create_ignores_key_in_input(api_client, account):
    response = api_client.post("/api/v1/websites/", {"name": "Shop", "key": "chosen"}, format="json")
    assert response.status_code == 201
    assert response.json()["key"] != "chosen"


def test_bad_origin_gets_400_in_error_shape(api_client):
    response = api_client.post("/api/v1/websites/", {"name": "Shop", "allowed_origins": ["not a url"]}, format="json")
    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "invalid"
    assert "allowed_origins" in body["fields"]


def test_missing_name_gets_400_with_fields(api_client):
    response = api_client.post("/api/v1/websites/", {}, format="json")
    assert response.status_code == 400
    assert "name" in error(response)["fields"]


def test_patch_updates_origins(api_client, website):
    response = api_client.patch(f"/api/v1/websites/{website.pk}/", {"allowed_origins": ["http://localhost:*"]}, format="json")
    assert response.status_code == 200
    website.refresh_from_db()
    assert website.allowed_origins == ["http://localhost:*"]


def test_other_account_gets_404(other_client, website):
    assert other_client.get(f"/api/v1/websites/{website.pk}/").status_code == 404
    response = other_client.patch(f"/api/v1/websites/{website.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert other_client.get("/api/v1/websites/").json()["count"] == 0


def test_read_scope_cannot_create(read_client):
    response = read_client.post("/api/v1/websites/", {"name": "Shop"}, format="json")
    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"


def test_anonymous_gets_401(anon_client, website):
    response = anon_client.get("/api/v1/websites/")
    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_delete_is_405(api_client, website):
    response = api_client.delete(f"/api/v1/websites/{website.pk}/")
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"
