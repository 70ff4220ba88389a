from django.urls import reverse

from pools.models import Pool
from tests.factories import PoolFactory
from trackers.models import CallTracker


def _pool_form(account, website, **overrides):
    data = {
        "account": account.pk, "website": website.pk, "name": "Sales", "kind": "manual", "tracking": "source",
        "original_number": "(202) 555-0100", "size": 5, "utilization": "1", "min_visits": 100,
        "visit_window_days": 30, "flag_days": 30, "lease_minutes": 30, "exhaustion": "original", "max_size": 50,
        "trackers-TOTAL_FORMS": 0, "trackers-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


def test_admin_creates_a_pool_storing_the_typed_number_as_e164(admin_client_for_account, account, website):
    response = admin_client_for_account.post(reverse("admin:pools_pool_add"), _pool_form(account, website))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Pool.objects.get(name="Sales").original_number == "+12025550100"


def test_admin_shows_a_clear_error_for_a_bad_phone_number(admin_client_for_account, account, website):
    response = admin_client_for_account.post(reverse("admin:pools_pool_add"), _pool_form(account, website, original_number="555"))
    assert response.status_code == 200
    assert "original_number" in response.context["adminform"].form.errors
    assert not Pool.objects.exists()


def test_admin_shows_a_clear_error_for_utilization_above_one(admin_client_for_account, account, website):
    response = admin_client_for_account.post(reverse("admin:pools_pool_add"), _pool_form(account, website, utilization="1.5"))
    assert response.status_code == 200
    assert "utilization" in response.context["adminform"].form.errors


def test_provision_action_asks_for_a_count_then_adds_trackers(admin_client_for_account, account):
    pool = PoolFactory(account=account, tracking="visitor")
    url = reverse("admin:pools_pool_changelist")
    form = admin_client_for_account.post(url, {"action": "provision_numbers", "_selected_action": [pool.pk]})
    assert form.status_code == 200 and b"How many numbers" in form.content
    done = admin_client_for_account.post(url, {"action": "provision_numbers", "_selected_action": [pool.pk], "apply": "1", "count": "4"})
    assert done.status_code == 302
    assert CallTracker.objects.filter(pool=pool, status="active").count() == 4
