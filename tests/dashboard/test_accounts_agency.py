"""An agency's person belongs to several accounts: they switch in the header, see an all-accounts summary, and
every page, export, admin list and API token stays scoped to the one account they chose."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.selectors import ACCOUNT_SESSION_KEY
from tests.factories import (
    AccountFactory,
    ApiTokenFactory,
    CallFactory,
    CallTrackerFactory,
    MembershipFactory,
    PoolFactory,
    UserFactory,
    WebsiteFactory,
)


@pytest.fixture
def agency(account, other_account):
    """A marketer in Alice Co (their first membership) and an admin of Bob Co."""
    user = UserFactory(username="agency", is_staff=True)
    MembershipFactory(account=account, user=user, role=Membership.Role.MARKETER)
    MembershipFactory(account=other_account, user=user, role=Membership.Role.ADMIN)
    return user


def _call_in(account, **kwargs):
    pool = PoolFactory(account=account, website=WebsiteFactory(account=account))
    return CallFactory(tracker=CallTrackerFactory(pool=pool, active=True), **kwargs)


@pytest.fixture
def alice_call(account):
    return _call_in(account, caller_number="+14155550101", started_at=timezone.now() - timedelta(hours=1))


@pytest.fixture
def bob_call(other_account):
    return _call_in(other_account, caller_number="+14155550202", started_at=timezone.now() - timedelta(hours=1),
                    answered_at=timezone.now() - timedelta(hours=1), is_conversion=True, conversion_value=40)


def _switch(client, account, **extra):
    return client.post(reverse("dashboard:account_switch"), {"account": account.pk, **extra})


def test_first_membership_is_the_default_and_the_header_offers_the_others(client, agency, account, other_account, alice_call, bob_call):
    client.force_login(agency)
    response = client.get(reverse("dashboard:call_list"))
    body = response.content.decode()
    assert response.context["account"] == account
    assert "+1 415-555-0101" in body or "(415) 555-0101" in body
    assert "555-0202" not in body
    assert 'name="account"' in body and ">Bob Co</option>" in body and reverse("dashboard:account_list") in body


def test_switching_scopes_every_page_and_export_to_the_chosen_account(client, agency, other_account, alice_call, bob_call):
    client.force_login(agency)
    response = _switch(client, other_account)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:overview")
    assert client.session[ACCOUNT_SESSION_KEY] == other_account.pk
    calls = client.get(reverse("dashboard:call_list")).content.decode()
    assert "555-0202" in calls and "555-0101" not in calls
    export = client.get(reverse("dashboard:call_list_csv"))
    csv = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    assert "4155550202" in csv.replace("-", "").replace(" ", "") and "4155550101" not in csv.replace("-", "").replace(" ", "")
    assert client.get(reverse("dashboard:call_detail", args=[bob_call.pk])).status_code == 200
    assert client.get(reverse("dashboard:call_detail", args=[alice_call.pk])).status_code == 404
    overview = client.get(reverse("dashboard:overview"))
    assert overview.context["totals"]["calls"] == 1 and overview.context["totals"]["conversions"] == 1


def test_the_role_follows_the_chosen_account(client, agency, account, other_account):
    """Admin-only writes: refused while working in Alice Co (marketer there), allowed in Bob Co (admin there)."""
    client.force_login(agency)
    alice_pool = PoolFactory(account=account, website=WebsiteFactory(account=account))
    refused = client.post(reverse("dashboard:pool_add_numbers", args=[alice_pool.pk]), {"count": 1})
    assert refused.status_code == 403
    _switch(client, other_account)
    bob_pool = PoolFactory(account=other_account, website=WebsiteFactory(account=other_account))
    assert client.post(reverse("dashboard:pool_add_numbers", args=[bob_pool.pk]), {"count": 1}).status_code != 403
    # The pool page offers the form where the role allows it (read off the memberships the request holds).
    assert client.get(reverse("dashboard:pool_detail", args=[bob_pool.pk])).context["add_numbers_form"] is not None
    _switch(client, account)
    assert client.get(reverse("dashboard:pool_detail", args=[alice_pool.pk])).context["add_numbers_form"] is None


@pytest.mark.parametrize("target", ["not-a-number", "stranger", "missing"])
def test_an_account_one_does_not_belong_to_answers_404_whether_it_exists_or_not(client, agency, account, target):
    client.force_login(agency)
    stranger = AccountFactory(name="Stranger Co")
    value = {"not-a-number": "x", "stranger": stranger.pk, "missing": stranger.pk + 1000}[target]
    response = client.post(reverse("dashboard:account_switch"), {"account": value})
    assert response.status_code == 404
    assert ACCOUNT_SESSION_KEY not in client.session
    assert client.get(reverse("dashboard:overview")).context["account"] == account


def test_switch_goes_only_to_pages_on_this_site(client, agency, other_account):
    client.force_login(agency)
    assert _switch(client, other_account, next="https://evil.example/")["Location"] == reverse("dashboard:overview")
    assert _switch(client, other_account, next="//evil.example/")["Location"] == reverse("dashboard:overview")
    assert _switch(client, other_account, next=reverse("dashboard:pool_list"))["Location"] == reverse("dashboard:pool_list")


def test_switch_is_a_post_with_csrf(client, agency, other_account):
    client.force_login(agency)
    assert client.get(reverse("dashboard:account_switch")).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agency)
    assert strict.post(reverse("dashboard:account_switch"), {"account": other_account.pk}).status_code == 403


def test_a_single_account_member_sees_no_switcher(marketer_client):
    body = marketer_client.get(reverse("dashboard:overview")).content.decode()
    assert 'name="account"' not in body


def test_all_accounts_summary_counts_each_account_and_lists_pools_needing_attention(client, agency, account, other_account,
                                                                                   alice_call, bob_call):
    AccountFactory(name="Stranger Co")
    stuck = PoolFactory(account=other_account, website=WebsiteFactory(account=other_account), name="Stuck pool",
                        kind="automated", tracking="source")
    client.force_login(agency)
    response = client.get(reverse("dashboard:account_list"))
    assert response.status_code == 200
    summaries = {s.account.name: s for s in response.context["summaries"]}
    assert set(summaries) == {"Alice Co", "Bob Co"}
    assert (summaries["Alice Co"].calls, summaries["Alice Co"].conversions) == (1, 0)
    assert (summaries["Bob Co"].calls, summaries["Bob Co"].conversions, summaries["Bob Co"].value) == (1, 1, 40)
    assert summaries["Bob Co"].role == "Admin" and summaries["Alice Co"].role == "Marketer"
    attention = {pool.name: health for pool, health in summaries["Bob Co"].attention}
    assert attention["Stuck pool"].state == "not_activating"
    assert all(pool.account_id == account.pk for pool, _ in summaries["Alice Co"].attention)
    body = response.content.decode()
    assert "Stranger Co" not in body and "Stuck pool" in body
    # Opening the pool from the summary works in its account first.
    opened = _switch(client, other_account, next=reverse("dashboard:pool_detail", args=[stuck.pk]))
    assert client.get(opened["Location"]).status_code == 200


def test_admin_lists_only_the_chosen_account(client, agency, account, other_account, alice_call, bob_call):
    """The agency person is admin of Bob Co only: working in Alice Co the admin shows none of Bob Co's rows."""
    client.force_login(agency)
    _switch(client, other_account)
    listed = client.get(reverse("admin:calls_call_changelist"))
    assert listed.status_code == 200
    ids = {call.pk for call in listed.context["cl"].result_list}
    assert ids == {bob_call.pk}
    third = AccountFactory(name="Carol Co")
    MembershipFactory(account=third, user=agency, role=Membership.Role.ADMIN)
    carol_call = _call_in(third)
    assert {c.pk for c in client.get(reverse("admin:calls_call_changelist")).context["cl"].result_list} == {bob_call.pk}
    assert client.get(reverse("admin:calls_call_change", args=[carol_call.pk])).status_code in (302, 403, 404)
    _switch(client, third)
    assert {c.pk for c in client.get(reverse("admin:calls_call_changelist")).context["cl"].result_list} == {carol_call.pk}


def test_api_tokens_stay_with_their_account(client, agency, account, other_account, alice_call, bob_call):
    token = ApiTokenFactory(account=account)
    response = client.get("/api/v1/calls/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert [row["id"] for row in response.json()["results"]] == [alice_call.pk]


def test_all_accounts_pools_and_their_health_cost_the_same_queries_however_many_accounts(client, agency, account,
                                                                                         other_account):
    """Every account's calls (the rollups' reach, the rolled days, the live calls), the pools of every account and
    their health (exhaustion, numbers' sources against the daily counts) are read once for all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def source_pool_in(acc, source):
        pool = PoolFactory(account=acc, website=WebsiteFactory(account=acc), kind="automated", tracking="source")
        CallTrackerFactory(pool=pool, active=True, source=source, medium="cpc")
        PoolFactory(account=acc, website=pool.website, tracking="visitor")

    source_pool_in(account, "google")
    source_pool_in(other_account, "bing")
    client.force_login(agency)
    client.get(reverse("dashboard:account_list"))
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("dashboard:account_list"))
    third = AccountFactory(name="Carol Co")
    MembershipFactory(account=third, user=agency, role=Membership.Role.MARKETER)
    source_pool_in(third, "yahoo")
    with CaptureQueriesContext(connection) as three:
        response = client.get(reverse("dashboard:account_list"))
    assert len(three) == len(two)
    pool_reads = [q["sql"] for q in three if "pools_pool" in q["sql"] or "attribution_" in q["sql"]]
    assert len(pool_reads) <= 5
    summaries = {s.account.name: s for s in response.context["summaries"]}
    # No visit matches any number: every source pool shows no numbers, each in its own account's row.
    assert {name: [(pool.account_id, health.state) for pool, health in s.attention] for name, s in summaries.items()} == {
        "Alice Co": [(account.pk, "showing_no_numbers")], "Bob Co": [(other_account.pk, "showing_no_numbers")],
        "Carol Co": [(third.pk, "showing_no_numbers")]}
