import pytest

from pools.models import Pool
from tests.api.conftest import error
from tests.factories import CallTrackerFactory, PoolFactory, WebsiteFactory

pytestmark = pytest.mark.django_db

FIELDS = {"id", "name", "website", "kind", "tracking", "original_number", "size", "utilization", "min_visits",
          "visit_window_days", "flag_days", "lease_minutes", "exhaustion", "retired_at", "number_request",
          "number_searches", "counts", "health", "traffic_filter", "offline", "call_flow"}


def test_list_returns_contract_fields_and_counts(api_client, account, website):
    pool = PoolFactory(account=account, website=website, name="Main")
    CallTrackerFactory(pool=pool, active=True)
    CallTrackerFactory(pool=pool, active=True)
    CallTrackerFactory(pool=pool, flagged=True)
    CallTrackerFactory(pool=pool)
    response = api_client.get("/api/v1/pools/")
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert set(row) == FIELDS
    assert row["website"] == "alicesite"
    assert row["counts"] == {"active": 2, "flagged": 1, "available": 1}
    assert row["original_number"] == "+12025550100"


def test_list_query_count_does_not_grow_with_pools(api_client, account, website, django_assert_max_num_queries):
    for n in range(5):
        PoolFactory(account=account, website=website, name=f"P{n}")
    with django_assert_max_num_queries(4):
        assert api_client.get("/api/v1/pools/").json()["count"] == 5


def test_create_parses_any_number_form(api_client, account, website):
    response = api_client.post("/api/v1/pools/", {
        "name": "Sales", "website": "alicesite", "original_number": "(202) 555-0150", "kind": "automated",
        "tracking": "source", "size": 6, "utilization": "0.5",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["original_number"] == "+12025550150"
    assert body["utilization"] == 0.5
    assert body["counts"] == {"active": 0, "flagged": 0, "available": 0}
    assert Pool.objects.get(account=account, name="Sales").size == 6


def test_create_with_bad_number_gets_400_on_that_field(api_client, website):
    response = api_client.post("/api/v1/pools/", {"name": "Sales", "website": "alicesite", "original_number": "12"},
                               format="json")
    assert response.status_code == 400
    assert "original_number" in error(response)["fields"]


def test_create_with_other_accounts_website_gets_400(api_client, other_account):
    WebsiteFactory(account=other_account, key="bobsite")
    response = api_client.post("/api/v1/pools/", {"name": "Sales", "website": "bobsite",
                                                   "original_number": "+12025550150"}, format="json")
    assert response.status_code == 400
    assert "website" in error(response)["fields"]


def test_utilization_above_one_gets_400(api_client, account, website):
    pool = PoolFactory(account=account, website=website)
    response = api_client.patch(f"/api/v1/pools/{pool.pk}/", {"utilization": "1.5"}, format="json")
    assert response.status_code == 400
    assert "utilization" in error(response)["fields"]


def test_patch_goes_through_pool_update(api_client, account, website):
    pool = PoolFactory(account=account, website=website)
    response = api_client.patch(f"/api/v1/pools/{pool.pk}/", {"size": 8, "original_number": "202-555-0177"}, format="json")
    assert response.status_code == 200, response.content
    pool.refresh_from_db()
    assert (pool.size, pool.original_number) == (8, "+12025550177")
    # The pool remembers its old original: the served script keeps swapping it.
    assert [row.number for row in pool.original_numbers.order_by("-started_at", "-id")] == ["+12025550177", "+12025550100"]


def test_duplicate_name_gets_400(api_client, account, website):
    PoolFactory(account=account, website=website, name="Main")
    response = api_client.post("/api/v1/pools/", {"name": "Main", "website": "alicesite",
                                                   "original_number": "+12025550150"}, format="json")
    assert response.status_code == 400
    assert error(response)["code"] == "invalid"


def test_other_account_gets_404(other_client, account, website):
    pool = PoolFactory(account=account, website=website)
    assert other_client.get(f"/api/v1/pools/{pool.pk}/").status_code == 404
    assert other_client.patch(f"/api/v1/pools/{pool.pk}/", {"size": 1}, format="json").status_code == 404
    assert other_client.get("/api/v1/pools/").json()["count"] == 0
    pool.refresh_from_db()
    assert pool.size == 5


def test_read_scope_cannot_update(read_client, account, website):
    pool = PoolFactory(account=account, website=website)
    response = read_client.patch(f"/api/v1/pools/{pool.pk}/", {"size": 1}, format="json")
    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"


def test_anonymous_gets_401(anon_client):
    assert anon_client.get("/api/v1/pools/").status_code == 401


def test_wrong_method_gets_405(api_client):
    response = api_client.delete("/api/v1/pools/")
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"


def test_website_key_with_nul_byte_gets_400(api_client, website):
    response = api_client.post("/api/v1/pools/", {"name": "Sales", "website": "alice\x00site",
                                                   "original_number": "+12025550150"}, format="json")
    assert response.status_code == 400
    assert "website" in error(response)["fields"]


def test_huge_id_gets_404(api_client):
    assert api_client.get(f"/api/v1/pools/{2**70}/").status_code == 404


def test_huge_limit_is_capped(api_client, account, website):
    PoolFactory(account=account, website=website)
    assert api_client.get(f"/api/v1/pools/?limit={2**70}&offset={2**70}").status_code == 200


def test_retired_pool_cannot_be_changed(api_client, account, website):
    from django.utils import timezone

    pool = PoolFactory(account=account, website=website, retired_at=timezone.now())
    response = api_client.patch(f"/api/v1/pools/{pool.pk}/", {"size": 9}, format="json")
    assert response.status_code == 409
    assert error(response)["code"] == "retired"


def test_update_refuses_to_move_a_pool_to_another_website(api_client, account, website):
    pool = PoolFactory(account=account, website=website)
    WebsiteFactory(account=account, key="othersite")
    response = api_client.patch(f"/api/v1/pools/{pool.pk}/", {"website": "othersite"}, format="json")
    assert response.status_code == 400
    assert "website" in error(response)["fields"]
    pool.refresh_from_db()
    assert pool.website == website


def test_each_pool_carries_its_health_state_and_reason(api_client, account, website):
    pool = PoolFactory(account=account, website=website, name="Billboards")
    CallTrackerFactory(pool=pool, active=True, source="billboard", medium="offline")
    row = api_client.get("/api/v1/pools/").json()["results"][0]
    assert row["health"]["state"] == "showing_no_numbers"
    assert row["health"]["reason"].startswith("None of its 1 active numbers' source/mediums had a visit")


def test_the_pool_list_query_count_does_not_grow_with_pools(api_client, account, website, django_assert_max_num_queries):
    for n in range(5):
        CallTrackerFactory(pool=PoolFactory(account=account, website=website, name=f"P{n}"), active=True)
    # token, pools with counts, count(*), health: the active numbers' sources, how far the daily source counts
    # reach, one read of the visit window (nothing counted here: live)
    with django_assert_max_num_queries(7):
        assert api_client.get("/api/v1/pools/").json()["count"] == 5
