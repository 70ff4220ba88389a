"""HSTS (off unless set), the Content-Security-Policy of the dashboard, admin and login pages, password rules."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from tests.factories import UserFactory


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_sign_in_pages_carry_the_content_security_policy(client, db, url):
    policy = client.get(url)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_dashboard_pages_carry_the_content_security_policy(marketer_client):
    response = marketer_client.get("/dashboard/")
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_admin_carries_it_too(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.get("/admin/")
    assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"]


def test_the_dni_script_and_the_api_are_left_alone(client, website):
    assert "Content-Security-Policy" not in client.get(f"/dni/{website.key}.js")
    assert "Content-Security-Policy" not in client.get("/api/v1/pools/")


def test_hsts_is_off_by_default_and_a_setting(client, db, settings):
    assert settings.SECURE_HSTS_SECONDS == 0
    with override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True):
        response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("password", ["violet-42", "Tangent#7x"[:9]])
def test_passwords_shorter_than_ten_characters_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_ten_character_password_passes():
    validate_password("violet-428")


def test_a_password_like_the_username_is_refused(db):
    user = UserFactory.build(username="margaretha.stone", email="margaretha@example.com")
    with pytest.raises(ValidationError):
        validate_password("margaretha.stone", user=user)
