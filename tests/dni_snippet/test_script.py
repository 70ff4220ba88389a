import gzip
import json
import re

from pools.models import Pool
from tests.factories import PoolFactory


def test_script_inlines_the_websites_originals_and_assign_path(client, website):
    PoolFactory(account=website.account, website=website, original_number="+12025550100")
    PoolFactory(account=website.account, website=website, original_number="+442079460000")
    r = client.get("/dni/alicesite.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/javascript")
    config = json.loads(re.search(r"var C ?= ?(\{.*?\});", r.content.decode()).group(1))
    assert config == {"o": [["1", "2025550100"], ["44", "2079460000"]], "a": "/dni/alicesite/assign"}


def test_retired_pools_are_not_in_the_config(client, website):
    PoolFactory(account=website.account, website=website, original_number="+12025550100", retired_at="2026-01-01T00:00Z")
    assert '"o":[]' in client.get("/dni/alicesite.js").content.decode()


def test_script_is_small_when_gzipped(client, website):
    for n in range(3):
        PoolFactory(account=website.account, website=website, original_number=f"+1202555010{n}")
    body = client.get("/dni/alicesite.js").content
    assert len(gzip.compress(body, 9)) <= 3 * 1024


def test_script_has_etag_and_cache_control_and_answers_304(client, website):
    r = client.get("/dni/alicesite.js")
    assert r["ETag"] and "max-age" in r["Cache-Control"]
    again = client.get("/dni/alicesite.js", HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code == 304


def test_etag_changes_when_the_config_changes(client, website):
    before = client.get("/dni/alicesite.js")["ETag"]
    PoolFactory(account=website.account, website=website)
    assert client.get("/dni/alicesite.js")["ETag"] != before
    assert Pool.objects.count() == 1


def test_unknown_key_is_404_with_a_js_comment(client, db):
    r = client.get("/dni/nope.js")
    assert r.status_code == 404
    assert r["Content-Type"].startswith("application/javascript")
    assert r.content.decode().strip().startswith("/*") and r.content.decode().strip().endswith("*/")


def test_script_query_count_is_pinned(client, website, settings, django_assert_num_queries):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "callpool_cache"}}
    # Production defaults (database cache, rate limit on): the first request reads the rate count, the website keys,
    # the website and its pools; later ones only count (the script body is kept with the website's entry).
    with django_assert_num_queries(4):
        client.get("/dni/alicesite.js")
    with django_assert_num_queries(1):
        assert client.get("/dni/alicesite.js").status_code == 200


def test_wrong_method_is_405(client, website):
    assert client.post("/dni/alicesite.js").status_code == 405
