"""The `twilio` backend's signed callback, `call.transcript_ready` exactly once, and finding calls by what was said
(API `?said=`, `?include=transcript`, the calls log's "said:" search, and the selector automation rules use)."""

import json

import pytest
import responses

from integrations.models import WebhookDelivery
from tests.factories import CallFactory
from tests.integrations.factories import WebhookEndpointFactory
from transcripts.models import Transcript, TranscriptionSettings
from transcripts.selectors import call_said
from transcripts.services import transcript_store

pytestmark = pytest.mark.django_db

URL = "/telephony/twilio/transcription"
HOOK = "https://hooks.example.com/in"
PARENT = "CA" + "d" * 32
REC = "RE" + "a" * 32


@pytest.fixture
def call(active_tracker):
    return CallFactory(tracker=active_tracker, provider_call_id=PARENT, recording_sid=REC,
                       recording_url=f"https://api.twilio.com/2010-04-01/Accounts/AC{'1' * 32}/Recordings/{REC}",
                       recording_duration_seconds=12)


def callback(**extra):
    return {"AccountSid": "AC" + "1" * 32, "CallSid": PARENT, "RecordingSid": REC, "TranscriptionSid": "TR" + "1" * 32,
            "TranscriptionStatus": "completed", "TranscriptionText": "Hi, do you offer financing for a new roof?",
            "TranscriptionType": "fast", "TranscriptionUrl": "https://api.twilio.com/x", "RecordingUrl": "https://api.twilio.com/y",
            **extra}


@responses.activate
def test_twilio_transcription_is_stored_and_sent_once(twilio_post, call, django_capture_on_commit_callbacks):
    TranscriptionSettings.objects.create(account=call.account, backend="twilio")
    WebhookEndpointFactory(account=call.account, url=HOOK, event_types=["call.transcript_ready"])
    responses.post(HOOK, status=200)
    with django_capture_on_commit_callbacks(execute=True):
        assert twilio_post(URL, callback()).status_code == 200
        assert twilio_post(URL, callback(TranscriptionText="a retry says something else")).status_code == 200
    transcript = Transcript.objects.get(call=call)
    assert (transcript.status, transcript.backend, transcript.provider_sid) == ("ready", "twilio", "TR" + "1" * 32)
    assert transcript.text == "Hi, do you offer financing for a new roof?"
    assert transcript.segments == [{"speaker": "caller", "start": 0.0, "end": 12.0, "text": transcript.text}]
    assert WebhookDelivery.objects.filter(event_type="call.transcript_ready").count() == 1
    assert len(responses.calls) == 1
    body = json.loads(responses.calls[0].request.body)
    assert body["type"] == "call.transcript_ready"
    assert body["data"]["id"] == call.pk and body["data"]["transcript"]["text"] == transcript.text
    assert body["data"]["transcript"]["status"] == "ready" and body["data"]["transcript"]["recording_sid"] == REC


def test_unsigned_or_forged_callback_is_403_and_stores_nothing(twilio_post, client, call):
    TranscriptionSettings.objects.create(account=call.account, backend="twilio")
    assert twilio_post(URL, callback(), signature="forged").status_code == 403
    assert client.post(URL, data=callback()).status_code == 403
    assert twilio_post(URL, callback(), token="another-accounts-token").status_code == 403
    assert not Transcript.objects.exists()


def test_callback_is_ignored_unless_the_account_uses_the_twilio_backend(twilio_post, call):
    assert twilio_post(URL, callback()).status_code == 200
    TranscriptionSettings.objects.create(account=call.account, backend="local")
    assert twilio_post(URL, callback()).status_code == 200
    assert not Transcript.objects.exists()


def test_failed_twilio_transcription_is_kept_as_failed(twilio_post, call):
    TranscriptionSettings.objects.create(account=call.account, backend="twilio")
    twilio_post(URL, callback(TranscriptionStatus="failed", TranscriptionText=""))
    transcript = Transcript.objects.get(call=call)
    assert transcript.status == "failed" and "failed" in transcript.error


def _ready(call, text, heard=(), sid=REC):
    transcript = Transcript.objects.create(account=call.account, call=call, recording_sid=sid, backend="local")
    transcript_store(transcript_id=transcript.pk, text=text, segments=[{"speaker": "caller", "start": 0.5, "end": 3.0, "text": text}],
                     spotted=[{"phrase": p, "speaker": "caller", "start": 1.0} for p in heard])
    return transcript


@pytest.fixture
def said_calls(active_tracker):
    financing = CallFactory(tracker=active_tracker)
    _ready(financing, "do you offer financing for a new furnace")
    spotted = CallFactory(tracker=active_tracker)
    _ready(spotted, "do you all for fine and sing", heard=["financing"])
    other = CallFactory(tracker=active_tracker)
    _ready(other, "is this the pizza place on main street")
    pending = CallFactory(tracker=active_tracker)
    Transcript.objects.create(account=pending.account, call=pending, recording_sid=REC, backend="local", text="financing")
    CallFactory(tracker=active_tracker)  # no transcript
    return financing, spotted, other


def test_api_said_filter_and_include_transcript(said_calls, account, client):
    from api.services import api_token_create

    financing, spotted, _ = said_calls
    _, key = api_token_create(account=account, name="t", scope="read")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    found = client.get("/api/v1/calls/", {"said": "financing"}, **auth).json()
    assert sorted(c["id"] for c in found["results"]) == sorted([financing.pk, spotted.pk])
    assert "transcript" not in found["results"][0]
    with_transcript = client.get("/api/v1/calls/", {"said": "pizza place", "include": "transcript"}, **auth).json()
    [row] = with_transcript["results"]
    assert row["transcript"]["text"] == "is this the pizza place on main street"
    assert row["transcript"]["segments"][0] == {"speaker": "caller", "start": 0.5, "end": 3.0, "text": row["transcript"]["text"]}
    detail = client.get(f"/api/v1/calls/{spotted.pk}/", {"include": "transcript"}, **auth).json()
    assert detail["transcript"]["heard"] == ["financing"] and detail["transcript"]["backend"] == "local"


def test_calls_log_said_search(said_calls, marketer_client):
    financing, spotted, other = said_calls
    page = marketer_client.get("/dashboard/calls/", {"q": "said: Financing"})
    assert page.status_code == 200
    shown = {call.pk for call in page.context["calls"]}
    assert shown == {financing.pk, spotted.pk}
    assert 'value="said: Financing"' in page.content.decode()
    assert {c.pk for c in marketer_client.get("/dashboard/calls/", {"said": "main street"}).context["calls"]} == {other.pk}


@pytest.mark.postgres
def test_postgres_said_search_stems_words(said_calls, marketer_client):
    financing, spotted, _ = said_calls
    # Full-text search: "finance" finds "financing" in the text (the spotted call matches by its heard phrase only).
    assert {c.pk for c in marketer_client.get("/dashboard/calls/", {"q": "said: finance"}).context["calls"]} == {financing.pk}


def test_call_said_for_automation_rules(said_calls):
    financing, spotted, other = said_calls
    phrases = ["financing", "new furnace", "refund"]
    assert call_said(call=financing, phrases=phrases) == ["financing", "new furnace"]
    assert call_said(call=spotted, phrases=phrases) == ["financing"]
    assert call_said(call=other, phrases=phrases) == []


def test_call_page_shows_the_transcript_with_speakers(said_calls, marketer_client):
    financing, _, _ = said_calls
    html = marketer_client.get(f"/dashboard/calls/{financing.pk}/").content.decode()
    assert 'id="transcript"' in html and "do you offer financing for a new furnace" in html
    assert 'class="turn turn-caller"' in html and ">Caller<" in html
