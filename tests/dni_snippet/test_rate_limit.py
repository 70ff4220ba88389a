"""DNI rate limit: per website key and client IP, unknown keys free, X-Forwarded-For only via TRUSTED_PROXIES,
fails open when the cache is down."""

import logging

import pytest
from django.test import override_settings

from tests.factories import CallTrackerFactory, PoolFactory, WebsiteFactory
from tests.support import free_port


@pytest.fixture
def second_site(account):
    site = WebsiteFactory(account=account, key="secondsite", allowed_origins=["https://alice.example.com"])
    pool = PoolFactory(account=account, website=site, visitor=True)
    CallTrackerFactory(pool=pool, active=True)
    return site


@override_settings(DNI_RATE_LIMIT=3)
def test_each_website_key_has_its_own_budget_per_ip(assign, visitor_pool, second_site):
    assert [assign().status_code for _ in range(4)] == [200, 200, 200, 429]
    assert assign(key="secondsite").status_code == 200
    assert assign(REMOTE_ADDR="10.0.0.9").status_code == 200


@override_settings(DNI_RATE_LIMIT=3)
def test_made_up_keys_share_one_budget_and_cost_the_real_site_nothing(assign, visitor_pool):
    # Issue 28 #13: inventing a new key per request buys no new budget (404, then 429) …
    codes = [assign(key=f"nosuchkey{n}").status_code for n in range(10)]
    assert set(codes[:4]) == {404} and set(codes[5:]) == {429}
    assert assign(key="nosuchkey99", REMOTE_ADDR="10.0.0.9").status_code == 404  # another client: its own budget
    # … and the real website's visitors keep theirs.
    assert [assign().status_code for _ in range(3)] == [200, 200, 200]


@override_settings(DNI_RATE_LIMIT=1000)
def test_a_made_up_key_costs_no_query_per_request(client, assign, visitor_pool, shared_cache,
                                                  django_assert_num_queries):
    assign(key="nosuchkey")  # the process learns the website keys once
    with django_assert_num_queries(0):
        for n in range(20):
            assert assign(key=f"madeup{n}").status_code == 404
            assert client.get(f"/dni/madeup{n}.js").status_code == 404


@override_settings(DNI_RATE_LIMIT=1000)
def test_the_script_of_a_known_key_is_served_from_memory(client, visitor_pool, shared_cache,
                                                          django_assert_num_queries):
    first = client.get("/dni/alicesite.js")
    with django_assert_num_queries(0):
        again = [client.get("/dni/alicesite.js") for _ in range(5)]
    assert {r.content for r in again} == {first.content} and {r.status_code for r in again} == {200}


def test_a_website_created_after_the_keys_were_learned_is_found_at_once(assign, client, visitor_pool, account,
                                                                         shared_cache):
    assert assign(key="latersite").status_code == 404
    later = WebsiteFactory(account=account, key="latersite", allowed_origins=["https://alice.example.com"])
    CallTrackerFactory(pool=PoolFactory(account=account, website=later, visitor=True), active=True)
    assert assign(key="latersite").status_code == 200
    assert client.get("/dni/latersite.js").status_code == 200


@override_settings(DNI_RATE_LIMIT=3, TRUSTED_PROXIES="")
def test_forwarded_for_is_ignored_without_trusted_proxies(assign, visitor_pool):
    codes = [assign(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]  # a forged header does not buy a new bucket


@override_settings(DNI_RATE_LIMIT=3, TRUSTED_PROXIES="1")
def test_behind_one_proxy_visitors_are_counted_apart(assign, visitor_pool):
    # Everyone arrives from the proxy's address; the proxy appends the real client.
    codes = [assign(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(6)]
    assert codes == [200] * 6
    same = [assign(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.77").status_code for _ in range(4)]
    assert same == [200, 200, 200, 429]


def test_the_limiter_fails_open_and_logs_when_the_cache_is_down(assign, visitor_pool, caplog):
    down = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    with override_settings(DNI_RATE_LIMIT=2, CACHES=down), caplog.at_level(logging.WARNING):
        from dni_snippet import decorators

        decorators._last_cache_warning = 0.0
        codes = [assign().status_code for _ in range(4)]
    assert codes == [200, 200, 200, 200]
    assert "cache is unreachable" in caplog.text


@override_settings(DNI_RATE_LIMIT=3)
def test_an_ipv6_64_is_one_client(assign, visitor_pool):
    # Rotating addresses inside one /64 (one customer's subnet) shares one budget.
    statuses = [assign(REMOTE_ADDR=f"2001:db8:aa:bb::{n:x}").status_code for n in range(1, 5)]
    assert statuses == [200, 200, 200, 429]
    assert assign(REMOTE_ADDR="2001:db8:aa:cc::1").status_code == 200
