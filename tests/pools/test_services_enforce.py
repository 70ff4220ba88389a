"""The FAQ scenarios of automated pools, on a frozen clock, against the database."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest

from pools.models import Pool
from pools.services import PoolCannotBuyNumbers, pool_enforce, pool_update, pools_enforce_all
from telephony.models import TelephonySettings
from telephony.providers.sandbox import SandboxProvider
from tests.factories import CallTrackerFactory, PoolFactory
from tests.pools.conftest import active_sources, live_count, statuses
from trackers.models import CallTracker, TrackerStatusChange

SOURCES = [("google", "organic", 40), ("google", "cpc", 30), ("(direct)", "(none)", 20), ("facebook", "social", 10)]


def _traffic(add_visits, sources=SOURCES):
    for source, medium, count in sources:
        add_visits(source, medium, count)


def test_pool_with_no_trackers_resized_creates_trackers_and_activates_top_sources(auto_pool, add_visits, now):
    _traffic(add_visits)
    pool_update(pool=auto_pool, size=0)
    assert pool_enforce(pool=auto_pool, now=now) == []
    assert live_count(auto_pool) == 0

    pool_update(pool=auto_pool, size=3)
    actions = pool_enforce(pool=auto_pool, now=now)

    assert [a.action for a in actions].count("create") == 3
    assert statuses(auto_pool) == {"active": 3}
    assert active_sources(auto_pool) == {("google", "organic"), ("google", "cpc"), ("(direct)", "(none)")}


def test_shrinking_size_flags_extra_actives_then_frees_them_then_deletes_down_to_size(auto_pool, add_visits, now):
    _traffic(add_visits)
    pool_enforce(pool=auto_pool, now=now)
    assert statuses(auto_pool) == {"active": 4}

    pool_update(pool=auto_pool, size=2)
    pool_enforce(pool=auto_pool, now=now)
    # Flagged trackers keep forwarding; nothing can be deleted yet.
    assert statuses(auto_pool) == {"active": 2, "flagged": 2}
    assert active_sources(auto_pool) == {("google", "organic"), ("google", "cpc")}

    pool_enforce(pool=auto_pool, now=now + timedelta(days=29))
    assert statuses(auto_pool) == {"active": 2, "flagged": 2}

    actions = pool_enforce(pool=auto_pool, now=now + timedelta(days=30))
    assert sorted(a.action for a in actions) == ["delete", "delete", "free", "free"]
    assert statuses(auto_pool) == {"active": 2}
    assert CallTracker.objects.filter(pool=auto_pool, deleted_at__isnull=False).count() == 2


def test_shrinking_size_deletes_available_trackers_at_once(auto_pool, add_visits, now):
    add_visits("google", "organic", 40)
    pool_enforce(pool=auto_pool, now=now)
    assert statuses(auto_pool) == {"active": 1, "available": 3}

    pool_update(pool=auto_pool, size=2)
    actions = pool_enforce(pool=auto_pool, now=now)

    assert [a.action for a in actions] == ["delete", "delete"]
    assert statuses(auto_pool) == {"active": 1, "available": 1}


def test_growing_size_creates_trackers_and_activates_more_sources(auto_pool, add_visits, now):
    _traffic(add_visits)
    pool_update(pool=auto_pool, size=2)
    pool_enforce(pool=auto_pool, now=now)
    assert statuses(auto_pool) == {"active": 2}

    pool_update(pool=auto_pool, size=4)
    actions = pool_enforce(pool=auto_pool, now=now)

    assert sorted(a.action for a in actions) == ["activate", "activate", "create", "create"]
    assert statuses(auto_pool) == {"active": 4}
    assert active_sources(auto_pool) == {(s, m) for s, m, _ in SOURCES}


def test_changing_utilization_reflags_and_activates_but_never_deletes(auto_pool, add_visits, now):
    _traffic(add_visits)
    pool_enforce(pool=auto_pool, now=now)

    pool_update(pool=auto_pool, utilization=Decimal("0.5"))
    pool_enforce(pool=auto_pool, now=now)
    assert statuses(auto_pool) == {"active": 2, "flagged": 2}

    actions = pool_enforce(pool=auto_pool, now=now + timedelta(days=31))
    assert [a.action for a in actions] == ["free", "free"]
    assert statuses(auto_pool) == {"active": 2, "available": 2}
    assert not CallTracker.objects.filter(pool=auto_pool, deleted_at__isnull=False).exists()

    pool_update(pool=auto_pool, utilization=Decimal("1"))
    actions = pool_enforce(pool=auto_pool, now=now + timedelta(days=31))
    assert [a.action for a in actions] == ["activate", "activate"]
    assert statuses(auto_pool) == {"active": 4}


def test_changing_the_original_number_affects_only_trackers_activated_afterwards(auto_pool, add_visits, now):
    add_visits("google", "organic", 40)
    pool_enforce(pool=auto_pool, now=now)

    pool_update(pool=auto_pool, original_number="(202) 555-0177")
    add_visits("google", "cpc", 30)
    pool_enforce(pool=auto_pool, now=now)

    numbers = dict(
        ((t.source, t.medium), t.original_number)
        for t in CallTracker.objects.live().filter(pool=auto_pool, status="active")
    )
    assert numbers == {("google", "organic"): "+12025550150", ("google", "cpc"): "+12025550177"}


def test_source_below_min_visits_gets_no_tracker(auto_pool, add_visits, now):
    add_visits("google", "organic", 5)
    add_visits("bing", "cpc", 4)
    # Bots and visits outside the window do not count.
    add_visits("bing", "cpc", 10, is_bot=True)
    add_visits("bing", "cpc", 10, at=now - timedelta(days=91))

    pool_enforce(pool=auto_pool, now=now)

    assert active_sources(auto_pool) == {("google", "organic")}
    assert statuses(auto_pool) == {"active": 1, "available": 3}


def test_no_available_tracker_means_nothing_is_activated(auto_pool, add_visits, now):
    pool_update(pool=auto_pool, size=2)
    for source in ("old-a", "old-b"):
        CallTrackerFactory(pool=auto_pool, flagged=True, source=source, medium="referral", flagged_at=now - timedelta(days=3))
    _traffic(add_visits)

    actions = pool_enforce(pool=auto_pool, now=now)

    assert actions == []
    assert statuses(auto_pool) == {"flagged": 2}


def test_flagged_source_back_on_the_top_list_is_unflagged_and_keeps_its_number(auto_pool, add_visits, now):
    pool_update(pool=auto_pool, size=1)
    tracker = CallTrackerFactory(pool=auto_pool, flagged=True, source="google", medium="organic",
                                 original_number="+12025550150", flagged_at=now - timedelta(days=10))
    add_visits("google", "organic", 40)

    actions = pool_enforce(pool=auto_pool, now=now)

    assert [(a.action, a.tracker_id) for a in actions] == [("unflag", tracker.pk)]
    tracker.refresh_from_db()
    assert (tracker.status, tracker.flagged_at, tracker.source) == ("active", None, "google")


def test_manual_pools_are_untouched_even_trackers_flagged_for_flag_days(account, website, add_visits, now):
    pool = PoolFactory(account=account, website=website, size=1, flag_days=30, min_visits=1)
    active = CallTrackerFactory(pool=pool, active=True, source="nobody", medium="none")
    available = [CallTrackerFactory(pool=pool) for _ in range(2)]
    recent = CallTrackerFactory(pool=pool, flagged=True, flagged_at=now - timedelta(days=29))
    expired = CallTrackerFactory(pool=pool, flagged=True, flagged_at=now - timedelta(days=30))
    add_visits("google", "organic", 40)

    actions = pool_enforce(pool=pool, now=now)

    assert actions == []
    assert set(CallTracker.objects.live().filter(pool=pool).values_list("pk", flat=True)) == {
        active.pk, recent.pk, expired.pk, *(t.pk for t in available)
    }


def test_a_second_run_right_after_the_first_changes_nothing(auto_pool, add_visits, now):
    _traffic(add_visits)
    CallTrackerFactory(pool=auto_pool, flagged=True, source="gone", medium="referral", flagged_at=now - timedelta(days=40))
    assert pool_enforce(pool=auto_pool, now=now) != []
    history = TrackerStatusChange.objects.count()

    assert pool_enforce(pool=auto_pool, now=now) == []
    assert TrackerStatusChange.objects.count() == history


def test_engine_changes_leave_history_rows_by_the_rules_engine(auto_pool, add_visits, now):
    add_visits("google", "organic", 40)
    pool_enforce(pool=auto_pool, now=now)

    activation = TrackerStatusChange.objects.get(to_status="active")
    assert activation.actor_label == "rules engine"
    assert activation.reason == "google/organic is on the top list (40 visits)"
    assert (activation.source, activation.medium, activation.created_at) == ("google", "organic", now)


def test_dry_run_returns_the_plan_and_changes_nothing(auto_pool, add_visits, now):
    _traffic(add_visits)

    plan = pool_enforce(pool=auto_pool, now=now, dry_run=True)

    assert [a.action for a in plan] == ["create"] * 4 + ["activate"] * 4
    assert live_count(auto_pool) == 0


def test_one_steady_enforcement_run_takes_a_fixed_number_of_queries(auto_pool, add_visits, now,
                                                                    django_assert_num_queries):
    _traffic(add_visits)
    pool_enforce(pool=auto_pool, now=now)
    # savepoint, lock the pool, how far the daily source counts reach, top sources, trackers, release savepoint
    with django_assert_num_queries(6):
        assert pool_enforce(pool=auto_pool, now=now) == []


def test_applying_actions_costs_a_fixed_number_of_queries_per_action(auto_pool, add_visits, now,
                                                                      django_assert_num_queries):
    _traffic(add_visits)
    pool_enforce(pool=auto_pool, now=now)
    pool_update(pool=auto_pool, utilization=Decimal("0.5"))
    # 6 for the run + 1 to load the trackers + 2 flags × (savepoint, update, history, release)
    with django_assert_num_queries(15):
        assert len(pool_enforce(pool=auto_pool, now=now)) == 2


def test_when_the_provider_has_no_numbers_the_rest_of_the_plan_still_applies(auto_pool, add_visits, now):
    pool_update(pool=auto_pool, size=2)
    old = CallTrackerFactory(pool=auto_pool, active=True, source="gone", medium="referral")
    add_visits("google", "organic", 40)
    empty = mock.create_autospec(SandboxProvider, instance=True)
    empty.name = "sandbox"
    empty.search.return_value = []

    with mock.patch("pools.services.provider_for_account", autospec=True, return_value=empty):
        with pytest.raises(PoolCannotBuyNumbers, match="The sandbox provider has 0 of the 1 numbers") as raised:
            pool_enforce(pool=auto_pool, now=now)

    assert raised.value.code == "cannot_buy_numbers"
    assert "Searched: area code 202 (0 found)" in raised.value.message
    assert [(a.action, a.tracker_id) for a in raised.value.actions] == [("flag", old.pk)]
    assert statuses(auto_pool) == {"flagged": 1}
    empty.buy.assert_not_called()
    auto_pool.refresh_from_db()
    assert "has 0 of the 1 numbers" in auto_pool.last_provision_error and auto_pool.last_provision_error_at == now


def test_twilio_without_credentials_is_a_clear_domain_error_recorded_on_the_pool(auto_pool, add_visits, now, settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    TelephonySettings.objects.create(account=auto_pool.account, provider="twilio")
    add_visits("google", "organic", 40)

    with pytest.raises(PoolCannotBuyNumbers, match="Twilio credentials are missing") as raised:
        pool_enforce(pool=auto_pool, now=now)

    assert raised.value.code == "provider_error"
    auto_pool.refresh_from_db()
    assert auto_pool.last_provision_error.startswith("Twilio credentials are missing")


def test_a_later_successful_purchase_clears_the_recorded_error(auto_pool, add_visits, now):
    Pool.objects.filter(pk=auto_pool.pk).update(last_provision_error="Twilio said no", last_provision_error_at=now)
    add_visits("google", "organic", 40)
    pool_enforce(pool=auto_pool, now=now)
    auto_pool.refresh_from_db()
    assert (auto_pool.last_provision_error, auto_pool.last_provision_error_at) == ("", None)


def test_the_scheduled_run_logs_a_pool_that_cannot_buy_and_goes_on(auto_pool, account, website, now, settings, caplog):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    TelephonySettings.objects.create(account=auto_pool.account, provider="twilio")
    assert pools_enforce_all(now=now) == 0
    assert "Twilio credentials are missing" in caplog.text and "Traceback" not in caplog.text


def test_faq_a_manual_tracker_flagged_by_hand_31_days_ago_is_untouched_by_enforce_pools(account, website, now):
    # FAQ: a manual pool's life cycle "is only changed manually"; the number may be printed on a billboard.
    from io import StringIO
    from unittest import mock

    from django.core.management import call_command

    pool = PoolFactory(account=account, website=website, name="Billboards", flag_days=30)
    billboard = CallTrackerFactory(pool=pool, flagged=True, flagged_at=now - timedelta(days=31))
    out = StringIO()

    with mock.patch("django.utils.timezone.now", return_value=now):
        call_command("enforce_pools", stdout=out)
        call_command("enforce_pools", "--pool", str(pool.pk), stdout=out)

    billboard.refresh_from_db()
    assert (billboard.status, billboard.deleted_at, billboard.flagged_at) == ("flagged", None, now - timedelta(days=31))
    assert out.getvalue().splitlines()[-1] == "0 actions"
    assert "Billboards" not in out.getvalue().splitlines()[0]
