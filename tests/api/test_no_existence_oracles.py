"""No existence oracles across tenants: a tenant's admin or API token gets the same answer whether another tenant's
row exists or not (an account name, a username, a call id)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import Account, Membership
from calls.models import Call
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def _account_rename(client, account, name):
    response = client.post(reverse("admin:accounts_account_change", args=[account.pk]), {
        "name": name, "default_region": account.default_region, "timezone": account.timezone, "currency": account.currency,
        "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
    })
    return response.status_code, response.get("Location")


def test_renaming_an_account_answers_the_same_whether_another_tenant_has_the_name(
    admin_client_for_account, account, other_account,
):
    taken = _account_rename(admin_client_for_account, account, other_account.name)
    free = _account_rename(admin_client_for_account, account, "Nobody Has This Name Ltd")
    assert taken == free == (302, reverse("admin:accounts_account_changelist"))
    account.refresh_from_db()
    assert account.name == "Nobody Has This Name Ltd"
    assert Account.objects.filter(name=other_account.name).count() == 1  # theirs, untouched


def _membership_add(client, account, username, password):
    response = client.post(reverse("admin:accounts_membership_add"), {
        "account": account.pk, "username": username, "email": "", "password": password, "role": "marketer"})
    form = response.context["adminform"].form if response.status_code == 200 else None
    return response.status_code, form.errors if form else None


@pytest.mark.parametrize("password", ["", "short", "12345678901"])
def test_a_username_of_another_tenant_answers_like_a_free_one_until_a_login_would_be_created(
    admin_client_for_account, account, other_account, password,
):
    Membership.objects.create(user=UserFactory(username="bob-marketer"), account=other_account, role="marketer")
    taken = _membership_add(admin_client_for_account, account, "bob-marketer", password)
    free = _membership_add(admin_client_for_account, account, "nobody-has-this", password)
    assert taken == free and taken[0] == 200 and list(taken[1]) == ["password"]
    assert not Membership.objects.filter(account=account, user__username__in=["bob-marketer", "nobody-has-this"]).exists()
    assert not get_user_model().objects.filter(username="nobody-has-this").exists()


def _their_call(other_account):
    return CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=other_account), active=True),
                       recording_url="https://api.twilio.com/rec/RE1")


CALL_URLS = {
    "api detail": ("get", "/api/v1/calls/{pk}/", "api"),
    "api update": ("patch", "/api/v1/calls/{pk}/", "api"),
    "dashboard page": ("get", "/calls/{pk}/", "web"),
    "dashboard outcome": ("post", "/calls/{pk}/outcome", "web"),
    "dashboard spam": ("post", "/calls/{pk}/spam", "web"),
    "dashboard recording": ("get", "/calls/{pk}/recording", "web"),
    "admin change": ("get", "/admin/calls/call/{pk}/change/", "web"),
}


@pytest.mark.parametrize("name", list(CALL_URLS))
def test_another_tenants_call_id_answers_like_an_id_that_does_not_exist(
    name, api_client, admin_client_for_account, account, other_account,
):
    method, url, face = CALL_URLS[name]
    client = api_client if face == "api" else admin_client_for_account
    theirs = _their_call(other_account)
    missing = (Call.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000

    def answer(pk):
        kwargs = {"format": "json"} if face == "api" else {}
        data = {"outcome": "sale"} if method in ("patch", "post") else None
        response = getattr(client, method)(url.format(pk=pk), data, **kwargs) if data else getattr(client, method)(url.format(pk=pk))
        def masked(text):
            return re.sub(rf"\b{pk}\b", "{pk}", text)
        return response.status_code, masked(response.get("Location", "")), masked(response.content.decode())

    assert answer(theirs.pk) == answer(missing)
    theirs.refresh_from_db()
    assert theirs.outcome == "" and not theirs.spam
