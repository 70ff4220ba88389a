"""A pool that cannot show numbers says so on the pools list, the overview and its own page (SPEC `health`)."""

from django.urls import reverse
from django.utils import timezone

from pools.models import Pool
from tests.factories import CallTrackerFactory, ExhaustionEventFactory, PoolFactory


def _cannot_buy(account, website):
    pool = PoolFactory(account=account, website=website, name="Ads", kind=Pool.Kind.AUTOMATED, size=3)
    Pool.objects.filter(pk=pool.pk).update(
        last_provision_error="Twilio credentials are missing: set them in the account's telephony settings.",
        last_provision_error_at=timezone.now())
    return pool


def test_the_pools_list_shows_each_pools_health_and_what_to_do(marketer_client, account, website, pool, tracker):
    _cannot_buy(account, website)
    ExhaustionEventFactory(pool=pool, occurred_at=timezone.now())
    response = marketer_client.get(reverse("dashboard:pool_list"))
    states = {p.name: p.health.state for p in response.context["pools"]}
    assert states == {"Ads": "cannot_buy_numbers", "Main line": "exhausted"}
    body = response.content.decode()
    assert "Cannot buy numbers" in body and "Twilio credentials are missing" in body
    assert "Ran out of numbers" in body and "1 visitor session found every number in use" in body


def test_the_overview_lists_the_pools_that_need_attention(marketer_client, account, website, pool, tracker):
    _cannot_buy(account, website)
    response = marketer_client.get(reverse("dashboard:overview"))
    assert [p.name for p in response.context["pools_needing_attention"]] == ["Ads"]
    body = response.content.decode()
    assert "Pools that need attention" in body and "Twilio credentials are missing" in body


def test_a_healthy_account_has_no_attention_list(marketer_client, pool, tracker):
    body = marketer_client.get(reverse("dashboard:overview")).content.decode()
    assert "Pools that need attention" not in body


def test_the_pool_page_says_it_cannot_buy_numbers_instead_of_only_repeating_its_plan(marketer_client, account, website):
    pool = _cannot_buy(account, website)
    response = marketer_client.get(reverse("dashboard:pool_detail", args=[pool.pk]))
    assert response.context["health"].state == "cannot_buy_numbers"
    body = response.content.decode()
    assert "What to do:" in body and "telephony settings" in body
    assert "The rules engine cannot buy numbers for this pool" in body


def test_a_source_pool_showing_no_numbers_says_so_on_its_page(marketer_client, account, website):
    pool = PoolFactory(account=account, website=website, name="Print")
    CallTrackerFactory(pool=pool, active=True, source="newspaper", medium="print")
    response = marketer_client.get(reverse("dashboard:pool_detail", args=[pool.pk]))
    assert response.context["health"].state == "showing_no_numbers"
    assert "Showing no numbers" in response.content.decode()


def test_another_accounts_unhealthy_pool_never_appears(marketer_client, other_account, pool, tracker):
    PoolFactory(account=other_account, name="Bob broken", kind=Pool.Kind.AUTOMATED)
    assert marketer_client.get(reverse("dashboard:overview")).context["pools_needing_attention"] == []
