"""POST /telephony/twilio/recording: the signed recording-status callback stores the recording on the call."""

import pytest

from calls.models import Call
from calls.signals import call_event
from tests.factories import CallFactory

URL = "/telephony/twilio/recording"
PARENT = "CA" + "d" * 32
SID = "RE" + "a" * 32
TWILIO_URL = f"https://api.twilio.com/2010-04-01/Accounts/AC{'1' * 32}/Recordings/{SID}"
pytestmark = pytest.mark.django_db


@pytest.fixture
def call(active_tracker):
    return CallFactory(tracker=active_tracker, provider_call_id=PARENT)


def payload(**extra):
    return {"AccountSid": "AC" + "1" * 32, "CallSid": PARENT, "RecordingSid": SID, "RecordingUrl": TWILIO_URL,
            "RecordingStatus": "completed", "RecordingDuration": "42", "RecordingChannels": "2",
            "RecordingSource": "DialVerb", **extra}


@pytest.fixture
def events():
    sent = []

    def listener(sender, call_id, event, **kwargs):
        sent.append((call_id, event))

    call_event.connect(listener, dispatch_uid="test-recording-events")
    yield sent
    call_event.disconnect(dispatch_uid="test-recording-events")


def test_recording_is_stored_on_the_call_and_announced(twilio_post, call, events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = twilio_post(URL, payload())
    assert response.status_code == 200
    call.refresh_from_db()
    assert (call.recording_sid, call.recording_url, call.recording_duration_seconds) == (SID, TWILIO_URL, 42)
    assert call.has_recording
    assert events == [(call.pk, "call.recording_ready")]


def test_retried_callback_changes_nothing_and_announces_once(twilio_post, call, events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        twilio_post(URL, payload())
        assert twilio_post(URL, payload()).status_code == 200
    assert events == [(call.pk, "call.recording_ready")]


def test_unknown_call_gets_a_harmless_200_and_nothing_is_created(twilio_post, db):
    response = twilio_post(URL, payload(CallSid="CA" + "9" * 32))
    assert response.status_code == 200
    assert not Call.objects.exists()


def test_forged_signature_gets_403_and_nothing_is_stored(twilio_post, call):
    assert twilio_post(URL, payload(), signature="forged").status_code == 403
    call.refresh_from_db()
    assert not call.has_recording


def test_failed_recording_is_not_stored(twilio_post, call):
    twilio_post(URL, payload(RecordingStatus="failed"))
    call.refresh_from_db()
    assert not call.has_recording


def test_recording_url_outside_twilio_is_refused(twilio_post, call):
    twilio_post(URL, payload(RecordingUrl="http://169.254.169.254/latest/meta-data"))
    call.refresh_from_db()
    assert not call.has_recording


def test_get_is_405(client, twilio_env):
    assert client.get(URL).status_code == 405
