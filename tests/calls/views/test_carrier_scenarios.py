"""The same calls through each provider's webhooks, posted and signed the way each provider documents:

- twilio: form-encoded, X-Twilio-Signature (HMAC-SHA1, auth token), RFC 2822 Timestamps, CA… sids;
- signalwire: Twilio's parameter names with UUID sids (SignalWire "Voice status callback" / IncomingPhoneNumber
  references), X-SignalWire-Signature with the project's Signing Key, no SequenceNumber;
- telnyx: TeXML callbacks as in Telnyx's callback reference ("TexmlCallAnsweredWebhook", "…CompletedWebhook",
  "TexmlRecordingCompletedWebhook": AccountSid, CallSid "v3:…", ParentCallSid, CallStatus, SequenceNumber, ISO 8601
  Timestamp, RecordingSid/RecordingUrl/RecordingDuration), application/x-www-form-urlencoded, telnyx-timestamp +
  telnyx-signature-ed25519 over "timestamp|body".

Scenarios: answered, missed, busy, voicemail (nobody answers, the <Record> leaves a recording) and a recorded
answered call. Each checks the TwiML points the callbacks back at that provider's own webhooks. Then the refusals,
each provider: unsigned, wrong key (voice, status and recording webhooks), tampered, signed another provider's way,
and (Telnyx, the one scheme that signs a timestamp) stale.
"""

import base64
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from twilio.request_validator import RequestValidator

from calls.models import Call
from calls.results import CallResult, call_result
from tests.calls.payloads import BASE, TEST_TOKEN
from tests.factories import TelephonySettingsFactory

pytestmark = pytest.mark.django_db
CALLER = "+14158675309"
SIGNING_KEY = "PSK_test_signing_key_0001"
PROJECT = "b3877c40-da60-4998-90ad-b792e98472ac"
TELNYX_KEY = Ed25519PrivateKey.generate()
OTHER_TELNYX_KEY = Ed25519PrivateKey.generate()
TELNYX_ACCOUNT = "f5586561-8ff0-4291-a51b-c7dfe4139ff9"


@dataclass
class Carrier:
    name: str
    client: Any  # django.test.Client

    def path(self, kind: str) -> str:
        return f"/telephony/{self.name}/{kind}"

    def sid(self) -> str:
        if self.name == "twilio":
            return "CA" + uuid.uuid4().hex
        if self.name == "signalwire":
            return str(uuid.uuid4())
        return "v3:" + base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip("=")

    def stamp(self, at: datetime) -> str:
        return at.strftime("%Y-%m-%dT%H:%M:%SZ") if self.name == "telnyx" else format_datetime(at)

    def account_sid(self) -> str:
        return {"twilio": "AC" + "1" * 32, "signalwire": PROJECT, "telnyx": TELNYX_ACCOUNT}[self.name]

    def post(self, kind: str, params: dict, *, sign: bool = True, wrong_key: bool = False, age: int = 0,
             signed_params: dict | None = None):
        """Post `params` to this provider's webhook, signed its documented way (`wrong_key`: with a key the account
        does not have; `age`: seconds ago, for Telnyx's timestamp; `signed_params`: sign other parameters than
        those sent, a tampered request)."""
        path = self.path(kind)
        signed_params = params if signed_params is None else signed_params
        if self.name == "telnyx":
            body, signed_body = urlencode(params), urlencode(signed_params)
            timestamp = str(int(time.time()) - age)
            headers = {"HTTP_TELNYX_TIMESTAMP": timestamp}
            if sign:
                signature = (OTHER_TELNYX_KEY if wrong_key else TELNYX_KEY).sign(f"{timestamp}|{signed_body}".encode())
                headers["HTTP_TELNYX_SIGNATURE_ED25519"] = base64.b64encode(signature).decode()
            return self.client.post(path, data=body, content_type="application/x-www-form-urlencoded", **headers)
        key = TEST_TOKEN if self.name == "twilio" else SIGNING_KEY
        if wrong_key:
            key = "not-this-accounts-key"
        header = "HTTP_X_TWILIO_SIGNATURE" if self.name == "twilio" else "HTTP_X_SIGNALWIRE_SIGNATURE"
        signed = RequestValidator(key).compute_signature(BASE + path, signed_params) if sign else ""
        return self.client.post(path, data=params, **{header: signed})

    # Payloads, as each provider documents them.
    def voice(self, *, call_sid: str, to: str) -> dict:
        params = {"AccountSid": self.account_sid(), "CallSid": call_sid, "CallStatus": "ringing",
                  "Direction": "inbound", "From": CALLER, "To": to}
        if self.name == "telnyx":
            params.update({"CallSidLegacy": call_sid, "ConnectionId": "1234567890", "CallerId": CALLER})
        else:
            params.update({"ApiVersion": "2010-04-01", "Called": to, "Caller": CALLER})
        return params

    def dialed(self, *, parent: str, child: str, status: str, sequence: int, at: datetime, to: str,
               duration: int | None = None) -> dict:
        params = {"AccountSid": self.account_sid(), "CallSid": child, "CallStatus": status, "ParentCallSid": parent,
                  "From": CALLER, "To": to, "Timestamp": self.stamp(at)}
        if self.name != "signalwire":  # SignalWire documents no SequenceNumber
            params["SequenceNumber"] = str(sequence)
            params["CallbackSource"] = "call-progress-events"
        if self.name == "telnyx":
            params.update({"CallSidLegacy": child, "ParentCallSidLegacy": parent, "ConnectionId": "1234567890"})
        else:
            params.update({"ApiVersion": "2010-04-01", "Direction": "outbound-dial"})
        if duration is not None:
            params["CallDuration"] = str(duration)
        return params

    def inbound_completed(self, *, call_sid: str, to: str, duration: int, at: datetime) -> dict:
        """The number's (Telnyx: the TeXML application's) own status callback for the inbound leg."""
        params = {"AccountSid": self.account_sid(), "CallSid": call_sid, "CallStatus": "completed",
                  "CallDuration": str(duration), "Direction": "inbound", "From": CALLER, "To": to,
                  "Timestamp": self.stamp(at)}
        if self.name == "telnyx":
            params.update({"CallSidLegacy": call_sid, "ConnectionId": "1234567890", "SequenceNumber": "3",
                           "CallbackSource": "call-progress-events"})
        return params

    def recording(self, *, parent: str, duration: int) -> dict:
        if self.name == "telnyx":
            recording_sid = str(uuid.uuid4())
            return {"AccountSid": TELNYX_ACCOUNT, "CallSid": parent, "CallSidLegacy": parent,
                    "ConnectionId": "1234567890", "RecordingChannels": "2", "RecordingDuration": str(duration),
                    "RecordingSid": recording_sid, "RecordingSource": "DialVerb", "RecordingStatus": "completed",
                    "RecordingUrl": "https://recording.com/your-recording-url"}
        if self.name == "signalwire":
            recording_sid = str(uuid.uuid4())
            url = f"https://example.signalwire.com/api/laml/2010-04-01/Accounts/{PROJECT}/Recordings/{recording_sid}"
        else:
            recording_sid = "RE" + uuid.uuid4().hex
            url = f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid()}/Recordings/{recording_sid}"
        return {"AccountSid": self.account_sid(), "CallSid": parent, "RecordingSid": recording_sid,
                "RecordingUrl": url, "RecordingStatus": "completed", "RecordingDuration": str(duration),
                "RecordingChannels": "2", "RecordingSource": "DialVerb"}


@pytest.fixture(params=["twilio", "signalwire", "telnyx"])
def carrier(request, client, twilio_env, account):
    name = request.param
    if name == "signalwire":
        row = TelephonySettingsFactory(account=account, provider="signalwire", signalwire_space_url="example.signalwire.com",
                                       signalwire_project_id=PROJECT)
        row.set_secret("signalwire_api_token", "PT_api_token")
        row.set_secret("signalwire_signing_key", SIGNING_KEY)
        row.save()
    elif name == "telnyx":
        public = TELNYX_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        row = TelephonySettingsFactory(account=account, provider="telnyx", telnyx_public_key=base64.b64encode(public).decode(),
                                       telnyx_texml_app_id="1293384261075731499")
        row.set_secret("telnyx_api_key", "KEY_test")
        row.save()
    return Carrier(name=name, client=client)


def _start(carrier: Carrier, tracker) -> tuple[str, str]:
    parent = carrier.sid()
    response = carrier.post("voice", carrier.voice(call_sid=parent, to=tracker.tracking_number))
    assert response.status_code == 200
    twiml = response.content.decode()
    assert f'statusCallback="{BASE}/telephony/{carrier.name}/status"' in twiml
    assert "<Number " in twiml and tracker.pool.original_number in twiml
    return parent, twiml


def _dialed(carrier, tracker, parent, child, t0, events):
    for sequence, (status, seconds, duration) in enumerate(events):
        response = carrier.post("status", carrier.dialed(parent=parent, child=child, status=status, sequence=sequence,
                                                         at=t0 + timedelta(seconds=seconds), to=tracker.pool.original_number,
                                                         duration=duration))
        assert response.status_code == 200, response.content


def test_answered(carrier, active_tracker):
    t0 = datetime.now(UTC)
    parent, _ = _start(carrier, active_tracker)
    _dialed(carrier, active_tracker, parent, carrier.sid(), t0,
            [("initiated", 0, None), ("ringing", 1, None), ("in-progress", 6, None), ("completed", 66, 60)])

    call = Call.objects.get(provider_call_id=parent)
    assert call.status == Call.Status.COMPLETED
    assert call.talk_seconds == 60
    assert call_result(call) == CallResult.ANSWERED


def test_missed(carrier, active_tracker):
    t0 = datetime.now(UTC)
    parent, _ = _start(carrier, active_tracker)
    _dialed(carrier, active_tracker, parent, carrier.sid(), t0,
            [("initiated", 0, None), ("ringing", 1, None), ("no-answer", 30, 0)])
    assert carrier.post("status", carrier.inbound_completed(call_sid=parent, to=active_tracker.tracking_number,
                                                            duration=31, at=t0 + timedelta(seconds=31))).status_code == 200

    call = Call.objects.get(provider_call_id=parent)
    assert call.status == Call.Status.NO_ANSWER
    assert call_result(call) == CallResult.MISSED


def test_busy(carrier, active_tracker):
    t0 = datetime.now(UTC)
    parent, _ = _start(carrier, active_tracker)
    _dialed(carrier, active_tracker, parent, carrier.sid(), t0, [("initiated", 0, None), ("busy", 2, 0)])

    call = Call.objects.get(provider_call_id=parent)
    assert call.status == Call.Status.BUSY
    assert call_result(call) == CallResult.BUSY_OR_FAILED


def test_voicemail(carrier, active_tracker):
    t0 = datetime.now(UTC)
    parent, _ = _start(carrier, active_tracker)
    _dialed(carrier, active_tracker, parent, carrier.sid(), t0, [("ringing", 1, None), ("no-answer", 25, 0)])
    # The caller then leaves a message: the <Record> verb's recording callback reports on the inbound call.
    assert carrier.post("recording", carrier.recording(parent=parent, duration=14)).status_code == 200

    call = Call.objects.get(provider_call_id=parent)
    assert call.status == Call.Status.NO_ANSWER
    assert call.recording_sid and call.recording_duration_seconds == 14
    assert call.has_recording


def test_recorded_call(carrier, active_tracker):
    pool = active_tracker.pool
    pool.record_calls = True
    pool.save(update_fields=["record_calls"])
    t0 = datetime.now(UTC)
    parent, twiml = _start(carrier, active_tracker)
    assert f'recordingStatusCallback="{BASE}/telephony/{carrier.name}/recording"' in twiml
    _dialed(carrier, active_tracker, parent, carrier.sid(), t0, [("in-progress", 5, None), ("completed", 65, 60)])
    payload = carrier.recording(parent=parent, duration=60)

    assert carrier.post("recording", payload).status_code == 200
    assert carrier.post("recording", payload).status_code == 200  # retried: stored once

    call = Call.objects.get(provider_call_id=parent)
    assert call_result(call) == CallResult.ANSWERED
    assert call.recording_sid == payload["RecordingSid"]
    if carrier.name == "telnyx":  # the 10-minute URL is replaced by a lasting reference to the recording resource
        assert call.recording_url == f"telnyx:recordings/{TELNYX_ACCOUNT}/{payload['RecordingSid']}"
    else:
        assert call.recording_url == payload["RecordingUrl"]


def test_unsigned_callbacks_are_refused_and_change_nothing(carrier, active_tracker):
    parent = carrier.sid()

    response = carrier.post("voice", carrier.voice(call_sid=parent, to=active_tracker.tracking_number), sign=False)

    assert response.status_code == 403
    assert not Call.objects.exists()


@pytest.mark.parametrize("kind", ["voice", "status", "recording"])
def test_callbacks_signed_with_a_wrong_key_are_refused_and_change_nothing(carrier, active_tracker, kind):
    parent, _ = _start(carrier, active_tracker) if kind != "voice" else (carrier.sid(), "")
    before = list(Call.objects.values())
    params = {"voice": carrier.voice(call_sid=parent, to=active_tracker.tracking_number),
              "status": carrier.dialed(parent=parent, child=carrier.sid(), status="completed", sequence=9,
                                       at=datetime.now(UTC), to=active_tracker.pool.original_number, duration=60),
              "recording": carrier.recording(parent=parent, duration=30)}[kind]

    assert carrier.post(kind, params, wrong_key=True).status_code == 403
    assert carrier.post(kind, params, sign=False).status_code == 403
    assert list(Call.objects.values()) == before


def test_a_tampered_callback_is_refused(carrier, active_tracker):
    parent, _ = _start(carrier, active_tracker)
    honest = carrier.dialed(parent=parent, child=carrier.sid(), status="no-answer", sequence=1, at=datetime.now(UTC),
                            to=active_tracker.pool.original_number, duration=0)
    tampered = {**honest, "CallStatus": "completed", "CallDuration": "600"}

    assert carrier.post("status", tampered, signed_params=honest).status_code == 403
    assert Call.objects.get(provider_call_id=parent).talk_seconds in (None, 0)


@pytest.mark.parametrize("carrier", ["telnyx"], indirect=True)
def test_a_stale_telnyx_callback_is_refused(carrier, active_tracker):
    # Of the three schemes only Telnyx's signs a timestamp (telnyx-timestamp, within 5 minutes); Twilio's and
    # SignalWire's HMAC sign the URL and parameters alone, so a replay is only harmless (callbacks are idempotent).
    params = carrier.voice(call_sid=carrier.sid(), to=active_tracker.tracking_number)

    assert carrier.post("voice", params, age=301).status_code == 403
    assert not Call.objects.exists()
    assert carrier.post("voice", params, age=240).status_code == 200  # within the tolerance


def test_a_callback_signed_for_another_provider_is_refused(carrier, active_tracker):
    # Posted to this provider's webhook but signed the way another provider signs.
    other = Carrier(name="twilio" if carrier.name != "twilio" else "signalwire", client=carrier.client)
    params = carrier.voice(call_sid=carrier.sid(), to=active_tracker.tracking_number)
    if other.name == "twilio":
        signature = RequestValidator(TEST_TOKEN).compute_signature(BASE + carrier.path("voice"), params)
        response = carrier.client.post(carrier.path("voice"), data=params, HTTP_X_TWILIO_SIGNATURE=signature)
    else:
        signature = RequestValidator(SIGNING_KEY).compute_signature(BASE + carrier.path("voice"), params)
        response = carrier.client.post(carrier.path("voice"), data=params, HTTP_X_SIGNALWIRE_SIGNATURE=signature)

    assert response.status_code == 403
    assert not Call.objects.exists()
