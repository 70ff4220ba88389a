from datetime import UTC, datetime, timedelta

import pytest

from calls.models import Call, CallEvent
from calls.signals import call_event
from tests.calls.payloads import dialed_status_payload, inbound_status_payload
from tests.factories import CallFactory

URL = "/telephony/twilio/status"
PARENT = "CA" + "c" * 32
pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 13, 0, 0, tzinfo=UTC)


def stamp(seconds: int) -> str:
    from email.utils import format_datetime

    return format_datetime(T0 + timedelta(seconds=seconds))


@pytest.fixture
def call(active_tracker):
    return CallFactory(tracker=active_tracker, provider_call_id=PARENT, status=Call.Status.RINGING,
                       started_at=T0, duration_seconds=0)


def dialed(status, sequence, at=0, **extra):
    return dialed_status_payload(parent_sid=PARENT, status=status, sequence=sequence, timestamp=stamp(at), **extra)


def test_dialed_leg_progress_updates_the_parent_call(twilio_post, call):
    for payload in [dialed("queued", 0), dialed("ringing", 1, 1), dialed("in-progress", 2, 6),
                    dialed("completed", 3, 66, call_duration=60)]:
        assert twilio_post(URL, payload).status_code == 200
    twilio_post(URL, inbound_status_payload(call_sid=PARENT, to=call.tracking_number, call_duration=67,
                                            timestamp=stamp(67)))

    call.refresh_from_db()
    assert call.status == Call.Status.COMPLETED
    assert call.answered_at == T0 + timedelta(seconds=6)
    assert call.talk_seconds == 60
    assert call.duration_seconds == 67
    assert call.ended_at == T0 + timedelta(seconds=67)
    assert CallEvent.objects.filter(call=call).count() == 5


def test_replayed_callback_is_recorded_once(twilio_post, call):
    payload = dialed("in-progress", 2, 6)

    twilio_post(URL, payload)
    response = twilio_post(URL, payload)

    assert response.status_code == 200
    assert CallEvent.objects.filter(call_sid=payload["CallSid"], sequence_number=2).count() == 1


def test_out_of_order_callbacks_never_move_status_backwards(twilio_post, call):
    twilio_post(URL, dialed("completed", 3, 66, call_duration=60))
    twilio_post(URL, dialed("in-progress", 2, 6))
    twilio_post(URL, dialed("ringing", 1, 1))

    call.refresh_from_db()
    assert call.status == Call.Status.COMPLETED
    assert call.talk_seconds == 60
    assert call.answered_at == T0 + timedelta(seconds=6)


def test_late_answered_callback_keeps_the_earliest_answer_time(twilio_post, call):
    twilio_post(URL, dialed("completed", 3, 66, call_duration=60))  # implies an answer at +6 s
    twilio_post(URL, dialed("in-progress", 2, 6))

    call.refresh_from_db()
    assert call.answered_at == T0 + timedelta(seconds=6)


def test_unanswered_dialed_leg_outcome_replaces_the_inbound_legs_completed(twilio_post, call):
    twilio_post(URL, inbound_status_payload(call_sid=PARENT, to=call.tracking_number, call_duration=30,
                                            timestamp=stamp(30)))
    twilio_post(URL, dialed("no-answer", 2, 30, call_duration=0))

    call.refresh_from_db()
    assert call.status == Call.Status.NO_ANSWER
    assert call.answered_at is None
    assert call.duration_seconds == 30


def test_busy_business_line_ends_the_call_busy(twilio_post, call):
    twilio_post(URL, dialed("busy", 1, 2, call_duration=0))
    twilio_post(URL, inbound_status_payload(call_sid=PARENT, to=call.tracking_number, call_duration=3,
                                            timestamp=stamp(3)))

    call.refresh_from_db()
    assert call.status == Call.Status.BUSY


def test_unknown_call_sid_gets_a_harmless_200_and_creates_nothing(twilio_post, active_tracker):
    payload = dialed_status_payload(parent_sid="CA" + "9" * 32, status="completed", sequence=3, call_duration=5)

    response = twilio_post(URL, payload)

    assert response.status_code == 200
    assert Call.objects.count() == 0
    assert CallEvent.objects.count() == 0


def test_forged_callback_gets_403_and_changes_nothing(twilio_post, call):
    response = twilio_post(URL, dialed("completed", 3, 66, call_duration=600), token="forger")

    assert response.status_code == 403
    call.refresh_from_db()
    assert call.status == Call.Status.RINGING
    assert call.talk_seconds == 0
    assert CallEvent.objects.count() == 0


def test_unsigned_callback_gets_403(twilio_post, call):
    assert twilio_post(URL, dialed("ringing", 1), signature="").status_code == 403


def test_get_is_not_allowed(client, twilio_env):
    assert client.get(URL).status_code == 405


def test_completion_is_announced_once_after_commit(twilio_post, call, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, call_id, event, **kwargs):
        received.append((call_id, event))

    call_event.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            twilio_post(URL, dialed("completed", 3, 66, call_duration=60))
            twilio_post(URL, inbound_status_payload(call_sid=PARENT, to=call.tracking_number, timestamp=stamp(67)))
            twilio_post(URL, dialed("completed", 3, 66, call_duration=60))
    finally:
        call_event.disconnect(listener)

    assert received == [(call.pk, "call.completed"), (call.pk, "call.converted")]  # 60 s ≥ the rule's 30 s


def test_replayed_inbound_completion_without_sequence_number_is_recorded_once(twilio_post, call):
    payload = inbound_status_payload(call_sid=PARENT, to=call.tracking_number, call_duration=67, timestamp=stamp(67))

    twilio_post(URL, payload)
    twilio_post(URL, payload)

    assert CallEvent.objects.filter(call_sid=PARENT).count() == 1


def test_attribution_that_failed_at_call_start_is_retried_at_completion(twilio_post, call):
    from tests.factories import TrackerStatusChangeFactory

    TrackerStatusChangeFactory(tracker=call.tracker, to_status="active", source="google", medium="cpc",
                               created_at=T0 - timedelta(days=1))
    assert call.attribution_method == Call.Method.NONE

    twilio_post(URL, inbound_status_payload(call_sid=PARENT, to=call.tracking_number, timestamp=stamp(67)))

    call.refresh_from_db()
    assert call.attribution_method == Call.Method.SOURCE
    assert (call.source, call.medium) == ("google", "cpc")


def test_status_callback_query_count_is_pinned(twilio_post, call, django_assert_num_queries):
    # token (call, settings), call, event insert in savepoints, locked re-read, update
    with django_assert_num_queries(10):
        twilio_post(URL, dialed("in-progress", 2, 6))


def test_callback_without_call_status_records_the_event_but_changes_nothing(twilio_post, call):
    payload = dialed("ringing", 1)
    del payload["CallStatus"]

    assert twilio_post(URL, payload).status_code == 200
    call.refresh_from_db()
    assert call.status == Call.Status.RINGING


def test_callback_for_an_unrecorded_call_is_checked_with_the_numbers_account_token(twilio_post, active_tracker):
    from telephony.models import Provider
    from tests.factories import TelephonySettingsFactory

    telephony = TelephonySettingsFactory(account=active_tracker.pool.account, provider=Provider.TWILIO,
                                         twilio_account_sid="AC" + "2" * 32)
    telephony.set_twilio_auth_token("account-own-token")
    telephony.save()
    payload = inbound_status_payload(call_sid="CA" + "7" * 32, to=active_tracker.tracking_number)

    assert twilio_post(URL, payload, token="account-own-token").status_code == 200
    assert Call.objects.count() == 0


def test_dialed_leg_sequence_progress_is_kept_on_the_call(twilio_post, call):
    twilio_post(URL, dialed("in-progress", 2, 6))
    twilio_post(URL, dialed("ringing", 1, 1))

    call.refresh_from_db()
    assert call.last_sequence_number == 2


def test_unreadable_timestamp_falls_back_to_the_receive_time(twilio_post, call):
    payload = dialed("in-progress", 2)
    payload["Timestamp"] = "yesterday-ish"

    assert twilio_post(URL, payload).status_code == 200
    call.refresh_from_db()
    assert call.answered_at is not None


def test_callback_signed_with_another_token_than_the_calls_account_gets_403(twilio_post, call):
    from telephony.models import Provider
    from tests.factories import TelephonySettingsFactory

    telephony = TelephonySettingsFactory(account=call.account, provider=Provider.TWILIO,
                                         twilio_account_sid="AC" + "2" * 32)
    telephony.set_twilio_auth_token("account-own-token")
    telephony.save()

    assert twilio_post(URL, dialed("in-progress", 2, 6)).status_code == 403  # environment token
    call.refresh_from_db()
    assert call.answered_at is None
    assert twilio_post(URL, dialed("in-progress", 2, 6), token="account-own-token").status_code == 200
