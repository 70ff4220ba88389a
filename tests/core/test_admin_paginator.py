"""The large admin lists (Calls, Visits…) count honestly up to a cap and say "more than N" past it."""

import pytest
from django.urls import reverse

from calls.admin import CallAdmin
from core.admin_paginator import CheapPaginator
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory

URL = reverse("admin:calls_call_changelist")


@pytest.fixture
def tracker(account, website):
    return CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(CheapPaginator, "cap", 4)
    monkeypatch.setattr(CallAdmin, "list_per_page", 2)


def test_a_list_under_the_cap_shows_its_real_count(admin_client_for_account, tracker, small_cap):
    for _ in range(3):
        CallFactory(tracker=tracker)
    response = admin_client_for_account.get(URL)
    body = response.content.decode()
    assert response.context["cl"].result_count == 3
    assert "3 calls" in body and "more than" not in body
    assert "1000000000" not in body and "1,000,000,000" not in body


def test_past_the_cap_the_list_says_more_than_and_links_only_pages_that_exist(admin_client_for_account, tracker,
                                                                             small_cap):
    for _ in range(7):
        CallFactory(tracker=tracker)
    response = admin_client_for_account.get(URL)
    body = response.content.decode()
    cl = response.context["cl"]
    assert cl.paginator.is_capped and cl.paginator.num_pages == 2
    assert "more than 4 calls" in body
    assert "?p=2" in body and "?p=3" not in body
    assert "Select all 4" not in body  # an action on "all" runs on every matching row, not on 4


def test_the_count_is_one_limited_query(tracker, django_assert_num_queries):
    from calls.models import Call

    for _ in range(3):
        CallFactory(tracker=tracker)
    paginator = CheapPaginator(Call.objects.order_by("pk"), 2)
    with django_assert_num_queries(1) as captured:
        assert (paginator.count, paginator.is_capped, paginator.num_pages) == (3, False, 2)
    assert "LIMIT" in captured.captured_queries[0]["sql"].upper()


def test_another_accounts_calls_never_count(admin_client_for_account, other_account, small_cap, tracker):
    other = CallTrackerFactory(pool=PoolFactory(account=other_account), active=True)
    for _ in range(6):
        CallFactory(tracker=other)
    CallFactory(tracker=tracker)
    assert admin_client_for_account.get(URL).context["cl"].result_count == 1



def test_call_search_matches_exactly_on_indexed_columns(admin_client_for_account, tracker):
    mine = CallFactory(tracker=tracker, caller_number="+13125550142")
    CallFactory(tracker=tracker, caller_number="+13125550143")
    for term in ("+13125550142", "(312) 555-0142", mine.provider_call_id):
        found = admin_client_for_account.get(URL, {"q": term}).context["cl"].result_list
        assert [call.pk for call in found] == [mine.pk], term
    assert list(admin_client_for_account.get(URL, {"q": "555014"}).context["cl"].result_list) == []
    by_tracker = admin_client_for_account.get(URL, {"q": tracker.tracking_number}).context["cl"].result_list
    assert len(by_tracker) == 2


def test_the_large_lists_read_no_whole_table_aggregate(admin_client_for_account, tracker, website):
    """No date_hierarchy (its year links are a DISTINCT over every row) and no filter listing DISTINCT values."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    CallFactory(tracker=tracker)
    visit = VisitFactory(website=website)
    for url in (URL, reverse("admin:attribution_visit_changelist")):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client_for_account.get(url).status_code == 200
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert "DISTINCT" not in sql and "MIN(" not in sql, url
    found = admin_client_for_account.get(reverse("admin:attribution_visit_changelist"), {"q": visit.session_uid})
    assert [v.pk for v in found.context["cl"].result_list] == [visit.pk]
