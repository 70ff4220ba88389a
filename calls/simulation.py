"""Sandbox calls replayed through the real webhook views, signed like Twilio signs them.

The sequence is what Twilio sends for a forwarded call: the voice webhook for the inbound leg,
then the dialed leg's initiated/ringing/answered/completed callbacks (SequenceNumber 0–3, with
ParentCallSid), then the inbound leg's completion.
"""

import secrets
from datetime import datetime, timedelta
from email.utils import format_datetime

from django.conf import settings
from django.test import RequestFactory

from calls import views
from core.errors import DomainError
from telephony.credentials import webhook_auth_token
from telephony.recordings import sandbox_recording_url
from telephony.webhooks import twilio_signature
from trackers.models import CallTracker

VOICE_PATH = "/telephony/twilio/voice"
STATUS_PATH = "/telephony/twilio/status"
RECORDING_PATH = "/telephony/twilio/recording"


def _post(view, path: str, params: dict, *, token: str, now: datetime):
    request = RequestFactory().post(
        path, data=params,
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(token=token, url=settings.PUBLIC_BASE_URL + path, params=params),
    )
    request.simulated_now = now
    response = view(request)
    if response.status_code != 200:
        raise DomainError("simulation_failed", f"{path} answered {response.status_code}.")
    return response


def simulate_inbound_call(*, tracker: CallTracker, call_sid: str, caller_number: str, now: datetime,
                          duration_seconds: int, answered: bool, ring_seconds: int) -> str:
    """Returns the TwiML the voice webhook answered."""
    account = tracker.pool.account
    token = webhook_auth_token(account)
    base = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "Direction": "inbound"}
    inbound = {**base, "CallSid": call_sid, "From": caller_number, "Caller": caller_number,
               "To": tracker.tracking_number, "Called": tracker.tracking_number}
    twiml = _post(views.twilio_voice, VOICE_PATH, {**inbound, "CallStatus": "ringing"}, token=token, now=now)
    twiml = twiml.content.decode()
    if "<Dial" not in twiml:
        return twiml
    original = tracker.original_number or tracker.pool.original_number
    dialed = {**base, "Direction": "outbound-dial", "CallSid": "CA" + secrets.token_hex(16),
              "ParentCallSid": call_sid, "From": caller_number, "To": original,
              "CallbackSource": "call-progress-events"}
    answer_at = now + timedelta(seconds=ring_seconds)
    steps = [("queued", now, {}), ("ringing", now, {})]
    if answered:
        end_at = answer_at + timedelta(seconds=duration_seconds)
        steps += [("in-progress", answer_at, {}), ("completed", end_at, {"CallDuration": str(duration_seconds)})]
    else:
        end_at = answer_at
        steps += [("no-answer", end_at, {"CallDuration": "0"})]
    for sequence, (status, at, extra) in enumerate(steps):
        params = {**dialed, **extra, "CallStatus": status, "SequenceNumber": str(sequence), "Timestamp": format_datetime(at)}
        _post(views.twilio_status, STATUS_PATH, params, token=token, now=at)
    total = int((end_at - now).total_seconds())
    params = {**inbound, "CallStatus": "completed", "CallDuration": str(total), "Timestamp": format_datetime(end_at)}
    _post(views.twilio_status, STATUS_PATH, params, token=token, now=end_at)
    if answered and 'record="record-from-answer-dual"' in twiml:
        # The recording callback Twilio sends after a recorded <Dial>; the sandbox "recording" is a generated tone.
        recording_sid = "RE" + secrets.token_hex(16)
        params = {**base, "CallSid": call_sid, "RecordingSid": recording_sid, "RecordingStatus": "completed",
                  "RecordingUrl": sandbox_recording_url(recording_sid), "RecordingDuration": str(duration_seconds),
                  "RecordingChannels": "2", "RecordingSource": "DialVerb"}
        _post(views.twilio_recording, RECORDING_PATH, params, token=token, now=end_at)
    return twiml
