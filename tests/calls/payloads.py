"""Recorded Twilio webhook payloads (field sets as Twilio sends them; ids and numbers made up) and signing."""

from twilio.request_validator import RequestValidator

TEST_TOKEN = "test-auth-token-0000000000000001"
BASE = "http://testserver"


def sign(params: dict, path: str, token: str = TEST_TOKEN) -> str:
    return RequestValidator(token).compute_signature(BASE + path, params)


def voice_payload(*, to: str, caller: str = "+14158675309", call_sid: str = "CA" + "a" * 32) -> dict:
    """A voice webhook as Twilio sends it (recorded field set; ids made up)."""
    return {
        "AccountSid": "AC" + "1" * 32, "ApiVersion": "2010-04-01", "CallSid": call_sid, "CallStatus": "ringing",
        "Called": to, "CalledCity": "", "CalledCountry": "US", "CalledState": "DC", "CalledZip": "",
        "Caller": caller, "CallerCity": "SAN FRANCISCO", "CallerCountry": "US", "CallerState": "CA",
        "CallerZip": "94107", "Direction": "inbound", "From": caller, "FromCity": "SAN FRANCISCO",
        "FromCountry": "US", "FromState": "CA", "FromZip": "94107", "To": to, "ToCity": "", "ToCountry": "US",
        "ToState": "DC", "ToZip": "",
    }


def dialed_status_payload(*, parent_sid: str, status: str, sequence: int, to: str = "+12025550150",
                          caller: str = "+14158675309", timestamp: str = "Wed, 25 Nov 2026 13:00:00 +0000",
                          call_duration: int | None = None, child_sid: str = "CA" + "b" * 32) -> dict:
    """A <Number statusCallback> callback of the dialed leg (it carries ParentCallSid)."""
    params = {
        "AccountSid": "AC" + "1" * 32, "ApiVersion": "2010-04-01", "CallSid": child_sid, "CallStatus": status,
        "CallbackSource": "call-progress-events", "Called": to, "Caller": caller, "Direction": "outbound-dial",
        "From": caller, "ParentCallSid": parent_sid, "SequenceNumber": str(sequence), "Timestamp": timestamp,
        "To": to,
    }
    if call_duration is not None:
        params["CallDuration"] = str(call_duration)
        params["Duration"] = str((call_duration + 59) // 60)
    return params


def inbound_status_payload(*, call_sid: str, to: str, status: str = "completed", call_duration: int = 65,
                           timestamp: str = "Wed, 25 Nov 2026 13:01:05 +0000") -> dict:
    """The number's own status callback for the inbound leg (no ParentCallSid, no SequenceNumber)."""
    return {
        "AccountSid": "AC" + "1" * 32, "ApiVersion": "2010-04-01", "CallSid": call_sid, "CallStatus": status,
        "CallDuration": str(call_duration), "Called": to, "Caller": "+14158675309", "Direction": "inbound",
        "From": "+14158675309", "Timestamp": timestamp, "To": to,
    }
