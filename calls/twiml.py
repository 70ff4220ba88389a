"""TwiML answers of the voice webhook, built with the SDK so the XML is always well-formed."""

from twilio.twiml.voice_response import Dial, VoiceResponse

STATUS_EVENTS = "initiated ringing answered completed"


def twiml_forward(*, original_number: str, status_url: str, caller_id: str = "", record: bool = False,
                  recording_url: str = "") -> str:
    """Dial the business. Status callbacks are attributes of <Number>: they report the dialed leg.
    Recording (both channels, from the answer) reports to `recording_url` when it is ready."""
    dial_attrs = {}
    if caller_id:
        dial_attrs["caller_id"] = caller_id  # the caller's own number: the business sees who calls
    if record:
        dial_attrs["record"] = "record-from-answer-dual"
        if recording_url:
            dial_attrs["recording_status_callback"] = recording_url
            dial_attrs["recording_status_callback_method"] = "POST"
    dial = Dial(**dial_attrs)
    dial.number(original_number, status_callback=status_url, status_callback_event=STATUS_EVENTS,
                status_callback_method="POST")
    response = VoiceResponse()
    response.append(dial)
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
