import pytest

from api.models import ApiToken
from tests.api.conftest import error
from tests.factories import CallTrackerFactory, PoolFactory
from trackers.models import TrackerStatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def manual_pool(account, website):
    return PoolFactory(account=account, website=website, name="Manual")


@pytest.fixture
def automated_pool(account, website):
    return PoolFactory(account=account, website=website, name="Auto", automated=True)


def test_list_filters_by_pool_and_status(api_client, manual_pool, automated_pool):
    active = CallTrackerFactory(pool=manual_pool, active=True, source="google", medium="cpc")
    CallTrackerFactory(pool=manual_pool)
    CallTrackerFactory(pool=automated_pool, active=True)
    response = api_client.get(f"/api/v1/trackers/?pool={manual_pool.pk}&status=active")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [active.pk]
    assert rows[0] == {
        "id": active.pk, "pool": manual_pool.pk, "tracking_number": active.tracking_number, "status": "active",
        "source": "google", "medium": "cpc", "original_number": "+12025550100", "flagged_at": None,
    }


def test_bad_status_filter_gets_400(api_client):
    response = api_client.get("/api/v1/trackers/?status=lost")
    assert response.status_code == 400
    assert "status" in error(response)["fields"]


def test_patch_status_on_manual_pool_writes_history(api_client, manual_pool):
    tracker = CallTrackerFactory(pool=manual_pool)
    response = api_client.patch(f"/api/v1/trackers/{tracker.pk}/", {"status": "active", "source": "bing", "medium": "cpc"},
                                format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "active"
    assert response.json()["source"] == "bing"
    change = TrackerStatusChange.objects.get(tracker=tracker)
    token = ApiToken.objects.get(account=manual_pool.account, scope="write")
    assert (change.from_status, change.to_status, change.actor_label) == ("available", "active", f"API token {token.key_hint}… (api)")


def test_patch_source_only_keeps_status(api_client, manual_pool):
    tracker = CallTrackerFactory(pool=manual_pool, active=True)
    response = api_client.patch(f"/api/v1/trackers/{tracker.pk}/", {"source": "facebook"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["source"]) == ("active", "facebook")


def test_patch_on_automated_pool_gets_409(api_client, automated_pool):
    tracker = CallTrackerFactory(pool=automated_pool)
    response = api_client.patch(f"/api/v1/trackers/{tracker.pk}/", {"status": "active"}, format="json")
    assert response.status_code == 409
    assert error(response)["code"] == "not_manual"
    tracker.refresh_from_db()
    assert tracker.status == "available"


def test_patch_with_bad_status_gets_400(api_client, manual_pool):
    tracker = CallTrackerFactory(pool=manual_pool)
    response = api_client.patch(f"/api/v1/trackers/{tracker.pk}/", {"status": "gone"}, format="json")
    assert response.status_code == 400
    assert "status" in error(response)["fields"]


def test_empty_patch_gets_400(api_client, manual_pool):
    tracker = CallTrackerFactory(pool=manual_pool)
    assert api_client.patch(f"/api/v1/trackers/{tracker.pk}/", {}, format="json").status_code == 400


def test_other_account_gets_404(other_client, manual_pool):
    tracker = CallTrackerFactory(pool=manual_pool)
    assert other_client.get(f"/api/v1/trackers/{tracker.pk}/").status_code == 404
    assert other_client.patch(f"/api/v1/trackers/{tracker.pk}/", {"status": "active"}, format="json").status_code == 404
    assert other_client.get(f"/api/v1/trackers/?pool={manual_pool.pk}").json()["count"] == 0


def test_read_scope_cannot_patch(read_client, manual_pool):
    tracker = CallTrackerFactory(pool=manual_pool)
    assert read_client.patch(f"/api/v1/trackers/{tracker.pk}/", {"status": "active"}, format="json").status_code == 403


def test_anonymous_gets_401(anon_client):
    assert anon_client.get("/api/v1/trackers/").status_code == 401


def test_post_gets_405(api_client):
    assert api_client.post("/api/v1/trackers/", {}, format="json").status_code == 405


def test_list_query_count_is_constant(api_client, manual_pool, django_assert_max_num_queries):
    for _ in range(6):
        CallTrackerFactory(pool=manual_pool)
    with django_assert_max_num_queries(4):
        assert api_client.get("/api/v1/trackers/").json()["count"] == 6
