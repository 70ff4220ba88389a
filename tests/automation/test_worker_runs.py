"""Rules run in the worker when a call reaches its final state (and again when its transcript arrives), once per call
per trigger, with the rule as the actor; the trace says what each rule did. Q_SYNC runs django-q2 tasks inline."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from automation.models import RuleEffect, RuleNotification, RuleRun
from automation.services import rule_create, rules_run
from automation.signals import rule_notification_created
from calls.completion import announce, announce_final
from calls.models import BlockedNumber, Call, CallOutcomeChange
from calls.outcomes import call_mark
from core.actors import Actor
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db

LONG = [{"field": "talk_seconds", "op": "gte", "value": 60}]


def _finish(call, capture, event="call.completed"):
    """What calls.completion does when the call turns final: announce inside the call's transaction."""
    with capture(execute=True), transaction.atomic():
        announce_final(call) if event == "call.completed" else announce(call.pk, event)


def test_a_final_call_runs_the_rules_in_the_worker_with_the_rule_as_actor(
        account, answered_call, django_capture_on_commit_callbacks):
    rule_create(account=account, name="Long calls", conditions=LONG,
                actions=[{"type": "add_tag", "value": "long call"}, {"type": "set_score", "value": 4}])
    _finish(answered_call, django_capture_on_commit_callbacks)

    call = Call.objects.get(pk=answered_call.pk)
    assert [t.name for t in call.tags.all()] == ["long call"] and call.score == 4
    change = CallOutcomeChange.objects.get(call=call)
    assert change.actor_label == "Long calls (rule)" and change.actor is None
    assert list(RuleEffect.objects.filter(call=call).values_list("rule_name", "action_type", "status")) == [
        ("Long calls", "add_tag", "applied"), ("Long calls", "set_score", "applied")]
    assert RuleRun.objects.get(call=call).trigger == "completed"


def test_the_rules_run_once_per_call_whatever_repeats(account, answered_call, django_capture_on_commit_callbacks):
    rule_create(account=account, name="Notify", conditions=[], actions=[{"type": "notify", "value": ["ops@example.com"]}])
    _finish(answered_call, django_capture_on_commit_callbacks)
    _finish(answered_call, django_capture_on_commit_callbacks)  # a duplicated event
    async_task("automation.tasks.run_rules", answered_call.pk, "completed")  # a retried task
    assert RuleRun.objects.filter(call=answered_call).count() == 1
    assert RuleNotification.objects.filter(call=answered_call).count() == 1


def test_the_database_refuses_a_second_run_for_the_same_trigger(answered_call):
    RuleRun.objects.create(account=answered_call.account, call=answered_call, trigger="completed", created_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleRun.objects.create(account=answered_call.account, call=answered_call, trigger="completed", created_at=timezone.now())


def test_a_call_still_ringing_or_an_account_without_rules_runs_nothing(account, tracker, answered_call):
    ringing = CallFactory(tracker=tracker, status="ringing")
    assert rules_run(call_id=answered_call.pk, trigger="completed") is None  # no rules
    rule_create(account=account, name="any", conditions=[], actions=[{"type": "add_tag", "value": "x"}])
    assert rules_run(call_id=ringing.pk, trigger="completed") is None
    assert not RuleRun.objects.exists()


def test_a_disabled_rule_does_not_run(account, answered_call):
    rule_create(account=account, name="off", conditions=[], actions=[{"type": "add_tag", "value": "x"}], enabled=False)
    assert rules_run(call_id=answered_call.pk, trigger="completed") is None


def test_a_rule_that_does_not_match_leaves_the_call_alone(account, answered_call):
    rule_create(account=account, name="Short", conditions=[{"field": "talk_seconds", "op": "lte", "value": 10}],
                actions=[{"type": "set_outcome", "value": "not_lead"}])
    result = rules_run(call_id=answered_call.pk, trigger="completed")
    assert result is not None and result.matched == 0 and not result.changed
    assert Call.objects.get(pk=answered_call.pk).outcome == "" and not RuleEffect.objects.exists()


def test_a_person_s_outcome_is_never_overwritten_by_a_rule(account, answered_call):
    call_mark(call=answered_call, actor=Actor.person(UserFactory(username="sam"), via="dashboard"), outcome="sale")
    rule_create(account=account, name="Leads", conditions=[], actions=[{"type": "set_outcome", "value": "lead"}])
    rules_run(call_id=answered_call.pk, trigger="completed")
    assert Call.objects.get(pk=answered_call.pk).outcome == "sale"
    effect = RuleEffect.objects.get()
    assert effect.status == "skipped" and "person" in effect.reason


def test_mark_spam_by_a_rule_blocks_the_caller_and_removes_the_conversion(account, answered_call):
    Call.objects.filter(pk=answered_call.pk).update(is_conversion=True, conversion_value=Decimal("10"))
    rule_create(account=account, name="Robocalls", conditions=[{"field": "caller_area_code", "op": "eq", "value": "415"}],
                actions=[{"type": "mark_spam"}])
    rules_run(call_id=answered_call.pk, trigger="completed")
    call = Call.objects.get(pk=answered_call.pk)
    assert call.spam and not call.is_conversion
    assert BlockedNumber.objects.filter(account=account, number="+14155550123").exists()


def test_a_rule_sets_outcome_and_value_and_the_call_converts(account, tracker):
    started = timezone.now() - timedelta(minutes=5)
    short = CallFactory(tracker=tracker, talk_seconds=8, answered_at=started, started_at=started, source="google")
    rule_create(account=account, name="Google leads", conditions=[{"field": "source", "op": "eq", "value": "google"}],
                actions=[{"type": "set_outcome", "value": "lead"}, {"type": "set_value", "value": "150"}])
    rules_run(call_id=short.pk, trigger="completed")
    call = Call.objects.get(pk=short.pk)
    assert (call.outcome, call.value, call.is_conversion, call.conversion_value) == ("lead", Decimal("150.00"), True, Decimal("150.00"))


def test_notify_writes_an_outbox_row_and_tells_the_sender(account, answered_call, marketer):
    heard = []
    rule_notification_created.connect(lambda sender, notification_id, **kw: heard.append(notification_id), weak=False,
                                      dispatch_uid="test-notify")
    try:
        rule_create(account=account, name="Tell", conditions=[], actions=[{"type": "notify", "value": [marketer.pk, "a@example.com"]}])
        rules_run(call_id=answered_call.pk, trigger="completed")
    finally:
        rule_notification_created.disconnect(dispatch_uid="test-notify")
    notification = RuleNotification.objects.get()
    assert heard == [notification.pk]
    assert (notification.recipients, notification.status, notification.rule_name) == ([marketer.pk, "a@example.com"], "sent", "Tell")  # handed to the notifications outbox


def test_a_transcript_runs_the_rules_that_listen_for_phrases_once(
        account, answered_call, monkeypatch, django_capture_on_commit_callbacks):
    rule_create(account=account, name="Booked", conditions=[{"field": "said", "op": "in", "value": ["book an appointment", "schedule"]}],
                actions=[{"type": "add_tag", "value": "booked"}])
    rule_create(account=account, name="Every call", conditions=[], actions=[{"type": "add_tag", "value": "seen"}])
    _finish(answered_call, django_capture_on_commit_callbacks)  # no transcript yet: "Booked" cannot match
    assert [t.name for t in Call.objects.get(pk=answered_call.pk).tags.all()] == ["seen"]

    # Transcripts are another part's: the rules read them through one accessor (a fake text here).
    monkeypatch.setattr("automation.services.call_transcript_text", lambda call: "Hi, can I book an appointment?")
    _finish(answered_call, django_capture_on_commit_callbacks, event="call.transcript_ready")
    _finish(answered_call, django_capture_on_commit_callbacks, event="call.transcript_ready")
    assert sorted(t.name for t in Call.objects.get(pk=answered_call.pk).tags.all()) == ["booked", "seen"]
    assert list(RuleRun.objects.filter(call=answered_call).values_list("trigger", flat=True)) == ["completed", "transcript"]
    # "Every call" already ran at completion: the transcript does not run it again.
    assert RuleEffect.objects.filter(rule_name="Every call").count() == 1


def test_a_stored_transcript_runs_the_phrase_rules_end_to_end(account, answered_call, django_capture_on_commit_callbacks):
    """No fake: the transcripts part stores a ready transcript (text and a phrase keyword spotting heard), announces
    call.transcript_ready, and the worker's rules read it."""
    from transcripts.models import Transcript
    from transcripts.services import transcript_store

    rule_create(account=account, name="Financing", conditions=[{"field": "said", "op": "in", "value": ["financing"]}],
                actions=[{"type": "add_tag", "value": "financing"}])
    rule_create(account=account, name="Heard refund", conditions=[{"field": "said", "op": "in", "value": ["refund"]}],
                actions=[{"type": "set_score", "value": 2}])
    _finish(answered_call, django_capture_on_commit_callbacks)
    assert not Call.objects.get(pk=answered_call.pk).tags.exists()
    transcript = Transcript.objects.create(account=account, call=answered_call, recording_sid="RE1", backend="local")
    with django_capture_on_commit_callbacks(execute=True):
        assert transcript_store(transcript_id=transcript.pk, text="do you offer financing on the furnace",
                                segments=[], spotted=[{"phrase": "refund", "start": 1.0}])
    call = Call.objects.get(pk=answered_call.pk)
    assert [t.name for t in call.tags.all()] == ["financing"]
    assert call.score == 2
    assert RuleRun.objects.filter(call=call, trigger="transcript").count() == 1
