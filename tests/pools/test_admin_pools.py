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


def test_saving_an_automated_pool_says_which_numbers_it_bought(transactional_db, admin_client_for_account, account, website):
    form = _pool_form(account, website, name="Auto", kind="automated", size=3, utilization="1")

    response = admin_client_for_account.post(reverse("admin:pools_pool_add"), form, follow=True)

    pool = Pool.objects.get(name="Auto")
    bought = list(CallTracker.objects.live().filter(pool=pool).order_by("created_at", "pk"))
    assert len(bought) == 3
    messages = [str(m) for m in response.context["messages"]]
    [summary] = [m for m in messages if m.startswith("“Auto”: bought 3 numbers:")]
    from core.phones import phone_display

    assert all(phone_display(t.tracking_number) in summary for t in bought)


def test_saving_a_manual_pool_buys_nothing_and_says_nothing_about_numbers(transactional_db, admin_client_for_account, account, website):
    response = admin_client_for_account.post(reverse("admin:pools_pool_add"), _pool_form(account, website), follow=True)
    assert not CallTracker.objects.exists()
    assert not any("bought" in str(m) for m in response.context["messages"])


def test_provision_action_refuses_an_automated_pool_and_warns_on_the_form(admin_client_for_account, account):
    pool = PoolFactory(account=account, name="Auto", kind="automated", size=2)
    url = reverse("admin:pools_pool_changelist")
    form = admin_client_for_account.post(url, {"action": "provision_numbers", "_selected_action": [pool.pk]})
    assert b"Automated pools get their numbers from the rules engine" in form.content

    done = admin_client_for_account.post(
        url, {"action": "provision_numbers", "_selected_action": [pool.pk], "apply": "1", "count": "4"}, follow=True)

    assert not CallTracker.objects.filter(pool=pool).exists()
    messages = [str(m) for m in done.context["messages"]]
    assert any("is automated: the rules engine buys its numbers" in m for m in messages)
    assert "0 numbers provisioned." in messages


def test_the_add_form_has_the_pool_type_guide_with_the_admins_measured_peaks(admin_client_for_account, account, website, other_account):
    from django.utils import timezone

    from pools.models import ConcurrencySample

    pool = PoolFactory(account=account, website=website, tracking="visitor")
    ConcurrencySample.objects.create(pool=pool, sampled_at=timezone.now(), leased=4, size=6)
    ConcurrencySample.objects.create(pool=PoolFactory(account=other_account, tracking="visitor"), sampled_at=timezone.now(), leased=33, size=40)

    body = admin_client_for_account.get(reverse("admin:pools_pool_add")).content.decode()

    assert "Which pool type?" in body and "Source pool" in body and "Visitor pool" in body and "Manual static numbers" in body
    assert f"{website.name}: peak 4 concurrent visitors → <strong>6 numbers</strong> (not enough data yet" in body
    assert "33 concurrent" not in body


def test_the_change_form_has_no_guide(admin_client_for_account, account, website):
    pool = PoolFactory(account=account, website=website)
    body = admin_client_for_account.get(reverse("admin:pools_pool_change", args=[pool.pk])).content.decode()
    assert "which-pool-type" not in body


def test_admin_creates_an_offline_pool_and_a_google_ads_visitor_pool(admin_client_for_account, account, website):
    url = reverse("admin:pools_pool_add")
    offline = _pool_form(account, website, name="Billboard",
                         offline='{"label": "I-25 billboard", "source": "Billboard", "medium": "offline"}')
    response = admin_client_for_account.post(url, offline)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Pool.objects.get(name="Billboard").offline == {"label": "I-25 billboard", "source": "billboard",
                                                          "medium": "offline"}
    ads = _pool_form(account, website, name="Ads", tracking="visitor",
                     traffic_filter='{"sources": ["google"], "mediums": ["cpc"]}')
    response = admin_client_for_account.post(url, ads)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Pool.objects.get(name="Ads").traffic_filter == {"sources": ["google"], "mediums": ["cpc"]}


def test_admin_refuses_a_traffic_filter_on_a_source_pool(admin_client_for_account, account, website):
    response = admin_client_for_account.post(reverse("admin:pools_pool_add"), _pool_form(
        account, website, traffic_filter='{"sources": ["google"]}'))
    assert response.status_code == 200
    assert "traffic_filter" in response.context["adminform"].form.errors
