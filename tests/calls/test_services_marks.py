"""What people mark on a call besides the outcome: tags, score and spam (calls.outcomes.call_mark), one by one and in
bulk, with one history row per change and one call.updated."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from calls.models import BlockedNumber, Call, CallOutcomeChange, Tag
from calls.outcomes import call_mark, calls_mark_bulk
from calls.signals import call_event
from core.actors import Actor
from core.errors import DomainError
from reports.models import RollupState
from tests.factories import (
    AccountFactory,
    BlockedNumberFactory,
    CallFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    received = []

    def listener(sender, call_id, event, **kwargs):
        received.append((call_id, event))

    call_event.connect(listener)
    yield received
    call_event.disconnect(listener)


@pytest.fixture
def call(active_tracker):
    return CallFactory(tracker=active_tracker, caller_number="+14158675309", answered_at=timezone.now(),
                       talk_seconds=90, is_conversion=True)


def _names(call):
    return sorted(tag.name for tag in Call.objects.get(pk=call.pk).tags.all())


def test_tags_by_name_replace_the_calls_tags_and_missing_ones_are_created(call, account):
    TagFactory(account=account, name="booked")
    call_mark(call=call, tags=["booked", "follow up"])
    assert _names(call) == ["booked", "follow up"]
    assert Tag.objects.filter(account=account).count() == 2
    call_mark(call=call, tags=["follow up"])
    assert _names(call) == ["follow up"]


def test_a_tag_name_matches_whatever_its_case_and_spacing(call, account):
    TagFactory(account=account, name="Booked")
    call_mark(call=call, tags=["  booked ", "BOOKED"])
    assert _names(call) == ["Booked"] and Tag.objects.filter(account=account).count() == 1


def test_add_tags_keeps_the_tags_the_call_has(call):
    call_mark(call=call, tags=["a"])
    call_mark(call=call, add_tags=["b"])
    assert _names(call) == ["a", "b"]


def test_another_accounts_tag_of_the_same_name_is_never_used(call, account):
    theirs = TagFactory(account=AccountFactory(), name="booked")
    call_mark(call=call, tags=["booked"])
    [tag] = Call.objects.get(pk=call.pk).tags.all()
    assert tag.account == account and tag != theirs


@pytest.mark.parametrize("bad", ["", "   ", "x" * 51, "a\x00b"])
def test_bad_tag_names_are_refused_and_nothing_changes(call, bad):
    with pytest.raises(DomainError) as exc:
        call_mark(call=call, tags=["ok", bad])
    assert exc.value.code == "invalid" and "tags" in exc.value.fields
    assert _names(call) == [] and not Tag.objects.exists()


@pytest.mark.parametrize("bad", [0, 6, "x", -1])
def test_a_score_is_1_to_5(call, bad):
    with pytest.raises(DomainError) as exc:
        call_mark(call=call, score=bad)
    assert "score" in exc.value.fields


def test_the_database_refuses_a_score_outside_1_to_5(call):
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.filter(pk=call.pk).update(score=6)


def test_score_is_set_and_cleared(call):
    assert call_mark(call=call, score=4).score == 4
    assert call_mark(call=call, score=None).score is None


def test_a_change_writes_one_history_row_with_the_actor_and_both_sides(call):
    user = UserFactory(username="carol")
    call_mark(call=call, actor=Actor.person(user, via="dashboard"), tags=["booked"], score=5)
    [change] = CallOutcomeChange.objects.filter(call=call)
    assert (change.from_tags, change.to_tags, change.from_score, change.to_score) == ([], ["booked"], None, 5)
    assert change.actor == user and change.actor_label == "carol (dashboard)"


def test_a_change_sends_call_updated_once_after_commit(call, events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_mark(call=call, tags=["booked"], score=3, spam=False)
    assert events == [(call.pk, "call.updated")]


def test_setting_the_same_marks_again_changes_nothing(call, events, django_capture_on_commit_callbacks):
    call_mark(call=call, tags=["booked"], score=3)
    with django_capture_on_commit_callbacks(execute=True):
        call_mark(call=call, tags=["Booked"], score=3, spam=False)
    assert events == [] and CallOutcomeChange.objects.filter(call=call).count() == 1


def test_spam_is_never_a_conversion_whatever_the_outcome(call):
    call = call_mark(call=call, outcome="sale", value=Decimal("50"))
    assert call.is_conversion
    call = call_mark(call=call, spam=True)
    assert (call.is_conversion, call.conversion_value) == (False, Decimal("0"))
    assert call_mark(call=call, spam=False).is_conversion


def test_marking_spam_puts_the_caller_on_the_block_list_and_not_spam_takes_it_off(call, account):
    call_mark(call=call, spam=True)
    assert list(BlockedNumber.objects.filter(account=account).values_list("number", flat=True)) == ["+14158675309"]
    call_mark(call=call, spam=False)
    assert not BlockedNumber.objects.filter(account=account).exists()


def test_not_spam_leaves_a_blocked_prefix_alone(call, account):
    BlockedNumberFactory(account=account, number="+1415")
    call_mark(call=call, spam=True)
    call_mark(call=call, spam=False)
    assert list(BlockedNumber.objects.filter(account=account).values_list("number", flat=True)) == ["+1415"]


def test_spam_must_be_a_boolean(call):
    with pytest.raises(DomainError) as exc:
        call_mark(call=call, spam="yes")
    assert "spam" in exc.value.fields


def test_tags_and_spam_on_a_past_day_move_the_rollup_back(call, account):
    RollupState.objects.create(account=account, rolled_through=timezone.now().date() + timedelta(days=1),
                               refreshed_at=timezone.now())
    call_mark(call=call, tags=["booked"])
    assert RollupState.objects.get(account=account).rolled_through <= timezone.now().date()


# ---- bulk -----------------------------------------------------------------------------------------

def test_bulk_adds_a_tag_to_each_chosen_call_and_counts_the_changed_ones(active_tracker, account):
    calls = [CallFactory(tracker=active_tracker) for _ in range(3)]
    call_mark(call=calls[0], tags=["booked"])
    changed = calls_mark_bulk(account=account, call_ids=[c.pk for c in calls], add_tags=["booked"])
    assert changed == 2
    assert all(_names(c) == ["booked"] for c in calls)


def test_bulk_sets_score_and_outcome_through_the_service(active_tracker, account):
    calls = [CallFactory(tracker=active_tracker) for _ in range(2)]
    calls_mark_bulk(account=account, call_ids=[c.pk for c in calls], score=2, actor=Actor.process("test"))
    calls_mark_bulk(account=account, call_ids=[c.pk for c in calls], outcome="lead")
    assert list(Call.objects.filter(pk__in=[c.pk for c in calls]).values_list("score", "outcome", "is_conversion")) == [
        (2, "lead", True), (2, "lead", True)]
    assert CallOutcomeChange.objects.filter(call__in=calls).count() == 4


def test_bulk_ignores_another_accounts_calls(active_tracker, account, other_account):
    mine = CallFactory(tracker=active_tracker)
    theirs = CallFactory(tracker__pool__account=other_account)
    assert calls_mark_bulk(account=account, call_ids=[mine.pk, theirs.pk], score=5) == 1
    assert Call.objects.get(pk=theirs.pk).score is None


def test_bulk_is_all_or_nothing(active_tracker, account):
    calls = [CallFactory(tracker=active_tracker) for _ in range(2)]
    with pytest.raises(DomainError):
        calls_mark_bulk(account=account, call_ids=[c.pk for c in calls], add_tags=["x" * 60])
    assert not CallOutcomeChange.objects.exists()


def test_bulk_without_calls_or_without_a_change_is_refused(active_tracker, account):
    call = CallFactory(tracker=active_tracker)
    with pytest.raises(DomainError):
        calls_mark_bulk(account=account, call_ids=[], score=1)
    with pytest.raises(DomainError):
        calls_mark_bulk(account=account, call_ids=[call.pk])
