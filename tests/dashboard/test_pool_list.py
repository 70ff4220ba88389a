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
    # session, user, membership, websites, pools with counts, rollup state, calls per pool, the pool-type
    # guide's measured peaks, and health: whether the source pools' numbers match any visit (their numbers' sources,
    # how far the daily source counts reach, one read of the visit window: nothing counted here, so live)
    with django_assert_num_queries(11):
        marketer_client.get(URL)


def test_the_pool_type_guide_shows_the_sites_own_measured_peak(marketer_client, account, website, other_account):
    from datetime import timedelta

    from django.utils import timezone

    from pools.models import ConcurrencySample

    now = timezone.now()
    pool = PoolFactory(account=account, website=website, tracking="visitor")
    for hours, leased in [(30, 3), (2, 7)]:
        ConcurrencySample.objects.create(pool=pool, sampled_at=now - timedelta(hours=hours), leased=leased, size=10)
    other = PoolFactory(account=other_account, tracking="visitor", name="Bob pool")
    ConcurrencySample.objects.create(pool=other, sampled_at=now - timedelta(hours=1), leased=40, size=40)

    response = marketer_client.get(URL)

    assert [(row["website"], row["peak"], row["numbers"]) for row in response.context["guide"]["peaks"]] == [(website.name, 7, 11)]
    body = response.content.decode()
    assert "Which pool type?" in body and "Manual static numbers" in body
    assert "peak concurrent visitors × 1.5" in body
    assert f"{website.name}: peak 7 concurrent visitors → <strong>11 numbers</strong>" in body
    assert "40 concurrent" not in body


def test_the_pool_type_guide_without_samples_says_how_to_estimate(marketer_client, db, account):
    body = marketer_client.get(URL).content.decode()
    assert "No measured figure yet" in body
