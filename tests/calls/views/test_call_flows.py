"""Each call flow branch through the signed webhooks (twilio RequestValidator signatures): open → dial with a ring
limit, the dial's action → voicemail when nobody answered, closed → voicemail or the after-hours number, holidays,
the recording notice (<Say> and uploaded <Play>), the whisper, the voicemail's recording, and the blocklist first."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from calls.models import Call
from calls.results import CallResult
from pools.services import pool_set_notice_audio
from telephony.recordings import sandbox_recording_wav
from tests.calls.payloads import dialed_status_payload, inbound_status_payload, voice_payload
from tests.factories import BlockedNumberFactory, CallTrackerFactory
from trackers.services import tracker_set_call_flow

pytestmark = pytest.mark.django_db
VOICE, DIAL_RESULT, WHISPER, VOICEMAIL, RECORDING = (
    "/telephony/twilio/voice", "/telephony/twilio/dial-result", "/telephony/twilio/whisper",
    "/telephony/twilio/voicemail", "/telephony/twilio/recording")
FLOW = {"hours": [{"days": [0, 1, 2, 3, 4], "open": "09:00", "close": "17:00"}], "holidays": ["2026-12-25"],
        "closed": {"action": "voicemail"}, "ring_seconds": 25, "whisper": "Call from {source}, keyword {keyword}",
        "voicemail_greeting": "Plumbers R Us is closed. Leave a message."}
# America/New_York (the factories' zone): Monday 7 Dec 2026 10:00 is 15:00 UTC; Sunday 6 Dec 22:10 is 03:10 UTC on the 7th.
MONDAY_10 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
SUNDAY_22_10 = datetime(2026, 12, 7, 3, 10, tzinfo=UTC)
CHRISTMAS_10 = datetime(2026, 12, 25, 15, 0, tzinfo=UTC)
RECORDING_URL = "https://api.twilio.com/2010-04-01/Accounts/AC" + "1" * 32 + "/Recordings/RE" + "5" * 32


@pytest.fixture
def flow_tracker(source_pool):
    source_pool.call_flow = FLOW
    source_pool.save(update_fields=["call_flow"])
    return CallTrackerFactory(pool=source_pool, active=True, source="google", medium="cpc")


@pytest.fixture
def clock(monkeypatch):
    def set_now(when):
        monkeypatch.setattr(timezone, "now", lambda: when)
    return set_now


def root_of(response):
    assert response.status_code == 200, response.content
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root


def test_open_dials_the_original_with_a_ring_limit_an_action_and_the_whisper(twilio_post, flow_tracker, clock):
    clock(MONDAY_10)

    root = root_of(twilio_post(VOICE, voice_payload(to=flow_tracker.tracking_number)))

    dial = root.find("Dial")
    assert (dial.get("timeout"), dial.get("action")) == ("25", "http://testserver" + DIAL_RESULT)
    number = dial.find("Number")
    assert number.text == "+12025550150"
    assert number.get("url") == "http://testserver" + WHISPER
    assert number.get("statusCallback") == "http://testserver/telephony/twilio/status"
    assert root.find("Record") is None


@pytest.mark.parametrize("when", [SUNDAY_22_10, CHRISTMAS_10])
def test_closed_and_holidays_go_straight_to_voicemail_with_a_signed_recording_callback(twilio_post, flow_tracker, clock, when):
    clock(when)

    root = root_of(twilio_post(VOICE, voice_payload(to=flow_tracker.tracking_number)))

    assert root.find("Dial") is None
    assert root.find("Say").text == "Plumbers R Us is closed. Leave a message."
    record = root.find("Record")
    assert record.get("action") == "http://testserver" + VOICEMAIL
    assert record.get("recordingStatusCallback") == "http://testserver" + RECORDING
    assert Call.objects.get().status == Call.Status.RINGING  # the call is recorded as for any branch


def test_closed_forwards_to_the_after_hours_number(twilio_post, flow_tracker, clock):
    flow_tracker.pool.call_flow = {**FLOW, "closed": {"action": "forward", "number": "+12025550199"}}
    flow_tracker.pool.save(update_fields=["call_flow"])
    clock(SUNDAY_22_10)

    root = root_of(twilio_post(VOICE, voice_payload(to=flow_tracker.tracking_number)))

    assert root.find("Dial").find("Number").text == "+12025550199"
    assert root.find("Dial").get("action") == "http://testserver" + DIAL_RESULT


def test_a_tracker_overrides_its_pools_flow(twilio_post, flow_tracker, clock):
    tracker_set_call_flow(tracker=flow_tracker, call_flow={"closed": {"action": "voicemail"}})  # open all week
    clock(SUNDAY_22_10)

    root = root_of(twilio_post(VOICE, voice_payload(to=flow_tracker.tracking_number)))

    assert root.find("Dial").find("Number").text == "+12025550150"


@pytest.mark.parametrize(("dial_status", "voicemail"), [("no-answer", True), ("busy", True), ("failed", True),
                                                        ("completed", False), ("canceled", False)])
def test_the_dial_action_checks_dial_call_status(twilio_post, flow_tracker, dial_status, voicemail):
    params = {**voice_payload(to=flow_tracker.tracking_number), "CallStatus": "in-progress", "DialCallStatus": dial_status,
              "DialCallSid": "CA" + "d" * 32}

    root = root_of(twilio_post(DIAL_RESULT, params))

    assert (root.find("Record") is not None) is voicemail
    if voicemail:
        assert root.find("Say").text == "Plumbers R Us is closed. Leave a message."
    else:
        assert root.find("Hangup") is not None


def test_dial_action_with_a_forged_signature_is_refused(twilio_post, flow_tracker):
    params = {**voice_payload(to=flow_tracker.tracking_number), "DialCallStatus": "no-answer"}

    assert twilio_post(DIAL_RESULT, params, token="wrong").status_code == 403


def test_recording_notice_is_said_before_the_dial_when_the_pool_records(twilio_post, flow_tracker, clock):
    pool = flow_tracker.pool
    pool.record_calls = True
    pool.call_flow = {**FLOW, "recording_notice": "This call may be recorded for quality."}
    pool.save(update_fields=["record_calls", "call_flow"])
    clock(MONDAY_10)

    root = root_of(twilio_post(VOICE, voice_payload(to=flow_tracker.tracking_number)))

    assert [child.tag for child in root] == ["Say", "Dial"]
    assert root.find("Say").text == "This call may be recorded for quality."
    assert root.find("Dial").get("record") == "record-from-answer-dual"


def test_an_uploaded_notice_is_played_from_a_signed_public_url(twilio_post, client, flow_tracker, clock):
    pool = flow_tracker.pool
    pool.record_calls = True
    pool.save(update_fields=["record_calls"])
    wav = sandbox_recording_wav()
    pool_set_notice_audio(pool=pool, content=wav, content_type="audio/wav", filename="notice.wav")
    clock(MONDAY_10)

    root = root_of(twilio_post(VOICE, voice_payload(to=flow_tracker.tracking_number)))

    assert [child.tag for child in root] == ["Play", "Dial"]
    url = root.find("Play").text
    assert url.startswith(f"http://testserver/telephony/notice/{pool.pk}/")
    served = client.get(url.removeprefix("http://testserver"))
    assert (served.status_code, served["Content-Type"], served.content) == (200, "audio/wav", wav)
    assert client.get(f"/telephony/notice/{pool.pk}/{'0' * 32}").status_code == 404


def test_not_recording_means_no_notice(twilio_post, flow_tracker, clock):
    flow_tracker.pool.call_flow = {**FLOW, "recording_notice": "This call may be recorded."}
    flow_tracker.pool.save(update_fields=["call_flow"])
    clock(MONDAY_10)

    root = root_of(twilio_post(VOICE, voice_payload(to=flow_tracker.tracking_number)))

    assert root.find("Say") is None


def test_whisper_says_where_the_call_came_from(twilio_post, flow_tracker, clock):
    clock(MONDAY_10)
    payload = voice_payload(to=flow_tracker.tracking_number)
    twilio_post(VOICE, payload)
    Call.objects.update(source="google", medium="cpc", term="emergency plumber")
    child = {**dialed_status_payload(parent_sid=payload["CallSid"], status="in-progress", sequence=2)}
    del child["SequenceNumber"], child["CallbackSource"]

    root = root_of(twilio_post(WHISPER, child))

    assert root.find("Say").text == "Call from Google Ads, keyword emergency plumber"
    assert twilio_post(WHISPER, child, token="wrong").status_code == 403


def test_voicemail_is_stored_as_its_own_result_and_played_like_a_recording(twilio_post, flow_tracker, clock):
    clock(SUNDAY_22_10)
    payload = voice_payload(to=flow_tracker.tracking_number)
    twilio_post(VOICE, payload)
    done = {**payload, "CallStatus": "in-progress", "RecordingUrl": RECORDING_URL, "RecordingSid": "RE" + "5" * 32,
            "RecordingDuration": "21", "Digits": "hangup"}

    root = root_of(twilio_post(VOICEMAIL, done))
    twilio_post("/telephony/twilio/status", inbound_status_payload(call_sid=payload["CallSid"], to=flow_tracker.tracking_number,
                                                                   call_duration=40))
    # Twilio's later recording-status callback for the same recording changes nothing.
    twilio_post(RECORDING, {"AccountSid": "AC" + "1" * 32, "CallSid": payload["CallSid"], "RecordingSid": "RE" + "5" * 32,
                            "RecordingUrl": RECORDING_URL, "RecordingStatus": "completed", "RecordingDuration": "21",
                            "RecordingSource": "RecordVerb"})

    assert root.find("Hangup") is not None
    call = Call.objects.get()
    assert (call.voicemail, call.recording_sid, call.recording_duration_seconds) == (True, "RE" + "5" * 32, 21)
    assert call.result == CallResult.VOICEMAIL


def test_blocked_callers_are_rejected_before_any_flow(twilio_post, flow_tracker, clock):
    BlockedNumberFactory(account=flow_tracker.pool.account, number="+14158675309")
    clock(SUNDAY_22_10)

    root = root_of(twilio_post(VOICE, voice_payload(to=flow_tracker.tracking_number)))

    assert [child.tag for child in root] == ["Reject"]


def test_a_broken_stored_flow_still_dials_the_original(twilio_post, flow_tracker, clock):
    flow_tracker.pool.call_flow = {"hours": [{"days": [0], "open": "nine"}]}  # written around the services
    flow_tracker.pool.save(update_fields=["call_flow"])
    clock(MONDAY_10)

    root = root_of(twilio_post(VOICE, voice_payload(to=flow_tracker.tracking_number)))

    assert root.find("Dial").find("Number").text == "+12025550150"


@pytest.mark.parametrize("backend", ["twilio", "local", None])
def test_a_voicemail_asks_twilio_to_transcribe_when_the_account_chose_its_transcription(
        twilio_post, flow_tracker, clock, backend):
    """Issue 24: with the `twilio` transcription backend the voicemail's <Record> asks for a transcript, posted to the
    signed transcription callback; with `local` (or none) it does not (the worker transcribes the recording)."""
    from transcripts.models import TranscriptionSettings

    if backend:
        TranscriptionSettings.objects.create(account=flow_tracker.pool.account, backend=backend)
    clock(SUNDAY_22_10)
    closed = root_of(twilio_post(VOICE, voice_payload(to=flow_tracker.tracking_number))).find("Record")
    unanswered = root_of(twilio_post(DIAL_RESULT, {**voice_payload(to=flow_tracker.tracking_number), "CallStatus": "in-progress",
                                                   "DialCallStatus": "no-answer", "DialCallSid": "CA" + "e" * 32})).find("Record")
    for record in (closed, unanswered):
        if backend == "twilio":
            assert record.get("transcribe") == "true"
            assert record.get("transcribeCallback") == "http://testserver/telephony/twilio/transcription"
        else:
            assert record.get("transcribe") is None and record.get("transcribeCallback") is None
