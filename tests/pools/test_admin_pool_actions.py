from django.urls import reverse
from django.utils import timezone

from pools.models import Pool
from tests.factories import CallTrackerFactory, PoolFactory
from tests.pools.conftest import statuses
from trackers.models import TrackerStatusChange

URL = "admin:pools_pool_changelist"


def _act(client, action, pools):
    return client.post(reverse(URL), {"action": action, "_selected_action": [p.pk for p in pools]}, follow=True)


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_enforce_rules_now_runs_the_engine_and_reports_the_count(admin_client_for_account, auto_pool, add_visits):
    add_visits("google", "organic", 40, at=timezone.now() - timezone.timedelta(hours=1))

    response = _act(admin_client_for_account, "enforce_rules", [auto_pool])

    assert "5 actions taken on 1 pool." in _messages(response)
    [listed] = [m for m in _messages(response) if m.startswith("“Auto”: ")]
    assert listed.startswith("“Auto”: 5 actions: create new number (the pool holds 0 of 4 trackers; "
                              "bought from area code 202);")
    assert "google/organic is on the top list (40 visits)" in listed
    assert statuses(auto_pool) == {"active": 1, "available": 3}
    assert TrackerStatusChange.objects.filter(actor__username="alice-admin", to_status="active").count() == 1


def test_reassign_action_reports_how_many_trackers_moved(admin_client_for_account, auto_pool):
    CallTrackerFactory(pool=auto_pool, active=True, original_number="+12025550199")
    response = _act(admin_client_for_account, "reassign_original", [auto_pool])
    assert "1 number reassigned to their pool's original number." in _messages(response)


def test_retire_action_retires_and_reports_the_count(admin_client_for_account, auto_pool):
    CallTrackerFactory(pool=auto_pool, active=True)
    response = _act(admin_client_for_account, "retire_pools", [auto_pool])
    assert any(m.startswith("1 pool retired") for m in _messages(response))
    assert Pool.objects.get(pk=auto_pool.pk).retired_at is not None
    assert statuses(auto_pool) == {"flagged": 1}


def test_actions_do_not_reach_another_accounts_pool(admin_client_for_account, other_account):
    other = PoolFactory(account=other_account)
    CallTrackerFactory(pool=other, active=True)
    _act(admin_client_for_account, "retire_pools", [other])
    assert Pool.objects.get(pk=other.pk).retired_at is None


def test_enforce_rules_now_on_a_pool_following_its_rules_says_so(admin_client_for_account, account):
    pool = PoolFactory(account=account, name="Manual")
    response = _act(admin_client_for_account, "enforce_rules", [pool])
    assert "“Manual”: nothing to do, the pool follows its rules." in _messages(response)


def test_pool_form_is_grouped_with_help_and_a_script_that_hides_what_does_not_apply(admin_client_for_account, auto_pool):
    response = admin_client_for_account.get(reverse("admin:pools_pool_change", args=[auto_pool.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for legend in ["Automated rules", "Visitor sessions", "Recording"]:
        assert f">{legend}</h2>" in body, legend
    assert "applies-kind-automated" in body and "applies-tracking-visitor" in body
    assert "admin/pools/pool_form.js" in body
    assert "A source needs at least this many visits" in body  # every field explains itself in a sentence
    fields = [field for _, options in response.context["adminform"].model_admin.fieldsets for field in options["fields"]]
    assert len(fields) == len(set(fields))
