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
