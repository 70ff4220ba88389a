"""The `local` backend end to end: a signed recording callback → the worker fetches the recording through the
recording access code (Twilio's WAV, credentials, URL rules) → PocketSphinx on generated telephone audio → a ready
transcript with speaker turns, its key phrase found, and `call.transcript_ready` sent once."""

import json

import pytest
import responses

from integrations.models import WebhookDelivery
from tests.factories import CallFactory
from tests.integrations.factories import WebhookEndpointFactory
from transcripts import testset
from transcripts.accuracy import word_error_rate
from transcripts.audio import write_wav
from transcripts.models import Transcript, TranscriptionSettings

pytestmark = pytest.mark.django_db

RECORDING_CALLBACK = "/telephony/twilio/recording"
HOOK = "https://hooks.example.com/in"
PARENT = "CA" + "e" * 32
REC = "RE" + "b" * 32
TWILIO_URL = f"https://api.twilio.com/2010-04-01/Accounts/AC{'1' * 32}/Recordings/{REC}"
SCRIPT = testset.ScriptedCall("ci", [
    ("caller", "Hi, I would like to make an appointment for a cleaning."),
    ("business", "Sure. Do you have dental insurance?"),
    ("caller", "Yes, I have insurance through my work."),
], snr_db=20)
# This call measures about 0.4 (the whole test set 0.7: bench/bench_transcripts.py, docs/transcripts.md). The bound
# catches a broken pipeline (wrong sample rate, channels mixed up, silence), not a slightly worse model.
WER_BOUND = 0.6


@pytest.fixture(scope="module")
def spoken_wav() -> bytes:
    return write_wav(testset.render(SCRIPT, seed=7))


def recording_callback():
    return {"AccountSid": "AC" + "1" * 32, "CallSid": PARENT, "RecordingSid": REC, "RecordingUrl": TWILIO_URL,
            "RecordingStatus": "completed", "RecordingDuration": "12", "RecordingChannels": "2", "RecordingSource": "DialVerb"}


@pytest.mark.slow
@responses.activate
def test_recording_is_transcribed_locally_with_turns_and_key_phrase(twilio_post, active_tracker, spoken_wav,
                                                                   django_capture_on_commit_callbacks):
    call = CallFactory(tracker=active_tracker, provider_call_id=PARENT)
    TranscriptionSettings.objects.create(account=call.account, backend="local", key_phrases=["appointment", "insurance", "refund"])
    WebhookEndpointFactory(account=call.account, url=HOOK, event_types=["call.transcript_ready"])
    responses.get(TWILIO_URL + ".wav", body=spoken_wav, content_type="audio/x-wav")
    responses.post(HOOK, status=200)
    with django_capture_on_commit_callbacks(execute=True):
        assert twilio_post(RECORDING_CALLBACK, recording_callback()).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert twilio_post(RECORDING_CALLBACK, recording_callback()).status_code == 200  # Twilio retries
    transcript = Transcript.objects.get(call=call)
    assert transcript.status == "ready", transcript.error
    assert word_error_rate(SCRIPT.reference, transcript.text) <= WER_BOUND, transcript.text
    assert transcript.said("appointment", "insurance", "refund") == ["appointment", "insurance"], transcript.spotted
    assert "refund" not in transcript.heard_phrases and "insurance" in transcript.heard_phrases
    speakers = [segment["speaker"] for segment in transcript.segments]
    assert speakers == ["caller", "business", "caller"], transcript.segments
    assert all(a["start"] <= b["start"] for a, b in zip(transcript.segments, transcript.segments[1:], strict=False))
    assert transcript.audio_seconds == pytest.approx(len(spoken_wav) / 32000, abs=0.1)
    # One recording: one transcript, one download, one webhook.
    assert [c.request.method for c in responses.calls].count("GET") == 1
    assert WebhookDelivery.objects.filter(event_type="call.transcript_ready").count() == 1
    body = json.loads(next(c for c in responses.calls if c.request.method == "POST").request.body)
    assert body["data"]["transcript"]["text"] == transcript.text


@responses.activate
def test_a_recording_that_cannot_be_fetched_fails_the_transcript_and_sends_nothing(
        twilio_post, active_tracker, django_capture_on_commit_callbacks):
    call = CallFactory(tracker=active_tracker, provider_call_id=PARENT)
    TranscriptionSettings.objects.create(account=call.account, backend="local")
    WebhookEndpointFactory(account=call.account, url=HOOK, event_types=["call.transcript_ready"])
    responses.get(TWILIO_URL + ".wav", status=404)
    with django_capture_on_commit_callbacks(execute=True):
        twilio_post(RECORDING_CALLBACK, recording_callback())
    transcript = Transcript.objects.get(call=call)
    assert transcript.status == "failed" and "404" in transcript.error
    assert not WebhookDelivery.objects.exists()


def test_no_transcript_is_asked_for_when_the_backend_is_off(twilio_post, active_tracker, django_capture_on_commit_callbacks):
    call = CallFactory(tracker=active_tracker, provider_call_id=PARENT)
    with django_capture_on_commit_callbacks(execute=True):
        twilio_post(RECORDING_CALLBACK, recording_callback())
    call.refresh_from_db()
    assert call.has_recording and not Transcript.objects.exists()
