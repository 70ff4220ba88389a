"""How one status callback changes a call: pure, no database."""

from datetime import UTC, datetime, timedelta

from calls.models import Call
from calls.planner import CallState, StatusEvent, plan_status_change

T0 = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
RINGING = CallState(status="ringing", answered_at=None, ended_at=None, duration_seconds=0, talk_seconds=0)


def test_dialed_leg_answer_sets_answered_at_and_in_progress():
    changes = plan_status_change(state=RINGING, event=StatusEvent("in-progress", T0, is_dialed_leg=True))

    assert changes == {"status": "in-progress", "answered_at": T0}


def test_ringing_after_completed_changes_nothing():
    state = CallState(status="completed", answered_at=T0, ended_at=T0, duration_seconds=60, talk_seconds=50)

    assert plan_status_change(state=state, event=StatusEvent("ringing", T0, is_dialed_leg=True)) == {}


def test_inbound_leg_completion_sets_duration_and_end():
    changes = plan_status_change(state=RINGING, event=StatusEvent("completed", T0, is_dialed_leg=False, call_duration=70))

    assert changes == {"status": "completed", "duration_seconds": 70, "ended_at": T0}


def test_dialed_leg_busy_replaces_an_unanswered_completed():
    state = CallState(status="completed", answered_at=None, ended_at=T0, duration_seconds=20, talk_seconds=0)

    changes = plan_status_change(state=state, event=StatusEvent("busy", T0, is_dialed_leg=True, call_duration=0))

    assert changes == {"status": Call.Status.BUSY}


def test_dialed_leg_no_answer_does_not_replace_an_answered_completed():
    state = CallState(status="completed", answered_at=T0, ended_at=T0, duration_seconds=20, talk_seconds=10)

    assert plan_status_change(state=state, event=StatusEvent("no-answer", T0, is_dialed_leg=True)) == {}


def test_unknown_status_word_changes_nothing():
    assert plan_status_change(state=RINGING, event=StatusEvent("initiated", T0, is_dialed_leg=True)) == {}


def test_completed_without_answered_callback_derives_the_answer_time():
    changes = plan_status_change(
        state=RINGING, event=StatusEvent("completed", T0, is_dialed_leg=True, call_duration=30)
    )

    assert changes["answered_at"] == T0 - timedelta(seconds=30)
    assert changes["talk_seconds"] == 30


def test_the_first_leg_to_end_starts_the_settle_window():
    from calls.planner import plan_completion

    for leg in ("inbound", "dialed"):
        assert plan_completion(was_ended=False, is_ended=True, is_settling=False, ended_legs=frozenset({leg})) == "settle"


def test_the_second_legs_end_makes_the_call_final_once():
    from calls.planner import plan_completion

    both = frozenset({"inbound", "dialed"})
    assert plan_completion(was_ended=True, is_ended=True, is_settling=True, ended_legs=both) == "final"
    # A retried or late callback after that (no longer settling) changes nothing.
    assert plan_completion(was_ended=True, is_ended=True, is_settling=False, ended_legs=both) == ""


def test_a_call_still_ringing_or_waiting_for_its_other_leg_is_not_final():
    from calls.planner import plan_completion

    assert plan_completion(was_ended=False, is_ended=False, is_settling=False, ended_legs=frozenset()) == ""
    assert plan_completion(was_ended=True, is_ended=True, is_settling=True, ended_legs=frozenset({"dialed"})) == ""


def test_a_voicemail_call_is_final_when_the_callers_leg_ends():
    from calls.planner import plan_completion

    inbound = frozenset({"inbound"})
    assert plan_completion(was_ended=False, is_ended=True, is_settling=False, ended_legs=inbound, voicemail=True) == "final"
    assert plan_completion(was_ended=False, is_ended=True, is_settling=False, ended_legs=inbound) == "settle"
