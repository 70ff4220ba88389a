"""`number_request` on /api/v1/pools/: where a pool's new numbers come from, validated, and the searches shown."""

import pytest

from tests.api.conftest import error
from tests.factories import PoolFactory

pytestmark = pytest.mark.django_db

DENVER = {"name": "Denver", "website": "alicesite", "original_number": "(720) 555-0100"}


def test_a_new_pool_asks_for_local_numbers_and_lists_the_searches(api_client, website):
    response = api_client.post("/api/v1/pools/", DENVER, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number_request"] == {"type": "local", "country": "US"}
    assert body["number_searches"] == ["area code 720", "region CO (US)", "near (720) 555-0100"]


def test_a_chosen_area_code_is_stored_and_is_the_only_search(api_client, website):
    response = api_client.post("/api/v1/pools/", {**DENVER, "number_request": {"type": "area_code", "area_code": "303"}},
                               format="json")

    assert response.status_code == 201, response.content
    assert response.json()["number_request"] == {"type": "area_code", "country": "US", "area_code": "303"}
    assert response.json()["number_searches"] == ["area code 303"]


def test_patching_to_toll_free(api_client, account, website):
    pool = PoolFactory(account=account, website=website)

    response = api_client.patch(f"/api/v1/pools/{pool.pk}/", {"number_request": {"type": "toll_free"}}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["number_searches"] == ["toll-free numbers (US)"]


def test_a_national_business_asks_for_any_area_code(api_client, website):
    response = api_client.post("/api/v1/pools/", {**DENVER, "number_request": {"type": "any_area_code"}}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["number_request"] == {"type": "any_area_code", "country": "US"}
    assert response.json()["number_searches"] == ["local numbers anywhere in US"]


def test_an_unknown_number_request_type_is_refused(api_client, website):
    response = api_client.post("/api/v1/pools/", {**DENVER, "number_request": {"type": "anywhere"}}, format="json")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["number_request.type"]


def test_an_unreadable_area_code_is_400_in_the_contract_shape(api_client, website):
    response = api_client.post("/api/v1/pools/", {**DENVER, "number_request": {"type": "area_code", "area_code": "72"}},
                               format="json")

    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert error(response)["fields"] == {"number_request.area_code": ["This value does not match the required pattern."]}


def test_an_area_code_without_its_type_is_refused_by_the_rules(api_client, website):
    response = api_client.post("/api/v1/pools/", {**DENVER, "number_request": {"type": "area_code"}}, format="json")

    assert response.status_code == 400
    assert error(response)["fields"] == {"number_request": ["area_code: Give a three-digit area code, e.g. 720."]}


def test_another_accounts_pool_is_404(api_client, other_account):
    other = PoolFactory(account=other_account)

    response = api_client.patch(f"/api/v1/pools/{other.pk}/", {"number_request": {"type": "toll_free"}}, format="json")

    assert response.status_code == 404
