from datetime import UTC, datetime, timedelta

import pytest

from calls.models import Call
from calls.services import call_attribute, call_start
from calls.signals import call_event
from tests.factories import (
    CallTrackerFactory,
    LeaseFactory,
    PoolFactory,
    TrackerStatusChangeFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def test_first_call_from_a_number_is_a_first_time_caller(active_tracker):
    call, created = call_start(provider_call_id="CA1", tracker=active_tracker, caller_number="+14158675309", now=T0)

    assert created
    assert call.is_first_time_caller


def test_second_call_from_the_same_number_is_a_repeat_caller(active_tracker):
    call_start(provider_call_id="CA1", tracker=active_tracker, caller_number="+14158675309", now=T0)

    call, _ = call_start(provider_call_id="CA2", tracker=active_tracker, caller_number="(415) 867-5309",
                         now=T0 + timedelta(days=3))

    assert call.caller_number == "+14158675309"
    assert not call.is_first_time_caller


def test_a_caller_known_to_another_account_is_new_here(active_tracker, other_account):
    other_pool = PoolFactory(account=other_account, original_number="+12125550100")
    other_tracker = CallTrackerFactory(pool=other_pool, active=True)
    call_start(provider_call_id="CA1", tracker=other_tracker, caller_number="+14158675309", now=T0)

    call, _ = call_start(provider_call_id="CA2", tracker=active_tracker, caller_number="+14158675309",
                         now=T0 + timedelta(hours=1))

    assert call.is_first_time_caller


def test_anonymous_callers_are_not_counted_as_first_time(active_tracker):
    call, _ = call_start(provider_call_id="CA1", tracker=active_tracker, caller_number="anonymous", now=T0)

    assert call.caller_number == ""
    assert not call.is_first_time_caller


def test_starting_the_same_call_twice_returns_the_first(active_tracker):
    first, _ = call_start(provider_call_id="CA1", tracker=active_tracker, caller_number="+14158675309", now=T0)

    again, created = call_start(provider_call_id="CA1", tracker=active_tracker, caller_number="+14158675309",
                                now=T0 + timedelta(seconds=5))

    assert not created
    assert again.pk == first.pk
    assert Call.objects.count() == 1


def test_call_started_is_sent_after_commit(active_tracker, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, call_id, event, **kwargs):
        received.append(event)

    call_event.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call_start(provider_call_id="CA1", tracker=active_tracker, caller_number="+14158675309", now=T0)
    finally:
        call_event.disconnect(listener)

    assert received == ["call.started"]


def _call(tracker, at):
    call, _ = call_start(provider_call_id=f"CA{at.timestamp():.0f}", tracker=tracker, caller_number="+14158675309", now=at)
    return call


def test_visitor_call_during_a_lease_is_attributed_to_that_visit(visitor_tracker):
    visit = VisitFactory(website=visitor_tracker.pool.website, source="google", medium="cpc", campaign="spring",
                         term="plumber", gclid="Cj0KCQ", landing_page="https://example.com/drains")
    LeaseFactory(tracker=visitor_tracker, visit=visit, started_at=T0 - timedelta(minutes=5),
                 expires_at=T0 + timedelta(minutes=25))

    call = call_attribute(call=_call(visitor_tracker, T0))

    call.refresh_from_db()
    assert call.visit == visit
    assert call.attribution_method == Call.Method.LEASE
    assert call.attribution_confidence == 1.0
    assert (call.source, call.medium, call.campaign, call.term, call.gclid, call.landing_page) == (
        "google", "cpc", "spring", "plumber", "Cj0KCQ", "https://example.com/drains")


def test_visitor_call_shortly_after_release_goes_to_the_recent_lease_with_lower_confidence(visitor_tracker):
    visit = VisitFactory(website=visitor_tracker.pool.website)
    LeaseFactory(tracker=visitor_tracker, visit=visit, started_at=T0 - timedelta(minutes=40),
                 expires_at=T0 - timedelta(minutes=10), ended_at=T0 - timedelta(minutes=12))

    call = call_attribute(call=_call(visitor_tracker, T0))

    assert call.visit == visit
    assert call.attribution_method == Call.Method.RECENT_LEASE
    assert 0 < call.attribution_confidence < 1.0


def test_visitor_call_long_after_any_lease_is_not_attributed(visitor_tracker):
    LeaseFactory(tracker=visitor_tracker, started_at=T0 - timedelta(hours=3), expires_at=T0 - timedelta(hours=2))

    call = call_attribute(call=_call(visitor_tracker, T0))

    assert call.visit is None
    assert call.attribution_method == Call.Method.NONE
    assert call.attribution_confidence == 0.0


def test_source_call_takes_the_trackers_assignment_at_call_time(active_tracker):
    TrackerStatusChangeFactory(tracker=active_tracker, to_status="active", source="google", medium="cpc",
                               created_at=T0 - timedelta(days=10))
    TrackerStatusChangeFactory(tracker=active_tracker, to_status="active", source="bing", medium="cpc",
                               created_at=T0 + timedelta(days=1))  # after the call: must not count

    call = call_attribute(call=_call(active_tracker, T0))

    assert call.attribution_method == Call.Method.SOURCE
    assert (call.source, call.medium) == ("google", "cpc")


def test_source_call_to_an_available_tracker_is_not_attributed(source_pool):
    tracker = CallTrackerFactory(pool=source_pool, available=True)
    TrackerStatusChangeFactory(tracker=tracker, to_status="available", created_at=T0 - timedelta(days=1))

    call = call_attribute(call=_call(tracker, T0))

    assert call.attribution_method == Call.Method.NONE


def test_manual_attribution_is_kept(active_tracker):
    TrackerStatusChangeFactory(tracker=active_tracker, to_status="active", source="google", medium="cpc",
                               created_at=T0 - timedelta(days=1))
    call = _call(active_tracker, T0)
    Call.objects.filter(pk=call.pk).update(attribution_method=Call.Method.MANUAL, source="trade show")
    call.refresh_from_db()

    call_attribute(call=call)

    call.refresh_from_db()
    assert call.source == "trade show"


def test_attribution_is_announced_after_commit(active_tracker, django_capture_on_commit_callbacks):
    TrackerStatusChangeFactory(tracker=active_tracker, to_status="active", source="google", medium="cpc",
                               created_at=T0 - timedelta(days=1))
    call = _call(active_tracker, T0)
    received = []

    def listener(sender, call_id, event, **kwargs):
        received.append((call_id, event))

    call_event.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call_attribute(call=call)
    finally:
        call_event.disconnect(listener)

    assert received == [(call.pk, "call.attributed")]


def test_an_earlier_call_arriving_later_makes_the_later_call_a_repeat(active_tracker):
    later, _ = call_start(provider_call_id="CA2", tracker=active_tracker, caller_number="+14158675309", now=T0 + timedelta(hours=1))
    earlier, _ = call_start(provider_call_id="CA1", tracker=active_tracker, caller_number="+14158675309", now=T0)

    later.refresh_from_db()
    assert earlier.is_first_time_caller and not later.is_first_time_caller


def test_first_time_recompute_goes_by_start_time_not_insertion_order(active_tracker, other_account):
    from calls.services import calls_first_time_recompute
    from tests.factories import CallFactory

    account = active_tracker.pool.account
    # Inserted newest first (as a bulk load might), all flagged first-time.
    late = CallFactory(tracker=active_tracker, caller_number="+14155550001", started_at=T0 + timedelta(hours=2), is_first_time_caller=True)
    early = CallFactory(tracker=active_tracker, caller_number="+14155550001", started_at=T0, is_first_time_caller=False)
    other = CallFactory(tracker=active_tracker, caller_number="+14155550002", started_at=T0 + timedelta(hours=1), is_first_time_caller=False)
    hidden = CallFactory(tracker=active_tracker, caller_number="", started_at=T0, is_first_time_caller=True)
    elsewhere = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=other_account, original_number="+12125550100"), active=True),
                            caller_number="+14155550001", started_at=T0 + timedelta(hours=3), is_first_time_caller=True)

    assert calls_first_time_recompute(account=account) == 2

    flags = {c.pk: c.is_first_time_caller for c in Call.objects.all()}
    assert (flags[early.pk], flags[late.pk], flags[other.pk], flags[hidden.pk]) == (True, False, True, False)
    assert flags[elsewhere.pk] is True  # another account's calls are untouched


def test_migration_recomputes_first_time_flags_by_start_time(active_tracker):
    import importlib

    from django.apps import apps

    from tests.factories import CallFactory

    late = CallFactory(tracker=active_tracker, caller_number="+14155550007", started_at=T0 + timedelta(hours=1), is_first_time_caller=True)
    early = CallFactory(tracker=active_tracker, caller_number="+14155550007", started_at=T0, is_first_time_caller=False)
    importlib.import_module("calls.migrations.0005_recompute_first_time_callers_by_start_time").recompute(apps, None)
    late.refresh_from_db()
    early.refresh_from_db()
    assert early.is_first_time_caller and not late.is_first_time_caller


def test_a_call_demoted_to_repeat_caller_stops_converting_under_a_first_time_only_rule(
        active_tracker, django_capture_on_commit_callbacks):
    from tests.factories import CallFactory, ConversionRuleFactory

    ConversionRuleFactory(website=active_tracker.pool.website, min_seconds=30, first_time_only=True)
    later = CallFactory(tracker=active_tracker, provider_call_id="CA2", caller_number="+14158675309",
                        started_at=T0 + timedelta(hours=1), answered_at=T0 + timedelta(hours=1), status="completed",
                        talk_seconds=60, is_first_time_caller=True, is_conversion=True)

    with django_capture_on_commit_callbacks(execute=True):
        call_start(provider_call_id="CA1", tracker=active_tracker, caller_number="+14158675309", now=T0)

    later.refresh_from_db()
    assert not later.is_first_time_caller
    assert not later.is_conversion
