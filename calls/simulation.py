"""Sandbox calls replayed through the webhook layer, signed like Twilio signs them.

The sequence is what Twilio sends for a forwarded call: the voice webhook for the inbound leg, the dialed
leg's initiated/ringing/answered callbacks (SequenceNumber 0–2, with ParentCallSid), then the two legs' ends in
the order a real call reports them: the business hangs up → the dialed leg's completion (talk time), then the
inbound leg's (total duration) once <Dial> returns; the caller hangs up → the inbound leg's first, then the dialed
leg's; nobody answers → the dialed leg's no-answer, then the inbound leg's. Each request is signed with the number's account
token and checked against the same tokens the webhook views accept (calls.webhooks), then handed to
the same services the views call: no HTTP round trip, and no dependency on the views.
"""

import secrets
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import format_datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from calls.flows import call_dial_result, call_whisper
from calls.models import Call
from calls.selectors import tracker_for_inbound_number
from calls.services import (
    call_original_number,
    call_record_recording,
    call_record_status,
    call_route_inbound,
)
from calls.webhooks import status_tokens_for_params, voice_tokens_for_params
from core.error_codes import INVALID_PHONE, NOT_SANDBOX, SIMULATION_FAILED, UNKNOWN_NUMBER
from core.errors import DomainError
from core.phones import parse_phone
from telephony.credentials import webhook_auth_token
from telephony.recordings import sandbox_recording_url
from telephony.webhooks import twilio_signature, twilio_signature_is_valid
from trackers.models import CallTracker

VOICE_PATH = "/telephony/twilio/voice"
STATUS_PATH = "/telephony/twilio/status"
RECORDING_PATH = "/telephony/twilio/recording"
DIAL_RESULT_PATH = "/telephony/twilio/dial-result"
WHISPER_PATH = "/telephony/twilio/whisper"
VOICEMAIL_PATH = "/telephony/twilio/voicemail"
GREETING_SECONDS = 6  # the voicemail greeting and the beep, before the caller speaks
SANDBOX = "sandbox"


HANGUP_BY = ("business", "caller")


def call_simulate(*, tracking_number: str, caller_number: str, now: datetime | None = None,
                  duration_seconds: int = 60, answered: bool = True, ring_seconds: int = 5,
                  hangup_by: str = "business") -> Call:
    """Place a sandbox call through the webhook layer: signed voice and status callbacks, replayed in-process.

    Only sandbox numbers take test calls (admin, dashboard and `simulate_call` alike): a fake call on a
    real provider number would pollute the reports and the integrations.
    """
    tracker = tracker_for_inbound_number(number=_tracking_e164(tracking_number))
    if tracker is None:
        raise DomainError(UNKNOWN_NUMBER, f"{tracking_number} is not a live tracking number.",
                          {"to": ["Not a live tracking number."]})
    if tracker.provider != SANDBOX:
        raise DomainError(NOT_SANDBOX, f"{tracking_number} is a {tracker.provider} number: only sandbox numbers take test calls.",
                          {"to": ["Not a sandbox number."]})
    if hangup_by not in HANGUP_BY:
        raise DomainError("invalid", "Who hangs up: business or caller.", {"hangup_by": [f"One of {', '.join(HANGUP_BY)}."]})
    call_sid = "CA" + secrets.token_hex(16)
    simulate_inbound_call(
        tracker=tracker, call_sid=call_sid, caller_number=caller_number, now=now or timezone.now(),
        duration_seconds=duration_seconds, answered=answered, ring_seconds=ring_seconds, hangup_by=hangup_by,
    )
    call = Call.objects.filter(provider_call_id=call_sid).first()
    if call is None:
        raise DomainError(SIMULATION_FAILED, "The voice webhook did not record the call; see the server log.")
    return call


def _tracking_e164(raw: str) -> str:
    try:
        return parse_phone(raw)
    except ValidationError as exc:
        raise DomainError(INVALID_PHONE, exc.messages[0], {"to": exc.messages}) from None


def _check_signed(path: str, params: dict, *, token: str, tokens: list[str]) -> None:
    url = settings.PUBLIC_BASE_URL + path
    signature = twilio_signature(token=token, url=url, params=params)
    if not twilio_signature_is_valid(url=url, params=params, signature=signature, tokens=tokens):
        raise DomainError(SIMULATION_FAILED, f"{path} would refuse the signature (403).")


def _voice(params: dict, *, token: str, now: datetime) -> str:
    inbound, tokens = voice_tokens_for_params(params, at=now)
    _check_signed(VOICE_PATH, params, token=token, tokens=tokens)
    return call_route_inbound(params=params, inbound=inbound)


def _status(params: dict, *, token: str, now: datetime) -> None:
    _check_signed(STATUS_PATH, params, token=token, tokens=status_tokens_for_params(params))
    call_record_status(params=params, now=now)


def _recording(params: dict, *, token: str) -> None:
    _check_signed(RECORDING_PATH, params, token=token, tokens=status_tokens_for_params(params))
    call_record_recording(params=params)


def _dial_result(params: dict, *, token: str) -> str:
    _check_signed(DIAL_RESULT_PATH, params, token=token, tokens=voice_tokens_for_params(params)[1])
    return call_dial_result(params=params)


def _whisper(params: dict, *, token: str) -> str:
    _check_signed(WHISPER_PATH, params, token=token, tokens=status_tokens_for_params(params))
    return call_whisper(params=params)


def _voicemail_left(params: dict, *, token: str, seconds: int) -> None:
    """The caller speaks after the beep and hangs up: Twilio asks the <Record action> with the recording."""
    recording_sid = "RE" + secrets.token_hex(16)
    done = {**params, "CallStatus": "in-progress", "RecordingSid": recording_sid,
            "RecordingUrl": sandbox_recording_url(recording_sid), "RecordingDuration": str(seconds), "Digits": "hangup"}
    _check_signed(VOICEMAIL_PATH, done, token=token, tokens=status_tokens_for_params(done))
    call_record_recording(params=done, voicemail=True)


def _parse(twiml: str) -> ET.Element:
    return ET.fromstring(twiml)


def simulate_inbound_call(*, tracker: CallTracker, call_sid: str, caller_number: str, now: datetime,
                          duration_seconds: int, answered: bool, ring_seconds: int, hangup_by: str = "business") -> str:
    """Returns the TwiML the voice webhook answered."""
    token = webhook_auth_token(tracker.pool.account)
    base = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "Direction": "inbound"}
    inbound = {**base, "CallSid": call_sid, "From": caller_number, "Caller": caller_number,
               "To": tracker.tracking_number, "Called": tracker.tracking_number}
    twiml = _voice({**inbound, "CallStatus": "ringing"}, token=token, now=now)
    root = _parse(twiml)
    dial = root.find("Dial")
    if dial is None:
        reject = root.find("Reject")
        if reject is not None and reject.get("reason") == "busy":
            # a blocked caller: the provider reports the rejected call as busy
            params = {**inbound, "CallStatus": "busy", "CallDuration": "0", "Timestamp": format_datetime(now)}
            _status(params, token=token, now=now)
        elif root.find("Record") is not None:  # closed: straight to voicemail
            message = max(duration_seconds, 1)
            _voicemail_left(inbound, token=token, seconds=message)
            end_at = now + timedelta(seconds=GREETING_SECONDS + message)
            _status({**inbound, "CallStatus": "completed", "CallDuration": str(GREETING_SECONDS + message),
                     "Timestamp": format_datetime(end_at)}, token=token, now=end_at)
        return twiml
    number = dial.find("Number")
    dialed_number = (number.text or "").strip() if number is not None else call_original_number(tracker)
    dialed = {**base, "Direction": "outbound-dial", "CallSid": "CA" + secrets.token_hex(16),
              "ParentCallSid": call_sid, "From": caller_number, "To": dialed_number,
              "CallbackSource": "call-progress-events"}
    timeout = int(dial.get("timeout") or 0)
    if timeout:
        ring_seconds = min(ring_seconds, timeout) if answered else timeout
    answer_at = now + timedelta(seconds=ring_seconds)
    steps: list[tuple[str, datetime, dict]] = [("queued", now, {}), ("ringing", now, {})]
    if answered:
        end_at = answer_at + timedelta(seconds=duration_seconds)
        steps += [("in-progress", answer_at, {})]
        dialed_end = ("completed", end_at, {"CallDuration": str(duration_seconds)})
    else:
        end_at = answer_at
        dialed_end = ("no-answer", end_at, {"CallDuration": "0"})
    callbacks = [({**dialed, **extra, "CallStatus": status, "SequenceNumber": str(sequence),
                   "Timestamp": format_datetime(at)}, at)
                 for sequence, (status, at, extra) in enumerate([*steps, dialed_end])]
    voicemail_seconds = 0
    if not answered and dial.get("action"):
        # Twilio asks the <Dial action> once the dial ends; nobody answered → the voicemail TwiML.
        after = _parse(_dial_result({**inbound, "CallStatus": "in-progress", "DialCallStatus": "no-answer",
                                     "DialCallSid": dialed["CallSid"], "DialCallDuration": "0"}, token=token))
        if after.find("Record") is not None:
            voicemail_seconds = max(duration_seconds, 1)
            end_at = answer_at + timedelta(seconds=GREETING_SECONDS + voicemail_seconds)
    total = int((end_at - now).total_seconds())
    inbound_end = {**inbound, "CallStatus": "completed", "CallDuration": str(total), "Timestamp": format_datetime(end_at)}
    if answered and hangup_by == "caller":
        callbacks.insert(len(callbacks) - 1, (inbound_end, end_at))
    else:
        callbacks.append((inbound_end, end_at))
    for params, at in callbacks:
        _status(params, token=token, now=at)
        if answered and params.get("CallStatus") == "in-progress" and number is not None and number.get("url"):
            _whisper({**dialed, "CallStatus": "in-progress"}, token=token)  # the business hears it on answer
        if voicemail_seconds and params.get("CallStatus") == "no-answer":
            _voicemail_left(inbound, token=token, seconds=voicemail_seconds)
    if answered and dial.get("record") == "record-from-answer-dual":
        # The recording callback Twilio sends after a recorded <Dial>; the sandbox "recording" is a generated tone.
        recording_sid = "RE" + secrets.token_hex(16)
        params = {**base, "CallSid": call_sid, "RecordingSid": recording_sid, "RecordingStatus": "completed",
                  "RecordingUrl": sandbox_recording_url(recording_sid), "RecordingDuration": str(duration_seconds),
                  "RecordingChannels": "2", "RecordingSource": "DialVerb"}
        _recording(params, token=token)
    return twiml
