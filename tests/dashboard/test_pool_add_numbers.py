from django.urls import reverse
from django.utils import timezone

from tests.factories import PoolFactory
from trackers.models import CallTracker


def _url(pool):
    return reverse("dashboard:pool_add_numbers", args=[pool.pk])


def test_an_account_admin_adds_numbers_from_the_pool_page(admin_client_for_account, pool):
    page = admin_client_for_account.get(reverse("dashboard:pool_detail", args=[pool.pk])).content.decode()
    assert "Add numbers" in page
    response = admin_client_for_account.post(_url(pool), {"count": 2}, follow=True)
    assert CallTracker.objects.live().filter(pool=pool).count() == 2
    assert "Added 2 numbers to Main line." in response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("dashboard:pool_detail", args=[pool.pk]))


def test_marketers_see_no_button_and_cannot_buy(marketer_client, pool):
    page = marketer_client.get(reverse("dashboard:pool_detail", args=[pool.pk])).content.decode()
    assert "Add numbers" not in page
    response = marketer_client.post(_url(pool), {"count": 1})
    assert response.status_code == 403
    assert not CallTracker.objects.exists()
    assert "Only account admins can do this" in response.content.decode()


def test_the_service_rules_hold_here_too(admin_client_for_account, account):
    retired = PoolFactory(account=account, retired_at=timezone.now())
    response = admin_client_for_account.post(_url(retired), {"count": 1}, follow=True)
    assert not CallTracker.objects.exists()
    assert "Numbers were not added" in response.content.decode() and "retired" in response.content.decode()
    assert "Numbers were not added: choose between 1 and 50." in admin_client_for_account.post(
        _url(retired), {"count": 0}, follow=True).content.decode()


def test_another_accounts_pool_is_404(admin_client_for_account, other_account):
    other = PoolFactory(account=other_account)
    assert admin_client_for_account.post(_url(other), {"count": 1}).status_code == 404
    assert not CallTracker.objects.exists()


def test_the_pool_page_says_where_new_numbers_come_from(admin_client_for_account, account, website):
    denver = PoolFactory(account=account, website=website, name="Denver", original_number="+17205550100")

    page = admin_client_for_account.get(reverse("dashboard:pool_detail", args=[denver.pk])).content.decode()

    assert "local: area code 720, then region CO (US), then near (720) 555-0100" in page


def test_added_numbers_say_which_search_found_them(admin_client_for_account, account, website):
    denver = PoolFactory(account=account, website=website, name="Denver", original_number="+17205550100",
                         number_request={"type": "area_code", "area_code": "303", "country": "US"})

    response = admin_client_for_account.post(_url(denver), {"count": 1}, follow=True)

    assert "Added 1 number to Denver. Bought (303) 555-0100 from area code 303." in response.content.decode()


def test_an_area_code_without_numbers_fails_clearly_and_buys_nothing(admin_client_for_account, account, website):
    cheyenne = PoolFactory(account=account, website=website, name="Cheyenne", original_number="+13075550100",
                           number_request={"type": "area_code", "area_code": "307", "country": "US"})

    response = admin_client_for_account.post(_url(cheyenne), {"count": 1}, follow=True)

    page = response.content.decode()
    assert "Numbers were not added: The sandbox provider has 0 of the 1 numbers" in page
    assert "Searched: area code 307 (0 found)." in page
    assert not CallTracker.objects.exists()
