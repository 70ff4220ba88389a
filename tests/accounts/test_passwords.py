import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.services import user_create
from core.errors import DomainError


@pytest.mark.parametrize("password", ["12345678", "87654321123", "password", "qwertyuiop", "iloveyou1"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_user_create_refuses_a_numeric_password(db):
    with pytest.raises(DomainError) as exc:
        user_create(username="dave", password="12345678")
    assert "password" in exc.value.fields


def test_a_strong_password_passes(db):
    assert user_create(username="dave", password="violet-harbor-tangent-42").pk


def test_the_admin_refuses_a_weak_password_for_a_new_login(admin_client_for_account, account):
    response = admin_client_for_account.post(reverse("admin:accounts_membership_add"), {
        "account": account.pk, "username": "erin", "email": "", "password": "12345678", "role": "marketer",
    })
    assert response.status_code == 200
    assert "password" in response.context["adminform"].form.errors


def test_a_password_like_the_username_or_email_is_refused(db):
    """The user-attribute similarity validator is one of AUTH_PASSWORD_VALIDATORS (with length ≥ 10)."""
    with pytest.raises(DomainError) as exc:
        user_create(username="jonathan.smithers", email="jonathan.smithers@example.com", password="jonathansmithers")
    assert "too similar" in exc.value.message
