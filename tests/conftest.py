import pytest
from django.db import connection

from accounts.models import Membership
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WebsiteFactory


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture
def account(db):
    return AccountFactory(name="Alice Co")


@pytest.fixture
def other_account(db):
    return AccountFactory(name="Bob Co")


@pytest.fixture
def website(account):
    return WebsiteFactory(account=account, key="alicesite", allowed_origins=["https://alice.example.com"])


@pytest.fixture
def marketer(account):
    return MembershipFactory(account=account, user=UserFactory(username="marketer"), role=Membership.Role.MARKETER).user


@pytest.fixture
def account_admin(account):
    user = UserFactory(username="alice-admin", is_staff=True)
    MembershipFactory(account=account, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def other_admin(other_account):
    user = UserFactory(username="bob-admin", is_staff=True)
    MembershipFactory(account=other_account, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def marketer_client(client, marketer):
    client.force_login(marketer)
    return client


@pytest.fixture
def admin_client_for_account(client, account_admin):
    client.force_login(account_admin)
    return client


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"
