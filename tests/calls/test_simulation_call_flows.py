"""The sandbox plays the call flow's branches through the same signed webhooks: closed → voicemail, open and
unanswered → the dial action → voicemail, open and answered → the whisper, then the talk; the after-hours forward."""

from datetime import UTC, datetime
from unittest import mock

import pytest

from calls import flows
from calls.models import Call
from calls.results import CallResult
from calls.simulation import call_simulate

pytestmark = pytest.mark.django_db
FLOW = {"hours": [{"days": [0, 1, 2, 3, 4], "open": "09:00", "close": "17:00"}], "closed": {"action": "voicemail"},
        "ring_seconds": 15, "whisper": "Call from {source}"}
MONDAY_10 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 10:00 in New York (the factories' zone)
SUNDAY_22_10 = datetime(2026, 12, 7, 3, 10, tzinfo=UTC)


@pytest.fixture
def flow_tracker(active_tracker):
    active_tracker.pool.call_flow = FLOW
    active_tracker.pool.save(update_fields=["call_flow"])
    return active_tracker


def test_after_hours_the_caller_leaves_a_voicemail(flow_tracker):
    call = call_simulate(tracking_number=flow_tracker.tracking_number, caller_number="+14158675309", now=SUNDAY_22_10,
                         duration_seconds=20)

    call.refresh_from_db()
    assert call.result == CallResult.VOICEMAIL
    assert call.voicemail and call.has_recording and call.has_sandbox_recording
    assert (call.status, call.duration_seconds, call.recording_duration_seconds) == ("completed", 26, 20)
    assert call.is_final


def test_open_but_unanswered_rings_for_ring_seconds_then_voicemail(flow_tracker):
    call = call_simulate(tracking_number=flow_tracker.tracking_number, caller_number="+14158675309", now=MONDAY_10,
                         answered=False, duration_seconds=12)

    call.refresh_from_db()
    assert call.result == CallResult.VOICEMAIL
    assert call.duration_seconds == 15 + 6 + 12  # ring, greeting, message
    assert call.is_final


def test_open_and_answered_whispers_to_the_business(flow_tracker):
    with mock.patch("calls.simulation.call_whisper", wraps=flows.call_whisper) as whisper:
        call = call_simulate(tracking_number=flow_tracker.tracking_number, caller_number="+14158675309", now=MONDAY_10,
                             duration_seconds=42)

    call.refresh_from_db()
    assert call.result == CallResult.ANSWERED and not call.voicemail
    assert whisper.call_count == 1


def test_after_hours_forward_rings_the_other_number(flow_tracker):
    flow_tracker.pool.call_flow = {**FLOW, "closed": {"action": "forward", "number": "+12025550199"}}
    flow_tracker.pool.save(update_fields=["call_flow"])

    call = call_simulate(tracking_number=flow_tracker.tracking_number, caller_number="+14158675309", now=SUNDAY_22_10,
                         duration_seconds=30)

    assert Call.objects.get(pk=call.pk).answered_at is not None
    assert call.events.filter(parent_call_sid=call.provider_call_id).first().payload["To"] == "+12025550199"
