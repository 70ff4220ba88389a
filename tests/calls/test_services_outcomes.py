"""Outcome, value and note on a call; the stored conversion follows the rule and the outcome."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from calls.models import Call, CallOutcomeChange, ConversionRule
from calls.outcomes import call_set_outcome, conversion_rule_update, website_conversions_recompute
from calls.signals import call_event
from calls.simulation import call_simulate
from core.actors import Actor
from core.errors import DomainError
from tests.calls.payloads import dialed_status_payload, inbound_status_payload
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 13, 0, 0, tzinfo=UTC)


@pytest.fixture
def events():
    received = []

    def listener(sender, call_id, event, **kwargs):
        received.append((call_id, event))

    call_event.connect(listener)
    yield received
    call_event.disconnect(listener)


def _simulate(tracker, duration, answered=True, caller="+14158675309", now=T0):
    return call_simulate(tracking_number=tracker.tracking_number, caller_number=caller, duration_seconds=duration,
                         answered=answered, now=now)


# ---- derived at completion --------------------------------------------------------------------

def test_a_45_second_call_converts_with_the_websites_value(active_tracker, website):
    ConversionRule.objects.create(website=website, value=Decimal("80"))
    call = _simulate(active_tracker, 45)
    assert (call.is_conversion, call.conversion_value, call.talk_seconds) == (True, Decimal("80"), 45)


@pytest.mark.parametrize("duration,answered", [(10, True), (29, True), (0, False)], ids=["10s", "29s", "missed"])
def test_short_and_missed_calls_do_not_convert(active_tracker, duration, answered):
    call = _simulate(active_tracker, duration, answered=answered)
    assert (call.is_conversion, call.conversion_value) == (False, Decimal("0"))


def test_first_time_only_rule_leaves_the_repeat_call_out(active_tracker, website):
    ConversionRule.objects.create(website=website, first_time_only=True)
    first = _simulate(active_tracker, 60)
    second = _simulate(active_tracker, 60, now=T0 + timedelta(hours=1))
    assert (first.is_conversion, second.is_conversion) == (True, False)


def test_talk_time_arriving_after_the_inbound_completion_converts_the_call_late(twilio_post, active_tracker, events,
                                                                                django_capture_on_commit_callbacks):
    call = CallFactory(tracker=active_tracker, provider_call_id="CA" + "d" * 32, status="ringing", started_at=T0,
                       duration_seconds=0)
    stamp = "Wed, 25 Nov 2026 13:00:{:02d} +0000".format
    with django_capture_on_commit_callbacks(execute=True):
        twilio_post("/telephony/twilio/status", dialed_status_payload(parent_sid=call.provider_call_id, status="in-progress",
                                                                      sequence=2, timestamp=stamp(5)))
        twilio_post("/telephony/twilio/status", inbound_status_payload(call_sid=call.provider_call_id,
                                                                       to=call.tracking_number, timestamp=stamp(55)))
    call.refresh_from_db()
    assert call.status == "completed" and not call.is_conversion
    with django_capture_on_commit_callbacks(execute=True):
        twilio_post("/telephony/twilio/status", dialed_status_payload(parent_sid=call.provider_call_id, status="completed",
                                                                      sequence=3, timestamp=stamp(50), call_duration=45))
    call.refresh_from_db()
    assert call.is_conversion
    assert [event for _, event in events].count("call.converted") == 1


# ---- outcome ----------------------------------------------------------------------------------

@pytest.fixture
def short_call(active_tracker):
    return _simulate(active_tracker, 10)


def test_marking_a_short_call_a_lead_makes_it_a_conversion_with_history(short_call, marketer):
    call = call_set_outcome(call=short_call, actor=Actor.person(marketer, via="dashboard"), outcome="lead", value="150", note="Booked")
    assert (call.outcome, call.value, call.note, call.is_conversion, call.conversion_value) == (
        "lead", Decimal("150"), "Booked", True, Decimal("150"))
    change = CallOutcomeChange.objects.get(call=call)
    assert (change.from_outcome, change.to_outcome, change.to_value, change.actor, change.actor_label) == (
        "", "lead", Decimal("150"), marketer, f"{marketer.username} (dashboard)")


def test_not_lead_removes_a_converting_call(active_tracker):
    call = _simulate(active_tracker, 90)
    call = call_set_outcome(call=call, outcome="not_lead")
    assert (call.is_conversion, call.conversion_value) == (False, Decimal("0"))


def test_omitted_fields_stay_and_clearing_the_value_falls_back_to_the_rule(active_tracker, website):
    ConversionRule.objects.create(website=website, value=Decimal("20"))
    call = call_set_outcome(call=_simulate(active_tracker, 90), value="99", note="n")
    assert (call.conversion_value, call.outcome, call.note) == (Decimal("99"), "", "n")
    call = call_set_outcome(call=call, value=None)
    assert (call.conversion_value, call.note) == (Decimal("20"), "n")


def test_an_outcome_change_is_announced_after_commit(short_call, events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_set_outcome(call=short_call, outcome="sale")
        assert events == []
    for callback in callbacks:
        callback()
    assert events == [(short_call.pk, "call.updated")]


def test_setting_the_same_values_again_changes_nothing(short_call, events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_set_outcome(call=short_call, outcome="lead", note="x")
        call_set_outcome(call=short_call, outcome="lead", note="x")
    assert CallOutcomeChange.objects.count() == 1 and events == [(short_call.pk, "call.updated")]


@pytest.mark.parametrize("changes,field", [
    ({"outcome": "spam"}, "outcome"),
    ({"value": "-1"}, "value"),
    ({"value": "abc"}, "value"),
    ({"value": "1e20"}, "value"),
    ({"note": "x" * 2001}, "note"),
])
def test_bad_input_is_a_domain_error_and_changes_nothing(short_call, changes, field):
    with pytest.raises(DomainError) as error:
        call_set_outcome(call=short_call, **changes)
    assert field in error.value.fields
    assert not CallOutcomeChange.objects.exists()


def test_a_deleted_actor_keeps_the_history_row(short_call):
    user = UserFactory(username="gone")
    call_set_outcome(call=short_call, actor=Actor.person(user, via="dashboard"), outcome="lead")
    user.delete()
    assert CallOutcomeChange.objects.get().actor is None


# ---- rule changes -----------------------------------------------------------------------------

@pytest.fixture
def other_call(account):
    """A 45 s call to another website of the same account: its rule is not the one that changes."""
    from tests.factories import CallTrackerFactory, PoolFactory, WebsiteFactory

    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=WebsiteFactory(account=account)), active=True)
    return _simulate(tracker, 45)


def test_changing_the_rule_recomputes_the_websites_calls(active_tracker, website, other_call,
                                                        django_capture_on_commit_callbacks):
    ten, fifty, marked = _simulate(active_tracker, 10), _simulate(active_tracker, 50), _simulate(active_tracker, 5)
    call_set_outcome(call=marked, outcome="sale", value="300")
    other_before = Call.objects.filter(pk=other_call.pk).values_list("is_conversion", "conversion_value").get()
    assert other_before == (True, Decimal("0"))

    with django_capture_on_commit_callbacks(execute=True):  # the recompute is queued after commit
        conversion_rule_update(website=website, min_seconds=5, first_time_only=False, value=Decimal("12.50"))

    rows = dict(Call.objects.values_list("pk", "conversion_value"))
    assert (rows[ten.pk], rows[fifty.pk], rows[marked.pk]) == (Decimal("12.50"), Decimal("12.50"), Decimal("300"))
    assert Call.objects.filter(pk=other_call.pk).values_list("is_conversion", "conversion_value").get() == other_before

    with django_capture_on_commit_callbacks(execute=True):
        conversion_rule_update(website=website, min_seconds=60, first_time_only=False, value=Decimal("12.50"))
    assert set(Call.objects.filter(pool__website=website, is_conversion=True).values_list("pk", flat=True)) == {marked.pk}


def test_recompute_reports_how_many_calls_changed(active_tracker, website):
    _simulate(active_tracker, 45)
    ConversionRule.objects.create(website=website, min_seconds=60)
    assert website_conversions_recompute(website_id=website.pk) == 1
    assert website_conversions_recompute(website_id=website.pk) == 0


def test_a_bad_rule_is_a_domain_error(website):
    with pytest.raises(DomainError) as error:
        conversion_rule_update(website=website, min_seconds=30, first_time_only=False, value=Decimal("-5"))
    assert "value" in error.value.fields
    assert not ConversionRule.objects.exists()


# ---- constraints ------------------------------------------------------------------------------

@pytest.mark.parametrize("fields", [
    {"outcome": "spam"},
    {"value": Decimal("-1")},
    {"is_conversion": False, "conversion_value": Decimal("5")},
    {"is_conversion": True, "conversion_value": Decimal("-5")},
], ids=["unknown-outcome", "negative-value", "value-without-conversion", "negative-conversion-value"])
def test_the_database_rejects_inconsistent_calls(active_tracker, fields):
    call = CallFactory(tracker=active_tracker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.filter(pk=call.pk).update(**fields)


def test_the_database_rejects_a_negative_rule_value(website):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConversionRule.objects.create(website=website, value=Decimal("-1"))
