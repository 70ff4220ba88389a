"""Visitor pools for chosen traffic (issue 22 #4): a visitor pool limited to `google / cpc` leases numbers only to
those sessions; other visitors see a matching source pool's number or the original, and their heartbeats stay on
the hot path. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

import pytest
from django.db import connection

from tests.dni_snippet.test_assign import heartbeat_body
from tests.factories import CallTrackerFactory, PoolFactory
from trackers.models import Lease

ADS = "https://alice.example.com/?utm_source=google&utm_medium=cpc&utm_campaign=spring"
ORGANIC = {"page_url": "https://alice.example.com/", "referrer": "https://www.google.com/"}


@pytest.fixture
def ads_pool(website):
    pool = PoolFactory(account=website.account, website=website, name="Ads line", visitor=True,
                       original_number="+12025550100", size=2, lease_minutes=30,
                       traffic_filter={"sources": ["google"], "mediums": ["cpc"]})
    for _ in range(2):
        CallTrackerFactory(pool=pool, active=True)
    return pool


@pytest.fixture
def organic_source_pool(website):
    """A source pool for the same original number: google / organic visitors see its number."""
    pool = PoolFactory(account=website.account, website=website, name="Organic", original_number="+12025550100")
    return CallTrackerFactory(pool=pool, active=True, source="google", medium="organic")


def _tracking(answer):
    return [n["tracking"] for n in answer["numbers"]]


def test_matching_visitors_lease_and_others_see_the_original(assign, ads_pool, shared_cache):
    ad = assign(body={"page_url": ADS}).json()
    assert len(_tracking(ad)) == 1
    organic = assign(body=ORGANIC).json()
    assert organic["numbers"] == []  # the original stays
    assert Lease.objects.filter(tracker__pool=ads_pool).count() == 1  # no number spent on the organic visitor
    # The same holds for a click id alone (gclid → google / cpc).
    assert len(_tracking(assign(body={"page_url": "https://alice.example.com/?gclid=abc"}).json())) == 1


def test_non_matching_visitors_see_a_matching_source_pools_number(assign, ads_pool, organic_source_pool, shared_cache):
    organic = assign(body=ORGANIC).json()
    assert _tracking(organic) == [organic_source_pool.tracking_number]
    ad = assign(body={"page_url": ADS}).json()
    assert _tracking(ad)[0] in {t.tracking_number for t in ads_pool.trackers.all()}


def test_a_campaign_filter_and_case_do_not_matter_for_names(assign, website, shared_cache):
    pool = PoolFactory(account=website.account, website=website, visitor=True, original_number="+12025550100",
                       traffic_filter={"campaigns": ["spring"]})
    CallTrackerFactory(pool=pool, active=True)
    assert _tracking(assign(body={"page_url": ADS.replace("spring", "SPRING")}).json())
    assert assign(body={"page_url": ADS.replace("spring", "autumn")}).json()["numbers"] == []


def test_pools_for_all_traffic_are_unchanged(assign, ads_pool, visitor_pool, shared_cache):
    organic = assign(body=ORGANIC).json()
    assert len(organic["numbers"]) == 1  # Main line (all traffic) still leases
    assert Lease.objects.filter(tracker__pool=visitor_pool).count() == 1


@pytest.mark.parametrize("page_load", [False, True])
def test_a_non_matching_sessions_heartbeat_stays_on_the_hot_path(page_load, assign, ads_pool, organic_source_pool,
                                                                  shared_cache, django_assert_max_num_queries):
    first = assign(body=ORGANIC).json()
    body = {**heartbeat_body(first), "page_load": page_load}
    # PostgreSQL: one statement, as for any heartbeat; SQLite (no data-modifying CTEs): the renewal finds no lease,
    # then one SELECT of the visit — never the slow path (lease attempts, source number reads); a page load then
    # records its page view as every SQLite page load does (the visit, its counter, its path).
    expected = 1 if connection.vendor == "postgresql" else (2 if not page_load else 5)
    with django_assert_max_num_queries(expected):
        again = assign(body=body).json()
    assert _tracking(again) == [organic_source_pool.tracking_number]
    assert Lease.objects.count() == 0


def test_a_matching_sessions_heartbeat_is_one_statement(assign, ads_pool, organic_source_pool, shared_cache,
                                                         django_assert_num_queries):
    first = assign(body={"page_url": ADS}).json()
    with django_assert_num_queries(1):
        again = assign(body=heartbeat_body(first)).json()
    assert again["numbers"] == first["numbers"]


def test_a_matching_session_that_lost_its_lease_gets_a_number_again(assign, ads_pool, shared_cache):
    first = assign(body={"page_url": ADS}).json()
    Lease.objects.all().delete()
    again = assign(body=heartbeat_body(first)).json()
    assert len(again["numbers"]) == 1


def test_offline_pools_are_never_shown_on_the_website(assign, website, shared_cache):
    pool = PoolFactory(account=website.account, website=website, name="Billboard", original_number="+12025550100",
                       offline={"label": "I-25 billboard", "source": "billboard", "medium": "offline"})
    CallTrackerFactory(pool=pool, active=True, source="(direct)", medium="(none)")
    assert assign(body={"page_url": "https://alice.example.com/"}).json()["numbers"] == []


def test_concurrency_sizing_and_the_guide_count_only_the_matching_traffic(assign, ads_pool, marketer_client,
                                                                          shared_cache):
    from django.utils import timezone

    from pools.models import ConcurrencySample
    from pools.selectors import website_visitor_peaks
    from pools.services import pools_sample_concurrency

    for n in range(5):
        assign(body={"page_url": f"https://alice.example.com/?n={n}", "referrer": "https://www.bing.com/"})
    assign(body={"page_url": ADS})
    pools_sample_concurrency(now=timezone.now())
    assert ConcurrencySample.objects.get(pool=ads_pool).leased == 1  # five organic visitors spent nothing
    [row] = website_visitor_peaks(account=ads_pool.account, now=timezone.now())
    assert (row["peak"], row["traffic"]) == (1, "google / cpc")
    body = marketer_client.get("/dashboard/pools/").content.decode()
    assert "(google / cpc visitors only): peak 1 concurrent visitor" in body
    assert "only google / cpc" in body
    detail = marketer_client.get(f"/dashboard/pools/{ads_pool.pk}/").content.decode()
    assert "only google / cpc" in detail
