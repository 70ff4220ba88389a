"""TwiML answers of the voice webhooks, built with the SDK so the XML is always well-formed.

`twiml_for_plan` renders a call flow's plan (telephony.call_flow.plan_call): the recording notice, the <Dial> (with
the whisper URL on <Number> and, when the flow has a ring time, an action URL that sends unanswered calls to
voicemail), or straight to voicemail. The planner decides; this only writes XML.
"""

from dataclasses import dataclass

from twilio.twiml.voice_response import Dial, VoiceResponse

from telephony.call_flow import Branch, FlowPlan

STATUS_EVENTS = "initiated ringing answered completed"
VOICEMAIL_MAX_SECONDS = 180


@dataclass(frozen=True)
class FlowUrls:
    """The callbacks a plan's TwiML names (PUBLIC_BASE_URL + path: Twilio signs what it requests)."""

    status: str
    recording: str
    dial_result: str = ""
    whisper: str = ""
    voicemail_done: str = ""
    notice_audio: str = ""
    transcribe: str = ""  # the voicemail's transcription callback, when the account has the provider transcribe


def _dial(*, number: str, urls: FlowUrls, caller_id: str, record: bool, ring_seconds: int | None,
          whisper: bool) -> Dial:
    dial_attrs: dict = {}
    if caller_id:
        dial_attrs["caller_id"] = caller_id  # the caller's own number: the business sees who calls
    if record:
        dial_attrs["record"] = "record-from-answer-dual"
        if urls.recording:
            dial_attrs["recording_status_callback"] = urls.recording
            dial_attrs["recording_status_callback_method"] = "POST"
    if ring_seconds is not None:
        # Unanswered after ring_seconds: Twilio asks the action URL, which checks DialCallStatus (voicemail or hang up).
        dial_attrs.update(timeout=ring_seconds, action=urls.dial_result, method="POST")
    dial = Dial(**dial_attrs)
    number_attrs = {"status_callback": urls.status, "status_callback_event": STATUS_EVENTS,
                    "status_callback_method": "POST"}
    if whisper and urls.whisper:
        # Played to the business when it answers; the caller keeps hearing ringing until the whisper ends.
        number_attrs.update(url=urls.whisper, method="POST")
    dial.number(number, **number_attrs)
    return dial


def twiml_forward(*, original_number: str, status_url: str, caller_id: str = "", record: bool = False,
                  recording_url: str = "") -> str:
    """Dial the business (no call flow). Status callbacks are attributes of <Number>: they report the dialed leg.
    Recording (both channels, from the answer) reports to `recording_url` when it is ready."""
    response = VoiceResponse()
    response.append(_dial(number=original_number, urls=FlowUrls(status=status_url, recording=recording_url),
                          caller_id=caller_id, record=record, ring_seconds=None, whisper=False))
    return str(response)


def _voicemail(response: VoiceResponse, *, greeting: str, urls: FlowUrls) -> VoiceResponse:
    response.say(greeting)
    # The action answers <Hangup/> (without one Twilio would request this document again); the recording's
    # status callback is signed like every other.
    transcription = {"transcribe": True, "transcribe_callback": urls.transcribe} if urls.transcribe else {}
    response.record(action=urls.voicemail_done, method="POST", max_length=VOICEMAIL_MAX_SECONDS, play_beep=True,
                    recording_status_callback=urls.recording, recording_status_callback_method="POST",
                    recording_status_callback_event="completed", **transcription)
    response.hangup()
    return response


def twiml_voicemail(*, greeting: str, urls: FlowUrls) -> str:
    return str(_voicemail(VoiceResponse(), greeting=greeting, urls=urls))


def twiml_for_plan(plan: FlowPlan, *, urls: FlowUrls, caller_id: str = "") -> str:
    response = VoiceResponse()
    if plan.branch == Branch.VOICEMAIL:
        return str(_voicemail(response, greeting=plan.voicemail_greeting, urls=urls))
    if plan.notice_audio and urls.notice_audio:
        response.play(urls.notice_audio)
    elif plan.notice_text:
        response.say(plan.notice_text)
    response.append(_dial(number=plan.number, urls=urls, caller_id=caller_id, record=plan.record,
                          ring_seconds=plan.ring_seconds, whisper=bool(plan.whisper)))
    return str(response)


def twiml_say(text: str) -> str:
    response = VoiceResponse()
    if text:
        response.say(text)
    return str(response)


def twiml_hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def twiml_reject() -> str:
    response = VoiceResponse()
    response.reject()
    return str(response)


def twiml_reject_busy() -> str:
    """A blocked caller hears a busy tone; nothing is dialled."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


def twiml_empty() -> str:
    return str(VoiceResponse())
