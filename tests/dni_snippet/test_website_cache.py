"""The DNI endpoints' website + pools lookup: kept in process memory at most DNI_CONFIG_MAX_AGE_SECONDS, used only
while the generation token is unchanged, invalidated at once on a change made through the app."""

import pytest
from django.utils import timezone

from dni_snippet import website_cache
from dni_snippet.website_cache import website_lookup
from pools.models import Pool
from pools.services import pool_retire
from tests.factories import CallTrackerFactory, PoolFactory

DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "callpool_cache"}}


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(website_cache, "clock", lambda: now[0])
    return now


def test_second_lookup_comes_from_process_memory(website, visitor_pool, shared_cache, django_assert_num_queries):
    website_lookup("alicesite")
    with django_assert_num_queries(0):
        cached, pools, count = website_lookup("alicesite")
    assert cached.pk == website.pk and [p.pk for p in pools] == [visitor_pool.pk] and count is None


def test_retiring_a_pool_takes_effect_on_the_next_request(assign, visitor_pool, shared_cache):
    assert assign().json()["numbers"]
    pool_retire(pool=visitor_pool)
    assert assign().json()["numbers"] == []


def test_a_new_pool_is_seen_on_the_next_heartbeat(assign, visitor_pool, shared_cache):
    first = assign().json()
    source = PoolFactory(account=visitor_pool.account, website=visitor_pool.website, original_number="+12025550150")
    CallTrackerFactory(pool=source, active=True, source="(direct)", medium="(none)")
    again = assign(body={"page_url": "https://alice.example.com/", "session_id": first["session_id"]}).json()
    assert [n["original"] for n in again["numbers"]] == ["+12025550100", "+12025550150"]


def test_changing_allowed_origins_takes_effect_at_once(assign, website, visitor_pool, shared_cache):
    assert assign().status_code == 200
    website.allowed_origins = ["https://new.example.com"]
    website.save()
    assert assign().status_code == 403


def test_deleted_website_is_404_on_the_next_request(assign, website, shared_cache):
    assert assign().status_code == 200
    website.delete()
    assert assign().status_code == 404


def test_another_nodes_change_is_seen_at_once_through_the_token(website, visitor_pool, shared_cache, clock):
    website_lookup("alicesite")
    # Another node retires the pool: its signal replaces the shared token; this process's memory is untouched.
    Pool.objects.filter(pk=visitor_pool.pk).update(retired_at=timezone.now())
    shared_cache.set(website_cache.TOKEN_KEY, "changed-by-another-node", timeout=None)
    _, pools, _ = website_lookup("alicesite")
    assert pools[0].retired_at is not None


def test_an_entry_loaded_before_a_change_is_never_served_after_it(website, visitor_pool, shared_cache, clock,
                                                                   monkeypatch):
    load = website_cache._load

    def load_then_another_node_changes(key):
        found = load(key)  # this node read the old rows …
        Pool.objects.filter(pk=visitor_pool.pk).update(retired_at=timezone.now())  # … then another node changed
        shared_cache.set(website_cache.TOKEN_KEY, "changed-by-another-node", timeout=None)
        return found

    monkeypatch.setattr(website_cache, "_load", load_then_another_node_changes)
    _, pools, _ = website_lookup("alicesite")
    assert pools[0].retired_at is None  # what it read
    monkeypatch.setattr(website_cache, "_load", load)
    _, pools, _ = website_lookup("alicesite")
    assert pools[0].retired_at is not None  # stored under the old token: stale on arrival


def test_any_change_reaches_the_process_within_the_bound(website, visitor_pool, shared_cache, settings, clock):
    assert settings.DNI_CONFIG_MAX_AGE_SECONDS == 5
    website_lookup("alicesite")
    Pool.objects.filter(pk=visitor_pool.pk).update(retired_at=timezone.now())  # no signal, no new token
    clock[0] += 5
    assert website_lookup("alicesite")[1][0].retired_at is None
    clock[0] += 0.1
    assert website_lookup("alicesite")[1][0].retired_at is not None


def test_database_cache_keeps_the_lookup_for_the_bound(website, settings, clock, django_assert_num_queries):
    settings.CACHES = DATABASE_CACHE
    with django_assert_num_queries(3):  # the website keys; no pools: the pools query, then the website alone
        found, pools, count = website_lookup("alicesite")
    assert found.pk == website.pk and pools == [] and count is None
    with django_assert_num_queries(0):
        assert website_lookup("alicesite")[0].pk == website.pk
    website.domains = ["new.example.com"]
    website.save()  # a change made in this process is seen at once
    assert website_lookup("alicesite")[0].domains == ["new.example.com"]
    clock[0] += 6
    with django_assert_num_queries(2):  # past the bound: read again
        website_lookup("alicesite")


def test_database_cache_counts_in_one_statement(website, settings, django_assert_num_queries):
    settings.CACHES = DATABASE_CACHE
    website_lookup("alicesite")
    with django_assert_num_queries(1):
        assert website_lookup("alicesite", rate_key="dni:rl:alicesite:1.2.3.4", minute=7)[2] == 1
    assert website_lookup("alicesite", rate_key="dni:rl:alicesite:1.2.3.4", minute=7)[2] == 2
    assert website_lookup("alicesite", rate_key="dni:rl:alicesite:5.6.7.8", minute=7)[2] == 1


def test_other_keys_are_not_served_another_websites_entry(website, other_account, shared_cache):
    from tests.factories import WebsiteFactory

    bob = WebsiteFactory(account=other_account, key="bobsite")
    website_lookup("alicesite")
    found, _, _ = website_lookup("bobsite")
    assert found.pk == bob.pk


def test_redis_down_falls_back_to_the_database_and_saves_still_work(assign, visitor_pool, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # nothing listens there
    found, pools, count = website_lookup("alicesite", rate_key="dni:rl:x", minute=1)
    assert found.key == "alicesite" and [p.pk for p in pools] == [visitor_pool.pk] and count is None
    visitor_pool.name = "Renamed while Redis is down"
    visitor_pool.save()  # the invalidation fails quietly
    assert assign().json()["numbers"]
