from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.factories import CallFactory, CallTrackerFactory, PoolFactory


def _url(pool):
    return reverse("dashboard:pool_detail", args=[pool.pk])


def test_pool_detail_groups_trackers_by_state_with_their_last_call(marketer_client, pool, tracker):
    CallFactory(tracker=tracker, started_at=timezone.now() - timedelta(days=2))
    last = CallFactory(tracker=tracker, started_at=timezone.now() - timedelta(hours=1))
    flagged = CallTrackerFactory(pool=pool, flagged=True, source="bing", medium="cpc")
    response = marketer_client.get(_url(pool))
    assert response.status_code == 200
    groups = {state: trackers for _, state, trackers in response.context["tracker_groups"]}
    assert groups["active"] == [tracker] and groups["flagged"] == [flagged] and groups["available"] == []
    assert groups["active"][0].last_call_id == last.pk
    assert groups["flagged"][0].last_call_id is None
    body = response.content.decode()
    assert "google / cpc" in body and "No calls yet" in body and reverse("dashboard:call_detail", args=[last.pk]) in body


def test_visitor_pool_shows_sizing_and_exhaustion_sections_waiting_for_data(marketer_client, pool):
    body = marketer_client.get(_url(pool)).content.decode()
    assert "Numbers in use and pool size" in body and "Ran out of numbers" in body
    assert "Next enforcement run" not in body


def test_automated_pool_shows_the_next_enforcement_section(marketer_client, account, website):
    pool = PoolFactory(account=account, website=website, kind="automated", tracking="source")
    body = marketer_client.get(_url(pool)).content.decode()
    assert "Next enforcement run" in body and "Numbers in use and pool size" not in body


def test_another_accounts_pool_is_404(marketer_client, other_call):
    assert marketer_client.get(_url(other_call.pool)).status_code == 404


def test_anonymous_is_redirected_to_login(client, pool):
    assert client.get(_url(pool)).status_code == 302


def test_pool_detail_query_count_does_not_grow_with_trackers(marketer_client, pool, django_assert_num_queries):
    for _ in range(5):
        CallFactory(tracker=CallTrackerFactory(pool=pool, active=True))
    # session, user, membership, websites, pool, trackers with last call, rollup state, calls per pool,
    # original-number history, then the visitor pool's open leases (how many, the most one client holds), sizing
    # (peak, samples), peak in range (the peaks rollup's state, then, not rolled up yet, the leases live: with a
    # rollup, its days too), exhaustion counts (in the range, and the last 24 h for its health) and list; whether the
    # user is an account admin (the "Add numbers" form) is read off the memberships
    with django_assert_num_queries(16):
        marketer_client.get(_url(pool))


def test_out_of_range_id_is_404_not_500(marketer_client, db):
    assert marketer_client.get("/dashboard/pools/99999999999999999999999/").status_code == 404


def test_automated_pool_shows_what_the_next_run_would_do_and_the_top_list(marketer_client, account, website):
    from tests.factories import VisitFactory
    from trackers.models import CallTracker

    pool = PoolFactory(account=account, website=website, kind="automated", tracking="source", size=2, utilization="1", min_visits=2)
    CallTrackerFactory(pool=pool)
    for _ in range(2):
        VisitFactory(website=website, source="newsletter", medium="email", started_at=timezone.now() - timedelta(hours=2))
    response = marketer_client.get(_url(pool))
    actions = {step.action for step in response.context["enforcement"]}
    assert "activate" in actions
    body = response.content.decode()
    assert "newsletter / email" in body and "activate" in body
    # A dry run: the page changed nothing.
    assert not CallTracker.objects.filter(pool=pool, status="active").exists()


def test_automated_pool_without_traffic_explains_why_nothing_is_activated(marketer_client, account, website):
    pool = PoolFactory(account=account, website=website, kind="automated", tracking="source", size=2, min_visits=100)
    body = marketer_client.get(_url(pool)).content.decode()
    assert "No source/medium has 100 visits" in body


def test_visitor_pool_shows_the_concurrency_chart_peak_and_exhaustion_counts(marketer_client, pool):
    from pools.models import ConcurrencySample
    from trackers.models import ExhaustionEvent

    now = timezone.now()
    for minutes, leased in [(30, 1), (20, 4), (10, 2)]:
        ConcurrencySample.objects.create(pool=pool, sampled_at=now - timedelta(minutes=minutes), leased=leased, size=pool.size)
    ExhaustionEvent.objects.create(pool=pool, occurred_at=now - timedelta(minutes=5))
    ExhaustionEvent.objects.create(pool=PoolFactory(tracking="visitor"), occurred_at=now)  # another account's pool
    response = marketer_client.get(_url(pool))
    assert response.context["exhaustion"]["count"] == 1
    assert response.context["sizing"]["peak"] >= 4
    body = response.content.decode()
    assert 'class="leased"' in body and "found every number in use" in body


def test_a_single_concurrency_sample_shows_the_waiting_message_not_a_one_point_chart(marketer_client, pool):
    from pools.models import ConcurrencySample

    ConcurrencySample.objects.create(pool=pool, sampled_at=timezone.now(), leased=0, size=pool.size)
    body = marketer_client.get(_url(pool)).content.decode()
    assert "Not enough concurrency samples" in body and 'class="leased"' not in body


def _stuck_pool(account, website, now):
    """An automated source pool whose only tracker is Active and whose other top source waits 25 days for
    the Flagged one; one source/medium is under min_visits."""
    from tests.factories import VisitFactory

    pool = PoolFactory(account=account, website=website, name="Service line", kind="automated", tracking="source",
                       size=2, utilization="1", min_visits=2, flag_days=30)
    CallTrackerFactory(pool=pool, active=True, source="google", medium="organic")
    flagged = CallTrackerFactory(pool=pool, flagged=True, source="old", medium="referral", flagged_at=now - timedelta(days=5))
    for source, medium, count in (("google", "organic", 3), ("newsletter", "email", 2), ("bing", "cpc", 1)):
        for _ in range(count):
            VisitFactory(website=website, source=source, medium=medium, started_at=now - timedelta(hours=2))
    return pool, flagged


def test_a_stuck_pool_explains_its_waiting_and_sub_threshold_sources_and_is_never_shown_healthy(
        marketer_client, account, website, other_call):
    pool, flagged = _stuck_pool(account, website, timezone.now())
    response = marketer_client.get(_url(pool))
    diagnosis = response.context["diagnosis"]
    assert [(w.source, w.medium, w.visits) for w in diagnosis.waiting] == [("newsletter", "email", 2)]
    assert diagnosis.waiting[0].frees_at == flagged.flagged_at + timedelta(days=30)
    assert [(c.source, c.visits) for c in diagnosis.below] == [("bing", 1)]
    body = response.content.decode()
    assert "Nothing to do" not in body
    assert "Not following its rules: 1 source/medium on the top list waits for a tracker" in body
    assert "Why is this pool not activating?" in body
    assert "no Available tracker; the next Flagged one frees up" in body
    assert "bing / cpc" in body
    assert "bobsource" not in body  # another account's traffic never explains this pool


def test_a_pool_following_its_rules_says_so(marketer_client, account, website):
    pool, flagged = _stuck_pool(account, website, timezone.now())
    flagged.status, flagged.flagged_at, flagged.source, flagged.medium = "available", None, "", ""
    flagged.save()
    from pools.services import pool_enforce

    pool_enforce(pool=pool)
    body = marketer_client.get(_url(pool)).content.decode()
    assert "Nothing to do: the pool follows its rules." in body and "Not following" not in body


def test_earlier_original_numbers_are_listed(marketer_client, account, website):
    from pools.services import pool_update

    pool = PoolFactory(account=account, website=website, original_number="+12025550150")
    pool_update(pool=pool, original_number="+12025550177")
    body = marketer_client.get(_url(pool)).content.decode()
    assert "Earlier original numbers" in body and "(202) 555-0150" in body


def test_automated_source_pool_page_query_count_is_pinned(marketer_client, account, website, django_assert_num_queries):
    pool, _ = _stuck_pool(account, website, timezone.now())
    # session, user, membership, websites, pool, trackers with last call, rollup state, calls per pool,
    # original-number history, then the diagnosis: how far the daily source counts reach, visit counts (the top
    # list is cut from them; the plan and the diagnosis of the state it leaves take the page's pool and trackers);
    # its health reads whether its numbers match any visit off those counts; whether the user is an account admin
    # is read off the memberships
    with django_assert_num_queries(11):
        marketer_client.get(_url(pool))


def test_an_automated_visitor_pool_sampled_for_minutes_says_not_enough_data_yet(marketer_client, account, website):
    from pools.models import ConcurrencySample

    pool = PoolFactory(account=account, website=website, kind="automated", tracking="visitor", size=8)
    now = timezone.now()
    for minutes, leased in [(30, 1), (20, 2)]:
        ConcurrencySample.objects.create(pool=pool, sampled_at=now - timedelta(minutes=minutes), leased=leased, size=8)
    response = marketer_client.get(_url(pool))
    assert response.context["sizing"]["sampling_since"] == now - timedelta(minutes=30)
    body = response.content.decode()
    assert "not enough data yet" in body and "sampling since" in body
    assert "Recommended size</dt><dd><strong>" not in body
    assert "never shrinks for lack of samples" in body


def test_a_pool_with_a_day_of_samples_shows_its_recommended_size(marketer_client, pool):
    from pools.models import ConcurrencySample

    ConcurrencySample.objects.create(pool=pool, sampled_at=timezone.now() - timedelta(hours=25), leased=2, size=pool.size)
    ConcurrencySample.objects.create(pool=pool, sampled_at=timezone.now() - timedelta(minutes=1), leased=1, size=pool.size)
    body = marketer_client.get(_url(pool)).content.decode()
    assert "Recommended size</dt><dd><strong>3</strong>" in body and "not enough data yet" not in body


def test_visitor_pool_shows_the_numbers_held_by_one_client_and_the_sessions_its_cap_refused(marketer_client, pool):
    from tests.factories import VisitFactory
    from trackers.leasing import lease_acquire

    for _ in range(4):
        CallTrackerFactory(pool=pool, active=True)
    now = timezone.now()
    for _ in range(5):
        lease_acquire(pool=pool, visit=VisitFactory(website=pool.website), now=now, client_key="198.51.100.7")
    response = marketer_client.get(_url(pool))
    assert response.context["client_holdings"] == {"most_held": 3, "cap": 3, "capped_sessions": 2}
    body = response.content.decode()
    assert "Numbers held by one client" in body and "2 sessions" in body


def test_the_health_counts_the_last_24_hours_of_exhaustion_whatever_the_date_range(marketer_client, pool):
    """One aggregate counts the events of the date range (the exhaustion section) and of the last 24 h (the health),
    each over its own window."""
    from pools.selectors import pool_health_get
    from trackers.models import ExhaustionEvent

    now = timezone.now()
    ExhaustionEvent.objects.create(pool=pool, occurred_at=now - timedelta(days=3), is_client_cap=True)
    response = marketer_client.get(_url(pool))
    assert (response.context["exhaustion"]["count"], response.context["client_holdings"]["capped_sessions"]) == (1, 1)
    assert response.context["health"].state != "exhausted"
    ExhaustionEvent.objects.create(pool=pool, occurred_at=now - timedelta(hours=2))
    response = marketer_client.get(_url(pool) + "?range=1")  # the health's 24 h, whatever the range holds
    assert response.context["health"] == pool_health_get(account=pool.account, pool=pool, now=timezone.now())
    assert response.context["health"].state == "exhausted"


def test_the_peak_in_the_range_is_the_rolled_days_and_the_leases_since_the_rollup(marketer_client, pool):
    """Three sessions at once two days ago (rolled up by the scheduled task), two since the last roll (read live):
    the page shows the larger; two more now and the live part wins."""
    from pools.peaks import pool_peaks_roll
    from tests.factories import LeaseFactory, VisitFactory

    now = timezone.now()
    trackers = [CallTrackerFactory(pool=pool, active=True) for _ in range(4)]

    def lease(tracker, started, minutes, *, ended=True):
        LeaseFactory(tracker=tracker, visit=VisitFactory(website=pool.website), started_at=started,
                     expires_at=started + timedelta(minutes=minutes),
                     ended_at=started + timedelta(minutes=minutes) if ended else None)

    for tracker in trackers[:3]:
        lease(tracker, now - timedelta(days=2), 10)
    pool_peaks_roll(now=now)
    for tracker in trackers[:2]:
        lease(tracker, now - timedelta(seconds=30), 30, ended=False)
    assert marketer_client.get(_url(pool)).context["sizing"]["peak_in_range"] == 3
    for tracker in trackers[2:]:
        lease(tracker, now - timedelta(seconds=20), 30, ended=False)
    assert marketer_client.get(_url(pool)).context["sizing"]["peak_in_range"] == 4
    body = marketer_client.get(_url(pool)).content.decode()
    assert "Peak in the date range</dt><dd>4</dd>" in body
