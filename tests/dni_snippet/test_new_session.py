"""The statement counts of the paths real traffic takes most, pinned on PostgreSQL: a first page view (a new
visitor, or a returning one starting a new session) and a page load of a running session are ONE statement each,
whatever pools the website has. SQLite runs the ORM path: the same answers, more statements."""

import pytest
from django.db import connection

from attribution.models import PageView, Visit, Visitor
from tests.dni_snippet.test_assign import heartbeat_body
from tests.factories import CallTrackerFactory, PoolFactory
from trackers.models import Lease


@pytest.fixture
def paid_pool(website):
    """A second visitor pool, only for paid search (a traffic filter)."""
    pool = PoolFactory(account=website.account, website=website, name="Ads line", visitor=True,
                       original_number="+12025550177", size=2, lease_minutes=20,
                       traffic_filter={"mediums": ["cpc"]})
    for _ in range(2):
        CallTrackerFactory(pool=pool, active=True)
    return pool


def statements(postgresql: int, sqlite: int) -> int:
    return postgresql if connection.vendor == "postgresql" else sqlite


PAID = {"page_url": "https://alice.example.com/?utm_source=google&utm_medium=cpc", "page_load": True}
ORGANIC = {"page_url": "https://alice.example.com/", "referrer": "https://www.bing.com/", "page_load": True}


@pytest.mark.parametrize("body", [PAID, ORGANIC], ids=["paid: two leases", "organic: the unfiltered pool's lease"])
def test_a_new_session_is_one_statement_whatever_pools_the_website_has(body, assign, visitor_pool, paid_pool,
                                                                       source_pool, shared_cache,
                                                                       django_assert_num_queries):
    assign()  # the website cache warm and its install check written, as on any busy site
    with django_assert_num_queries(statements(1, 18 if body is PAID else 12)):
        numbers = assign(body=body).json()["numbers"]
    # Organic (bing): not for the paid pool, and the source pool has no tracker for bing / organic.
    expected = ["+12025550100", "+12025550177", "+12025550150"] if body is PAID else ["+12025550100"]
    assert [n["original"] for n in numbers] == expected
    visit = Visit.objects.latest("pk")
    assert {lease.tracker.pool_id for lease in visit.leases.all()} == (
        {visitor_pool.pk, paid_pool.pk} if body is PAID else {visitor_pool.pk})


def test_a_returning_visitor_starting_a_new_session_is_one_statement(assign, visitor_pool, source_pool, shared_cache,
                                                                    django_assert_num_queries):
    first = assign(body={"page_url": "https://alice.example.com/?gclid=g1"}).json()
    with django_assert_num_queries(statements(1, 14)):
        again = assign(body={"page_url": "https://alice.example.com/", "visitor_id": first["visitor_id"]}).json()
    assert again["visitor_id"] == first["visitor_id"] and again["session_id"] != first["session_id"]
    assert len(again["numbers"]) == 2 and again["numbers"][0]["tracking"] != first["numbers"][0]["tracking"]
    assert Visitor.objects.count() == 1 and Visit.objects.count() == 2 and Lease.objects.count() == 2


def test_a_page_load_is_one_statement_with_a_filtered_pool_too(assign, visitor_pool, paid_pool, source_pool,
                                                              shared_cache, settings, django_assert_num_queries):
    first = assign(body=ORGANIC).json()
    with django_assert_num_queries(statements(1, 4)):
        r = assign(body={**heartbeat_body(first), "page_url": "https://alice.example.com/next", "page_load": True})
    assert r.json()["numbers"] == first["numbers"]
    visit = Visit.objects.get()
    assert visit.pageviews == 2
    assert list(PageView.objects.values_list("path", flat=True)) == ["/", "/next"]


def test_a_new_session_a_tracker_was_just_taken_from_gets_another_one(assign, visitor_pool, shared_cache,
                                                                      monkeypatch):
    """The statement's pick can lose to a concurrent session (its lease insert then does nothing): the ORM rules
    take another tracker for it, and the visit is recorded once."""
    from trackers import new_session

    real = new_session._lease_ctes

    def always_conflicting(i, pool, **kwargs):
        ctes, params = real(i, pool, **kwargs)
        # What a concurrent session's committed lease does: the unique index turns the insert into nothing.
        ctes[-1] = ctes[-1].replace("WHERE p", "WHERE FALSE AND p", 1)
        return ctes, params

    monkeypatch.setattr(new_session, "_lease_ctes", always_conflicting)
    body = assign().json()
    assert body["numbers"] and Visit.objects.count() == 1
    assert Lease.objects.get().visit.session_uid == body["session_id"]


@pytest.mark.postgres
def test_a_lost_pick_is_taken_again_in_one_more_statement_not_by_the_orm_rules(assign, visitor_pool, shared_cache,
                                                                               monkeypatch, django_assert_num_queries):
    """Concurrent new sessions often pick the same tracker and one loses it (its lease insert does nothing): that
    session takes the next free tracker in one more statement with a fresh snapshot, not through the full ORM
    rules (a transaction and several statements), and its visit is recorded once."""
    from dni_snippet import services
    from trackers import new_session

    real, calls = new_session._lease_ctes, []

    def first_pick_lost(i, pool, **kwargs):
        ctes, params = real(i, pool, **kwargs)
        calls.append(pool.pk)
        if len(calls) == 1:  # the new session's statement: a concurrent session's lease won the picked tracker
            ctes[-1] = ctes[-1].replace("WHERE p", "WHERE FALSE AND p", 1)
        return ctes, params

    monkeypatch.setattr(new_session, "_lease_ctes", first_pick_lost)
    monkeypatch.setattr(services, "lease_acquire", lambda **kwargs: pytest.fail("the ORM rules ran"))
    assign()  # the website cache warm and its install check written
    calls.clear()
    with django_assert_num_queries(2):
        body = assign().json()
    assert calls == [visitor_pool.pk, visitor_pool.pk]
    visit = Visit.objects.get(session_uid=body["session_id"])
    assert [lease.tracker.tracking_number for lease in visit.leases.all()] == [body["numbers"][0]["tracking"]]
