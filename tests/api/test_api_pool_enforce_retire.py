from datetime import timedelta

import pytest
from django.utils import timezone

from pools.models import Pool
from tests.api.conftest import error
from tests.factories import CallTrackerFactory, PoolFactory, VisitFactory
from trackers.models import CallTracker

pytestmark = pytest.mark.django_db


@pytest.fixture
def automated_pool(account, website):
    pool = PoolFactory(account=account, website=website, kind="automated", tracking="source", size=2, utilization="1", min_visits=3)
    for _ in range(3):
        VisitFactory(website=website, source="google", medium="cpc", started_at=timezone.now() - timedelta(hours=1))
    return pool


def test_enforce_runs_the_rules_and_returns_each_action_with_its_reason(api_client, automated_pool):
    response = api_client.post(f"/api/v1/pools/{automated_pool.pk}/enforce")
    assert response.status_code == 200, response.content
    actions = response.json()["actions"]
    assert {a["action"] for a in actions} >= {"create", "activate"}
    assert all(set(a) == {"action", "tracker", "reason"} and a["reason"] for a in actions)
    activated = [a for a in actions if a["action"] == "activate"]
    assert activated[0]["tracker"].startswith("+1")
    assert CallTracker.objects.live().filter(pool=automated_pool, status="active", source="google").count() == 1


def test_enforce_twice_returns_no_actions_the_second_time(api_client, automated_pool):
    api_client.post(f"/api/v1/pools/{automated_pool.pk}/enforce")
    assert api_client.post(f"/api/v1/pools/{automated_pool.pk}/enforce").json()["actions"] == []


def test_enforce_dry_run_changes_nothing(api_client, automated_pool):
    response = api_client.post(f"/api/v1/pools/{automated_pool.pk}/enforce?dry_run=true")
    assert response.json()["dry_run"] is True and response.json()["actions"]
    assert not CallTracker.objects.filter(pool=automated_pool).exists()


def test_enforce_needs_write_scope(read_client, automated_pool):
    response = read_client.post(f"/api/v1/pools/{automated_pool.pk}/enforce")
    assert response.status_code == 403
    assert error(response)["code"]


def test_enforce_on_another_accounts_pool_is_404(other_client, automated_pool):
    assert other_client.post(f"/api/v1/pools/{automated_pool.pk}/enforce").status_code == 404


def test_enforce_rejects_get(api_client, automated_pool):
    assert api_client.get(f"/api/v1/pools/{automated_pool.pk}/enforce").status_code == 405


def test_delete_retires_the_pool_keeping_its_data(api_client, account, website):
    pool = PoolFactory(account=account, website=website)
    tracker = CallTrackerFactory(pool=pool, active=True)
    response = api_client.delete(f"/api/v1/pools/{pool.pk}/")
    assert response.status_code == 204
    pool.refresh_from_db()
    tracker.refresh_from_db()
    assert pool.retired_at is not None
    # Still forwarding calls for flag_days before the number is released.
    assert tracker.status == "flagged" and tracker.deleted_at is None
    assert Pool.objects.filter(pk=pool.pk).exists()
    assert api_client.get(f"/api/v1/pools/{pool.pk}/").json()["retired_at"] is not None


def test_delete_on_another_accounts_pool_is_404_and_changes_nothing(other_client, account, website):
    pool = PoolFactory(account=account, website=website)
    assert other_client.delete(f"/api/v1/pools/{pool.pk}/").status_code == 404
    pool.refresh_from_db()
    assert pool.retired_at is None


def test_delete_needs_write_scope(read_client, account, website):
    pool = PoolFactory(account=account, website=website)
    assert read_client.delete(f"/api/v1/pools/{pool.pk}/").status_code == 403


def test_enforce_on_twilio_without_credentials_is_a_409_and_the_pool_says_why(api_client, automated_pool, settings):
    from telephony.models import TelephonySettings

    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    TelephonySettings.objects.create(account=automated_pool.account, provider="twilio")

    response = api_client.post(f"/api/v1/pools/{automated_pool.pk}/enforce")

    assert response.status_code == 409, response.content
    assert error(response)["code"] == "provider_error"
    assert error(response)["message"].startswith("The pool cannot get numbers: Twilio credentials are missing")
    health = api_client.get(f"/api/v1/pools/{automated_pool.pk}/").json()["health"]
    assert health["state"] == "cannot_buy_numbers"
    assert "Twilio credentials are missing" in health["reason"] and "telephony settings" in health["reason"]


def test_health_is_read_only(api_client, automated_pool):
    response = api_client.patch(f"/api/v1/pools/{automated_pool.pk}/", {"health": {"state": "ok"}, "size": 3},
                                format="json")
    assert response.status_code == 200
    assert response.json()["health"]["state"] == "not_activating"  # automated, nothing active yet
