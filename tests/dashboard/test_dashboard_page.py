"""One composing decorator for member pages, `dashboard_page(write=…)`: method, login, account and role in a fixed
order, on every dashboard and integrations page; reads are GETs for every member, writes are POSTs, and the
writes that spend money are for account admins only."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.decorators import dashboard_page

MEMBER_NAMESPACES = ("dashboard", "integrations_dashboard", "notifications")
# Writes that spend money with the phone provider (SPEC: marketers read, set outcomes, test; admins buy), and those
# that connect the account's ad platform accounts (credentials that let callpool write to them; issue 26).
ADMIN_WRITES = {"dashboard:pool_add_numbers", "integrations_dashboard:google-ads-connect", "integrations_dashboard:google-ads-choices",
                "integrations_dashboard:microsoft-ads-connect",
                "integrations_dashboard:ad-connection-update", "integrations_dashboard:ad-connection-disconnect",
                # How the account's calls are handled, and dismissing what outsiders planted on the install page.
                "dashboard:pool_call_flow_save", "dashboard:refused_origin_dismiss"}


def _member_views():
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in MEMBER_NAMESPACES:
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern):
                    yield f"{entry.namespace}:{pattern.name}", pattern.callback


def test_every_member_page_wears_dashboard_page():
    views = dict(_member_views())
    assert len(views) > 10
    missing = sorted(name for name, view in views.items() if not hasattr(view, "dashboard_page"))
    assert not missing


def test_only_money_spending_and_ad_account_writes_are_for_admins_only():
    admins_only = {name for name, view in _member_views() if getattr(view, "dashboard_page", {}).get("admins_only")}
    assert admins_only == ADMIN_WRITES


def test_admins_only_is_refused_on_a_read():
    with pytest.raises(ValueError):
        dashboard_page(admins_only=True)


def test_a_read_page_answers_post_with_405_before_anything_else(marketer_client):
    assert marketer_client.post(reverse("dashboard:overview")).status_code == 405


def test_a_write_answers_get_with_405(marketer_client, pool):
    assert marketer_client.get(reverse("dashboard:pool_add_numbers", args=[pool.pk])).status_code == 405


def test_anonymous_is_sent_to_login_from_a_write(client, pool):
    response = client.post(reverse("dashboard:pool_add_numbers", args=[pool.pk]), {"count": 1})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_login_without_an_account_gets_the_no_account_page(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))
    response = client.get(reverse("integrations_dashboard:overview"))
    assert response.status_code == 403 and "No account yet" in response.content.decode()
