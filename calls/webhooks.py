"""Which auth token signs a webhook: the account of the dialed number or of the call it reports on."""

from calls.selectors import call_for_provider_id, tracker_for_inbound_number
from telephony.credentials import webhook_auth_token, webhook_fallback_tokens


def voice_webhook_tokens(request) -> list[str]:
    tracker = tracker_for_inbound_number(number=request.POST.get("To", ""))
    # Kept for the view (like request.user): the dialed number's tracker, or None. Not request input.
    request.inbound_tracker = tracker
    if tracker is None:
        return webhook_fallback_tokens()
    return [webhook_auth_token(tracker.pool.account)]


def status_webhook_tokens(request) -> list[str]:
    sid = request.POST.get("ParentCallSid") or request.POST.get("CallSid", "")
    call = call_for_provider_id(provider_call_id=sid)
    if call is not None:
        return [webhook_auth_token(call.account)]
    # A call we failed to record: the inbound leg's To is still our number, so its account signs.
    tracker = tracker_for_inbound_number(number=request.POST.get("To", ""))
    if tracker is not None:
        return [webhook_auth_token(tracker.pool.account)]
    return webhook_fallback_tokens()
