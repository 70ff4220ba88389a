"""The pool admin retires pools (pools.services.pool_retire) instead of offering a Delete that always failed."""

from django.urls import reverse

from pools.models import Pool
from tests.factories import CallTrackerFactory, PoolFactory
from trackers.models import CallTracker


def _retire_url(pool):
    return reverse("admin:pools_pool_retire", args=[pool.pk])


def test_the_change_form_offers_retire_and_no_delete(admin_client_for_account, account):
    pool = PoolFactory(account=account)
    CallTrackerFactory(pool=pool, active=True)  # the tracker that made Delete fail (PROTECT)
    body = admin_client_for_account.get(reverse("admin:pools_pool_change", args=[pool.pk])).content.decode()
    assert _retire_url(pool) in body
    assert reverse("admin:pools_pool_delete", args=[pool.pk]) not in body


def test_delete_is_neither_a_page_nor_a_bulk_action(admin_client_for_account, account):
    pool = PoolFactory(account=account)
    assert admin_client_for_account.get(reverse("admin:pools_pool_delete", args=[pool.pk])).status_code == 403
    changelist = admin_client_for_account.get(reverse("admin:pools_pool_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_retire_asks_first_then_retires_through_the_service(admin_client_for_account, account):
    pool = PoolFactory(account=account)
    active = CallTrackerFactory(pool=pool, active=True)

    confirm = admin_client_for_account.get(_retire_url(pool))
    assert confirm.status_code == 200 and "keep forwarding" in confirm.content.decode()
    assert Pool.objects.get(pk=pool.pk).retired_at is None

    response = admin_client_for_account.post(_retire_url(pool), follow=True)
    assert Pool.objects.get(pk=pool.pk).retired_at is not None
    assert CallTracker.objects.get(pk=active.pk).status == CallTracker.Status.FLAGGED  # keeps forwarding for flag_days
    assert any("retired" in str(m) for m in response.context["messages"])
    assert _retire_url(pool) not in response.content.decode()  # nothing left to retire


def test_another_accounts_pool_cannot_be_retired(admin_client_for_account, other_account):
    pool = PoolFactory(account=other_account)
    assert admin_client_for_account.post(_retire_url(pool)).status_code == 404
    assert Pool.objects.get(pk=pool.pk).retired_at is None


def test_a_marketer_cannot_retire(client, marketer, account):
    pool = PoolFactory(account=account)
    client.force_login(marketer)
    assert client.post(_retire_url(pool)).status_code in (302, 403, 404)
    assert Pool.objects.get(pk=pool.pk).retired_at is None
