from django.urls import reverse

from tests.factories import CallFactory, CallTrackerFactory, PoolFactory

URL = reverse("dashboard:pool_list")


def test_pool_list_counts_trackers_by_state_and_calls(marketer_client, pool, tracker, call):
    CallTrackerFactory(pool=pool, flagged=True)
    CallTrackerFactory(pool=pool, available=True)
    CallTrackerFactory(pool=pool, available=True)
    response = marketer_client.get(URL)
    assert response.status_code == 200
    [listed] = response.context["pools"]
    assert (listed.active_count, listed.flagged_count, listed.available_count, listed.calls_in_range) == (1, 1, 2, 1)


def test_another_accounts_pools_never_appear(marketer_client, pool, other_call):
    response = marketer_client.get(URL)
    assert response.context["pools"] == [pool]
    assert "Bob secret pool" not in response.content.decode()


def test_empty_state_says_what_to_do(marketer_client, db):
    assert "No pools yet." in marketer_client.get(URL).content.decode()


def test_anonymous_is_redirected_to_login(client):
    assert client.get(URL).status_code == 302


def test_pool_list_query_count_does_not_grow_with_pools(marketer_client, account, website, django_assert_num_queries):
    for _ in range(3):
        tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
        CallFactory(tracker=tracker)
    # session, user, membership, websites, pools with counts, rollup state, calls per pool
    with django_assert_num_queries(7):
        marketer_client.get(URL)
