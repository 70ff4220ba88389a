"""Which auth token signs a webhook: the account of the dialed number or of the call it reports on.

The `*_for_params` functions take the posted parameters, so in-process simulations check signatures
exactly as the views do."""

from calls.selectors import call_for_provider_id, tracker_for_inbound_number
from telephony.credentials import webhook_auth_token, webhook_fallback_tokens


def voice_tokens_for_params(params):
    """(the dialed number's tracker or None, the tokens that may sign the voice webhook)."""
    tracker = tracker_for_inbound_number(number=params.get("To", ""))
    if tracker is None:
        return None, webhook_fallback_tokens()
    return tracker, [webhook_auth_token(tracker.pool.account)]


def status_tokens_for_params(params) -> list[str]:
    sid = params.get("ParentCallSid") or params.get("CallSid", "")
    call = call_for_provider_id(provider_call_id=sid)
    if call is not None:
        return [webhook_auth_token(call.account)]
    # A call we failed to record: the inbound leg's To is still our number, so its account signs.
    tracker = tracker_for_inbound_number(number=params.get("To", ""))
    if tracker is not None:
        return [webhook_auth_token(tracker.pool.account)]
    return webhook_fallback_tokens()


def voice_webhook_tokens(request) -> list[str]:
    tracker, tokens = voice_tokens_for_params(request.POST)
    # Kept for the view (like request.user): the dialed number's tracker, or None. Not request input.
    request.inbound_tracker = tracker
    return tokens


def status_webhook_tokens(request) -> list[str]:
    return status_tokens_for_params(request.POST)
