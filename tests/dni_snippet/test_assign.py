import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import Website
from attribution.models import PageView, Visit
from pools.models import Pool
from trackers.models import Lease

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def test_first_call_creates_visitor_session_and_lease(assign, visitor_pool):
    r = assign(body={"page_url": "https://alice.example.com/?utm_source=News&utm_medium=email", "referrer": ""})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"visitor_id", "session_id", "expires_at", "heartbeat_seconds", "cookie_domain", "numbers"}
    assert body["cookie_domain"] == "example.com"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", body["visitor_id"]) and body["visitor_id"] != body["session_id"]
    assert body["heartbeat_seconds"] == 300
    [number] = body["numbers"]
    lease = Lease.objects.select_related("tracker", "visit").get()
    assert number == {"original": "+12025550100", "tracking": lease.tracker.tracking_number,
                      "display": f"({lease.tracker.tracking_number[2:5]}) {lease.tracker.tracking_number[5:8]}-{lease.tracker.tracking_number[8:]}"}
    assert (lease.visit.source, lease.visit.medium) == ("news", "email")
    assert lease.visit.session_uid == body["session_id"]


@pytest.mark.parametrize("page_url, domain", [
    ("https://www.shop.example.com/", "example.com"),
    ("https://book.shop.example.co.uk/a?b=c", "example.co.uk"),
    ("https://shop.github.io/", "shop.github.io"),  # the PSL's private section: github.io is a public suffix
    ("http://localhost:8000/", None),
    ("http://127.0.0.1:8000/", None),
    ("http://intranet/", None),
])
def test_the_answer_names_the_registrable_domain_of_the_page_for_the_cookie(assign, visitor_pool, page_url, domain):
    assert assign(body={"page_url": page_url}).json()["cookie_domain"] == domain


def test_same_session_gets_same_number(assign, visitor_pool):
    first = assign().json()
    again = assign(body={"page_url": "https://alice.example.com/b", "visitor_id": first["visitor_id"],
                         "session_id": first["session_id"]}).json()
    assert again["numbers"] == first["numbers"]
    assert (again["visitor_id"], again["session_id"]) == (first["visitor_id"], first["session_id"])
    assert Lease.objects.count() == 1


def test_two_sessions_get_different_numbers(assign, visitor_pool):
    a = assign().json()["numbers"][0]["tracking"]
    b = assign().json()["numbers"][0]["tracking"]
    assert a != b


def rate_limit_queries(settings) -> int:
    """What the default rate limit's counter costs the database: nothing on Redis; with the database cache ONE
    upsert statement (core.rate_limit)."""
    return 0 if settings.REDIS_URL or not settings.DNI_RATE_LIMIT else 1


def test_heartbeat_query_count_with_the_configured_cache(assign, visitor_pool, settings, django_assert_num_queries):
    first = assign().json()
    # The website comes from process memory with either cache: the heartbeat statement, plus the rate limit's
    # counter when it lives in the database.
    with django_assert_num_queries(1 + rate_limit_queries(settings)):
        r = assign(body={"page_url": "https://alice.example.com/", "visitor_id": first["visitor_id"],
                         "session_id": first["session_id"]})
    assert r.json()["numbers"] == first["numbers"]


def heartbeat_body(first):
    return {"page_url": "https://alice.example.com/", "visitor_id": first["visitor_id"], "session_id": first["session_id"]}


@pytest.mark.parametrize("kinds", ["visitor", "source", "both"])
def test_heartbeat_is_one_database_round_trip(kinds, request, assign, shared_cache, django_assert_num_queries):
    for kind in ("visitor", "source") if kinds == "both" else (kinds,):
        request.getfixturevalue(f"{kind}_pool")
    first = assign(body={"page_url": "https://alice.example.com/?gclid=g1"}).json()
    assert len(first["numbers"]) == (2 if kinds == "both" else 1)
    # The website + pools lookup comes from the shared cache, the rest is ONE statement (trackers.heartbeat).
    with django_assert_num_queries(1):
        r = assign(body=heartbeat_body(first))
    assert r.json()["numbers"] == first["numbers"]


def test_heartbeat_with_the_rate_limit_on_is_one_round_trip(assign, visitor_pool, source_pool, shared_cache,
                                                             settings, django_assert_num_queries):
    settings.DNI_RATE_LIMIT = 1000
    first = assign().json()
    with django_assert_num_queries(1):
        assert assign(body=heartbeat_body(first)).json()["numbers"] == first["numbers"]


def test_first_page_view_query_count_is_pinned(assign, visitor_pool, source_pool, shared_cache, django_assert_num_queries):
    from django.db import connection

    assign()  # warms the website cache, as on any busy site
    # Website from the cache, snippet seen is fresh. PostgreSQL: ONE statement (visitor, visit, its first page view,
    # a free tracker locked and leased, the source pool's number: trackers.new_session). Elsewhere: visitor + visit +
    # page view, a free tracker (locked) + its lease, the source tracker, and savepoints (the test's transaction
    # turns atomic blocks into savepoints).
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 12):
        assert len(assign().json()["numbers"]) == 2


def test_exhausted_pool_query_count_is_pinned(assign, visitor_pool, shared_cache, django_assert_num_queries):
    for _ in range(3):
        assign()
    from django.db import connection

    # PostgreSQL: the new session's one statement finds no free tracker, so the full rules run: no free tracker
    # again, exhaustion event checked and written. Elsewhere visitor + visit + page view first. The rest are
    # savepoints.
    with django_assert_num_queries(8 if connection.vendor == "postgresql" else 12):
        assert assign().json()["numbers"] == []


def test_heartbeat_of_an_exhausted_session_query_count_is_pinned(assign, visitor_pool, shared_cache,
                                                                 django_assert_num_queries):
    for _ in range(3):
        assign()
    unlucky = assign().json()
    # Not a heartbeat: the session holds no lease, so it looks again — the one statement, the visit, its own
    # lease (lock + read), a free tracker (none), the exhaustion event already recorded; 6 savepoints.
    with django_assert_num_queries(12):
        assert assign(body=heartbeat_body(unlucky)).json()["numbers"] == []


def test_heartbeat_renews_the_lease(assign, visitor_pool):
    first = assign().json()
    Lease.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    assign(body={"page_url": "https://alice.example.com/", "session_id": first["session_id"]})
    assert Lease.objects.get().expires_at > timezone.now() + timedelta(minutes=29)


def test_same_site_navigation_keeps_the_sessions_source(assign, visitor_pool):
    first = assign(body={"page_url": "https://alice.example.com/?gclid=abc"}).json()
    Lease.objects.update(ended_at=timezone.now())  # forces the slow path: the visit is read again
    assign(body={"page_url": "https://alice.example.com/b", "referrer": "https://www.bing.com/",
                 "session_id": first["session_id"], "visitor_id": first["visitor_id"]})
    visit = Visit.objects.get()
    assert (visit.source, visit.medium, visit.gclid) == ("google", "cpc", "abc")


def test_malformed_ids_are_treated_as_absent(assign, visitor_pool):
    body = assign(body={"page_url": "https://alice.example.com/", "visitor_id": "../../etc", "session_id": 42}).json()
    assert body["visitor_id"] != "../../etc" and re.fullmatch(r"[A-Za-z0-9_-]{22}", body["session_id"])


def test_source_pool_shows_the_tracker_of_the_visits_source(assign, source_pool):
    body = assign(body={"page_url": "https://alice.example.com/?gclid=xyz"}).json()
    assert [n["original"] for n in body["numbers"]] == ["+12025550150"]
    assert body["numbers"][0]["tracking"] == source_pool.trackers.get(source="google").tracking_number


def test_source_pool_without_tracker_for_the_source_shows_nothing(assign, source_pool):
    body = assign(body={"page_url": "https://alice.example.com/", "referrer": "https://partner.org/"}).json()
    assert body["numbers"] == []


def test_retired_pool_hands_out_nothing(assign, visitor_pool):
    Pool.objects.update(retired_at=timezone.now())
    assert assign().json()["numbers"] == []
    assert not Lease.objects.exists()


def test_bots_get_no_numbers_and_no_lease(assign, visitor_pool):
    body = assign(ua=GOOGLEBOT).json()
    assert body["numbers"] == []
    assert not Lease.objects.exists() and not Visit.objects.exists()


def test_snippet_seen_is_recorded_but_not_on_every_request(assign, visitor_pool, website):
    assign()
    website.refresh_from_db()
    seen = website.snippet_seen_at
    assert seen and website.snippet_seen_origin == "https://alice.example.com"
    assign()
    website.refresh_from_db()
    assert website.snippet_seen_at == seen


def test_ga_ids_are_stored_on_the_visit(assign, visitor_pool):
    assign(body={"page_url": "https://alice.example.com/", "ga_client_id": "123456.1700000000", "ga_session_id": "1700000001"})
    visit = Visit.objects.get()
    assert (visit.ga_client_id, visit.ga_session_id) == ("123456.1700000000", "1700000001")


def test_ga_ids_arriving_on_a_heartbeat_fill_in_the_visit(assign, visitor_pool):
    first = assign().json()
    assign(body={"page_url": "https://alice.example.com/", "session_id": first["session_id"], "ga_client_id": "9.8"})
    assert Visit.objects.get().ga_client_id == "9.8"


def test_unknown_key_is_404(assign, db):
    r = assign(key="nope")
    assert r.status_code == 404 and "error" in r.json()


def test_origin_not_allowed_is_403(assign, visitor_pool):
    r = assign(origin="https://evil.example.net")
    assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed"
    assert not Lease.objects.exists()


def test_allowed_origin_gets_cors_headers(assign, visitor_pool):
    r = assign()
    assert r["Access-Control-Allow-Origin"] == "https://alice.example.com"
    assert "Origin" in r["Vary"]


def test_any_port_origin_entry_allows_localhost(assign, visitor_pool, website):
    Website.objects.filter(pk=website.pk).update(allowed_origins=["http://localhost:*"])
    assert assign(origin="http://localhost:41234").status_code == 200


def test_preflight_is_answered_for_allowed_origin(client, website):
    r = client.options("/dni/alicesite/assign", HTTP_ORIGIN="https://alice.example.com",
                       HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type")
    assert r.status_code == 204
    assert r["Access-Control-Allow-Origin"] == "https://alice.example.com"
    assert "POST" in r["Access-Control-Allow-Methods"] and "Content-Type" in r["Access-Control-Allow-Headers"]


def test_preflight_from_other_origin_is_403(client, website):
    r = client.options("/dni/alicesite/assign", HTTP_ORIGIN="https://evil.example.net")
    assert r.status_code == 403 and "Access-Control-Allow-Origin" not in r


def test_wrong_method_is_405(client, website):
    assert client.get("/dni/alicesite/assign").status_code == 405


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        ("{not json", "application/json", "bad_json"),
        ("[1, 2]", "application/json", "bad_json"),
        ('{"referrer": "x"}', "application/json", "page_url_required"),
        ('{"page_url": ""}', "application/json", "page_url_required"),
        ('{"page_url": 5}', "application/json", "page_url_required"),
        ('{"page_url": "https://a/"}', "text/plain", "bad_content_type"),
        ('{"page_url": "https://a/", "pad": "' + "x" * 5000 + '"}', "application/json", "body_too_large"),
    ],
)
def test_bad_input_is_400_with_error(assign, visitor_pool, body, content_type, code):
    r = assign(body=body, content_type=content_type)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code


@override_settings(DNI_RATE_LIMIT=3)
def test_rate_limit_per_ip_is_429(assign, visitor_pool):
    from django.core.cache import cache

    cache.clear()
    codes = [assign().status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other_ip = assign(REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200


@override_settings(DNI_RATE_LIMIT=0)
def test_rate_limit_zero_is_off(assign, website):
    assert all(assign().status_code == 200 for _ in range(5))


def test_heartbeats_do_not_count_as_new_visits_or_pageviews(assign, visitor_pool, source_pool):
    first = assign(body={"page_url": "https://alice.example.com/?gclid=g1"}).json()
    for _ in range(3):
        again = assign(body={"page_url": "https://alice.example.com/", "session_id": first["session_id"],
                             "visitor_id": first["visitor_id"]}).json()
    assert again["numbers"] == first["numbers"] and len(first["numbers"]) == 2
    visit = Visit.objects.get()
    assert visit.pageviews == 1 and (visit.source, visit.medium) == ("google", "cpc")


def test_page_loads_count_page_views_with_their_paths_and_heartbeats_do_not(assign, visitor_pool, source_pool):
    first = assign(body={"page_url": "https://alice.example.com/?gclid=g1", "page_load": True}).json()
    ids = {"session_id": first["session_id"], "visitor_id": first["visitor_id"]}
    assign(body={"page_url": "https://alice.example.com/pricing?x=1", "page_load": True, **ids})
    assign(body={"page_url": "https://alice.example.com/pricing?x=1", **ids})  # heartbeat
    assign(body={"page_url": "https://alice.example.com/contact/", "page_load": True, **ids})
    visit = Visit.objects.get()
    assert visit.pageviews == 3
    assert list(visit.page_views.values_list("path", flat=True)) == ["/", "/pricing", "/contact/"]


def test_a_page_load_of_a_running_session_is_one_statement_on_postgresql(assign, visitor_pool, source_pool, settings,
                                                                        django_assert_num_queries):
    from django.db import connection

    first = assign(body={"page_url": "https://alice.example.com/", "page_load": True}).json()
    ids = {"session_id": first["session_id"], "visitor_id": first["visitor_id"]}
    # PostgreSQL: renewal, source number, page view count, its path and the GA id in ONE statement (plus the rate
    # limit's counter with the database cache). SQLite (no data-modifying CTEs): the heartbeat, then the visit
    # read, the counter UPDATE, the page view INSERT and the GA ids UPDATE.
    extra = 0 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(1 + rate_limit_queries(settings) + extra):
        r = assign(body={"page_url": "https://alice.example.com/b?x=1", "page_load": True, "ga_client_id": "1.2", **ids})
    assert r.json()["numbers"] == first["numbers"]
    visit = Visit.objects.get()
    assert (visit.pageviews, visit.ga_client_id) == (2, "1.2")
    assert list(visit.page_views.values_list("path", flat=True)) == ["/", "/b"]
    assign(body={"page_url": "https://alice.example.com/c", "page_load": True, "ga_client_id": "9.9", **ids})
    assert Visit.objects.get().ga_client_id == "1.2"  # filled in, never overwritten


def test_a_page_load_of_a_session_holding_no_lease_counts_its_page_view_once(assign, visitor_pool):
    first = assign(body={"page_url": "https://alice.example.com/", "page_load": True}).json()
    Lease.objects.update(ended_at=timezone.now())  # not a heartbeat: the first-page path takes a lease again
    ids = {"session_id": first["session_id"], "visitor_id": first["visitor_id"]}
    assert assign(body={"page_url": "https://alice.example.com/b", "page_load": True, **ids}).json()["numbers"]
    visit = Visit.objects.get()
    assert visit.pageviews == 2 and visit.page_views.count() == 2


def test_page_views_kept_per_visit_are_bounded(assign, visitor_pool):
    first = assign().json()
    ids = {"session_id": first["session_id"], "visitor_id": first["visitor_id"]}
    Visit.objects.update(pageviews=PageView.MAX_PER_VISIT)
    assign(body={"page_url": "https://alice.example.com/more", "page_load": True, **ids})
    visit = Visit.objects.get()
    assert visit.pageviews == PageView.MAX_PER_VISIT + 1 and visit.page_views.count() == 1


def test_session_whose_lease_was_taken_gets_another_number(assign, visitor_pool):
    first = assign().json()
    Lease.objects.update(ended_at=timezone.now())  # e.g. it lapsed and another session took the number
    again = assign(body={"page_url": "https://alice.example.com/", "session_id": first["session_id"]}).json()
    assert len(again["numbers"]) == 1 and Lease.objects.filter(ended_at__isnull=True).count() == 1
    assert Visit.objects.count() == 1


def test_well_formed_unknown_session_id_starts_that_session(assign, visitor_pool):
    body = assign(body={"page_url": "https://alice.example.com/", "session_id": "A" * 22}).json()
    assert body["session_id"] == "A" * 22 and len(body["numbers"]) == 1
    assert Visit.objects.get().session_uid == "A" * 22


def test_the_bench_only_bare_view_is_not_served_by_the_product(client, website):
    assert client.post("/bare/alicesite/lease", data="{}", content_type="application/json").status_code == 404


def test_a_page_load_of_a_session_whose_lease_ended_reads_its_visit_once(assign, visitor_pool, shared_cache,
                                                                          django_assert_num_queries):
    first = assign(body={"page_url": "https://alice.example.com/", "page_load": True}).json()
    Lease.objects.update(ended_at=timezone.now())  # not a heartbeat: the first-page path reads the visit
    ids = {"session_id": first["session_id"], "visitor_id": first["visitor_id"]}
    # The heartbeat statement (on PostgreSQL it records the page view and GA ids too), the visit (read once: the
    # page view reuses it), the visit locked and its own lease looked up, a free tracker (locked) + its lease;
    # on SQLite the page view's counter UPDATE and INSERT and the GA ids UPDATE; the other 6 are savepoints.
    from django.db import connection

    with django_assert_num_queries(12 if connection.vendor == "postgresql" else 15):
        r = assign(body={"page_url": "https://alice.example.com/b", "page_load": True, "ga_client_id": "1.2", **ids})
    assert r.json()["numbers"]
    visit = Visit.objects.get()
    assert (visit.pageviews, visit.ga_client_id) == (2, "1.2")
