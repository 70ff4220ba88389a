"""The assign endpoint's cached website + pools lookup: used only while nothing changed, invalidated on change."""

from django.utils import timezone

from dni_snippet import website_cache
from dni_snippet.website_cache import website_with_pools, websites_changed
from pools.services import pool_retire
from tests.factories import CallTrackerFactory, PoolFactory


def test_second_lookup_comes_from_the_cache(website, visitor_pool, shared_cache, django_assert_num_queries):
    website_with_pools("alicesite")
    with django_assert_num_queries(0):
        cached, pools, _ = website_with_pools("alicesite")
    assert cached.pk == website.pk and [p.pk for p in pools] == [visitor_pool.pk]


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


def test_an_entry_loaded_before_a_change_is_never_served_after_it(website, visitor_pool, shared_cache):
    # Node A reads the rows, node B changes a pool and invalidates, then A stores what it read.
    _, old_pools, old_token = website_with_pools("alicesite")
    shared_cache.delete(website_cache._data_key("alicesite"))
    websites_changed()
    visitor_pool.retired_at = timezone.now()
    visitor_pool.save()
    website_cache.website_cache_store(website=website, pools=old_pools, token=old_token)
    _, pools, _ = website_with_pools("alicesite")
    assert pools[0].retired_at is not None


def test_database_cache_is_not_used_for_the_lookup(website, settings, django_assert_num_queries):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "unused_by_this_lookup"}}
    # The lookup runs every time and no cache table is touched (LOCATION does not even exist).
    with django_assert_num_queries(2):  # no pools: the pools query, then the website alone
        found, pools, token = website_with_pools("alicesite")
    assert found.pk == website.pk and pools == [] and token is None
    websites_changed()  # nothing to invalidate, must not touch the missing table either


def test_other_keys_are_not_served_another_websites_entry(website, other_account, shared_cache):
    from tests.factories import WebsiteFactory

    bob = WebsiteFactory(account=other_account, key="bobsite")
    website_with_pools("alicesite")
    found, _, _ = website_with_pools("bobsite")
    assert found.pk == bob.pk


def test_redis_down_falls_back_to_the_database_and_saves_still_work(assign, visitor_pool, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # nothing listens there
    found, pools, token = website_with_pools("alicesite")
    assert found.key == "alicesite" and [p.pk for p in pools] == [visitor_pool.pk] and token is None
    visitor_pool.name = "Renamed while Redis is down"
    visitor_pool.save()  # the invalidation fails quietly
    assert assign().json()["numbers"]
