"""Login throttling (django-axes): per username and per client IP, on the dashboard and the admin login."""

import pytest
from django.test import override_settings

from tests.factories import UserFactory

LOGINS = ["/accounts/login/", "/admin/login/"]


@pytest.fixture
def staff_user(db):
    user = UserFactory(username="carol", is_staff=True, is_superuser=True)
    user.set_password("the-right-horse-battery")
    user.save()
    return user


def _login(client, url, username, password, ip="198.51.100.10"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("url", LOGINS)
@override_settings(AXES_FAILURE_LIMIT=5)
def test_wrong_passwords_then_the_right_one_is_refused_with_a_clear_message(client, staff_user, url):
    for _ in range(4):
        assert _login(client, url, "carol", "wrong").status_code == 200  # the form again, with its error
    assert _login(client, url, "carol", "wrong").status_code == 429  # the 5th failure locks
    response = _login(client, url, "carol", "the-right-horse-battery")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=5)
def test_the_username_is_locked_from_every_ip(client, staff_user):
    for n in range(5):
        _login(client, "/accounts/login/", "carol", "wrong", ip=f"198.51.100.{n}")
    assert _login(client, "/accounts/login/", "carol", "the-right-horse-battery", ip="203.0.113.99").status_code == 429


@override_settings(AXES_FAILURE_LIMIT=5)
def test_one_ip_guessing_many_usernames_is_locked(client, staff_user):
    for n in range(5):
        _login(client, "/accounts/login/", f"guess{n}", "wrong", ip="192.0.2.50")
    assert _login(client, "/accounts/login/", "carol", "the-right-horse-battery", ip="192.0.2.50").status_code == 429
    # Carol from her own network is not affected by someone else's guessing.
    assert _login(client, "/accounts/login/", "carol", "the-right-horse-battery", ip="203.0.113.5").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=5)
def test_a_success_resets_the_count(client, staff_user):
    for _ in range(4):
        _login(client, "/accounts/login/", "carol", "wrong")
    assert _login(client, "/accounts/login/", "carol", "the-right-horse-battery").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "/accounts/login/", "carol", "wrong")
    assert _login(client, "/accounts/login/", "carol", "the-right-horse-battery").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=5)
def test_a_login_of_your_own_does_not_wipe_your_guesses_against_another_username(client, staff_user):
    attacker = UserFactory(username="mallory")
    attacker.set_password("mallory-own-password")
    attacker.save()
    guesses_before_lockout = 0
    for _round in range(5):  # 4 guesses, then a login of the attacker's own account, 5 times: 20 guesses
        for _ in range(4):
            if _login(client, "/accounts/login/", "carol", "wrong").status_code == 429:
                break
            guesses_before_lockout += 1
        _login(client, "/accounts/login/", "mallory", "mallory-own-password")
        client.logout()
    assert guesses_before_lockout == 4  # the 5th guess from the address locks it, own logins in between or not
    assert _login(client, "/accounts/login/", "carol", "wrong").status_code == 429


@override_settings(AXES_FAILURE_LIMIT=5)
def test_a_success_keeps_the_address_failures_against_other_usernames(client, staff_user):
    for n in range(4):
        _login(client, "/accounts/login/", f"guess{n}", "wrong")
    assert _login(client, "/accounts/login/", "carol", "the-right-horse-battery").status_code == 302
    client.logout()
    assert _login(client, "/accounts/login/", "guess9", "wrong").status_code == 429


@override_settings(AXES_FAILURE_LIMIT=5)
def test_the_admin_password_change_form_counts_wrong_old_passwords_as_failures(client, staff_user):
    assert _login(client, "/admin/login/", "carol", "the-right-horse-battery").status_code == 302
    form = {"old_password": "wrong", "new_password1": "a-new-long-phrase-9", "new_password2": "a-new-long-phrase-9"}
    statuses = [client.post("/admin/password_change/", form, REMOTE_ADDR="198.51.100.10").status_code
                for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    right = {**form, "old_password": "the-right-horse-battery"}
    assert client.post("/admin/password_change/", right, REMOTE_ADDR="198.51.100.10").status_code == 429
    staff_user.refresh_from_db()
    assert staff_user.check_password("the-right-horse-battery")


def test_the_admin_password_change_form_still_changes_the_password(client, staff_user):
    client.force_login(staff_user)
    form = {"old_password": "the-right-horse-battery",
            "new_password1": "a-new-long-phrase-9", "new_password2": "a-new-long-phrase-9"}
    response = client.post("/admin/password_change/", form, REMOTE_ADDR="198.51.100.10")
    assert response.status_code == 302
    assert response["Location"] == "/admin/password_change/done/"
    staff_user.refresh_from_db()
    assert staff_user.check_password("a-new-long-phrase-9")


def test_old_password_guesses_from_many_addresses_lock_the_username_with_the_production_default(client, staff_user,
                                                                                                  settings):
    """A stolen admin session guessing the old password from rotating addresses: with the shipped limit
    (LOGIN_FAILURE_LIMIT, 5) the 5th wrong guess locks the username, for the form and for logins alike."""
    from django.contrib.auth import get_user_model

    assert settings.AXES_FAILURE_LIMIT == 5
    client.force_login(staff_user)
    form = {"new_password1": "a-new-long-phrase-9", "new_password2": "a-new-long-phrase-9"}
    guesses = 0
    for n in range(20):
        response = client.post("/admin/password_change/", {**form, "old_password": f"guess-{n}"}, REMOTE_ADDR=f"203.0.113.{n}")
        if response.status_code == 429:
            break
        assert response.status_code == 200
        guesses += 1
    print(f"\nold-password guesses before lockout: {guesses}")
    assert guesses == 4
    right = {**form, "old_password": "the-right-horse-battery"}
    assert client.post("/admin/password_change/", right, REMOTE_ADDR="198.51.100.77").status_code == 429
    client.logout()
    assert _login(client, "/admin/login/", "carol", "the-right-horse-battery", ip="198.51.100.78").status_code == 429
    assert get_user_model().objects.get(pk=staff_user.pk).check_password("the-right-horse-battery")
