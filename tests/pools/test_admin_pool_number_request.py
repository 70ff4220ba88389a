"""The admin face of a pool's number request: edited as a form field, shown as its searches, and the
provision action says what it bought and why — or which searches found nothing (issue 22 item 1)."""

import json

from django.urls import reverse

from pools.models import Pool
from tests.factories import PoolFactory
from tests.pools.test_admin_pools import _pool_form
from trackers.models import CallTracker

CHANGELIST = "admin:pools_pool_changelist"


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_admin_creates_a_pool_with_a_chosen_area_code(admin_client_for_account, account, website):
    form = _pool_form(account, website, number_request=json.dumps({"type": "area_code", "area_code": "303"}))

    response = admin_client_for_account.post(reverse("admin:pools_pool_add"), form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Pool.objects.get(name="Sales").number_request == {"type": "area_code", "country": "US", "area_code": "303"}


def test_admin_without_a_request_gets_local_numbers_in_the_originals_country(admin_client_for_account, account, website):
    admin_client_for_account.post(reverse("admin:pools_pool_add"), _pool_form(account, website))

    assert Pool.objects.get(name="Sales").number_request == {"type": "local", "country": "US"}


def test_a_bad_request_is_a_form_error_on_the_field(admin_client_for_account, account, website):
    form = _pool_form(account, website, number_request=json.dumps({"type": "area_code", "area_code": "30"}))

    response = admin_client_for_account.post(reverse("admin:pools_pool_add"), form)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["number_request"] == [
        "area_code: Give a three-digit area code, e.g. 720."]
    assert not Pool.objects.exists()


def test_the_change_form_shows_the_searches_in_order(admin_client_for_account, account):
    pool = PoolFactory(account=account, original_number="+17205550100")

    page = admin_client_for_account.get(reverse("admin:pools_pool_change", args=[pool.pk])).content.decode()

    assert "local: area code 720, then region CO (US), then near (720) 555-0100" in page


def test_provisioning_says_which_search_found_the_numbers(admin_client_for_account, account):
    pool = PoolFactory(account=account, name="Denver", original_number="+17205550100")

    done = admin_client_for_account.post(reverse(CHANGELIST), {"action": "provision_numbers", "_selected_action": [pool.pk],
                                                               "apply": "1", "count": "2"}, follow=True)

    assert "“Denver”: bought (720) 555-0101, (720) 555-0102 from area code 720" in _messages(done)


def test_provisioning_an_area_code_without_numbers_says_what_it_searched_and_buys_nothing(admin_client_for_account, account):
    pool = PoolFactory(account=account, name="Cheyenne", original_number="+13075550100")

    done = admin_client_for_account.post(reverse(CHANGELIST), {"action": "provision_numbers", "_selected_action": [pool.pk],
                                                               "apply": "1", "count": "2"}, follow=True)

    [failure] = [m for m in _messages(done) if m.startswith("Cheyenne: ")]
    assert "Searched: area code 307 (0 found); region WY (US) (0 found); near (307) 555-0100 (0 found)." in failure
    assert not CallTracker.objects.exists()
