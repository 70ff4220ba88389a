from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import Membership
from tests.factories import MembershipFactory, UserFactory


def _add(client, account, **data):
    return client.post(reverse("admin:accounts_membership_add"), {"account": account.pk, "role": "marketer", **data})


def test_account_admin_adds_a_new_marketer_login(admin_client_for_account, account):
    response = _add(admin_client_for_account, account, username="newbie", email="n@example.com", password="a-long-passphrase-1")
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newbie")
    assert user.check_password("a-long-passphrase-1")
    assert Membership.objects.get(user=user).account == account


def test_adding_an_admin_gives_staff_status(admin_client_for_account, account):
    _add(admin_client_for_account, account, username="boss", password="a-long-passphrase-1", role="admin")
    assert get_user_model().objects.get(username="boss").is_staff


def test_a_new_login_needs_a_password(admin_client_for_account, account):
    response = _add(admin_client_for_account, account, username="nopass")
    assert response.status_code == 200
    assert "password" in response.context["adminform"].form.errors


def test_account_admin_cannot_claim_another_tenants_login(admin_client_for_account, account, other_account):
    MembershipFactory(account=other_account, user=UserFactory(username="bobs-marketer"))
    response = _add(admin_client_for_account, account, username="bobs-marketer")
    assert response.status_code == 200
    # Answered like a new username (no oracle): it needs a password; with one, the username is refused.
    assert list(response.context["adminform"].form.errors) == ["password"]
    response = _add(admin_client_for_account, account, username="bobs-marketer", password="violet-harbor-tangent-42")
    assert response.status_code == 200
    assert "username" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(account=account, user__username="bobs-marketer").exists()


def test_account_admin_sees_only_their_accounts_memberships(admin_client_for_account, account, other_account):
    MembershipFactory(account=other_account, user=UserFactory(username="hidden"))
    response = admin_client_for_account.get(reverse("admin:accounts_membership_changelist"))
    usernames = {m.user.username for m in response.context["cl"].result_list}
    assert "hidden" not in usernames and "alice-admin" in usernames
