"""Which keys sign a webhook: those of the account of the dialed number or of the call it reports on.

The `*_for_params` functions take the posted parameters, so in-process simulations check signatures
exactly as the views do. Every provider posts Twilio's parameter names (TwiML, LaML and TeXML alike: `To`,
`CallSid`, `ParentCallSid`), so one lookup serves them all; the keys are the provider's (telephony.credentials)."""

from calls.selectors import call_for_provider_id, tracker_for_inbound_number
from telephony.credentials import (
    SigningKeys,
    webhook_auth_token,
    webhook_fallback_signing_keys,
    webhook_fallback_tokens,
    webhook_signing_keys,
)


def _voice_account(params):
    """(the dialed number's tracker or None, its account or None)."""
    tracker = tracker_for_inbound_number(number=params.get("To", ""))
    return tracker, (tracker.pool.account if tracker is not None else None)


def _status_account(params):
    sid = params.get("ParentCallSid") or params.get("CallSid", "")
    call = call_for_provider_id(provider_call_id=sid)
    if call is not None:
        return call.account
    # A call we failed to record: the inbound leg's To is still our number, so its account signs.
    tracker = tracker_for_inbound_number(number=params.get("To", ""))
    return tracker.pool.account if tracker is not None else None


def voice_tokens_for_params(params):
    """(the dialed number's tracker or None, the Twilio tokens that may sign the voice webhook)."""
    tracker, account = _voice_account(params)
    if account is None:
        return None, webhook_fallback_tokens()
    return tracker, [webhook_auth_token(account)]


def status_tokens_for_params(params) -> list[str]:
    account = _status_account(params)
    return [webhook_auth_token(account)] if account is not None else webhook_fallback_tokens()


def voice_keys_for(provider: str):
    """keys_for(request) of a provider's voice webhook; keeps the dialed number's tracker on the request."""

    def keys_for(request) -> SigningKeys:
        tracker, account = _voice_account(request.POST)
        # Kept for the view (like request.user): the dialed number's tracker, or None. Not request input.
        request.inbound_tracker = tracker
        return webhook_signing_keys(account, provider) if account is not None else webhook_fallback_signing_keys(provider)

    return keys_for


def status_keys_for(provider: str):
    """keys_for(request) of a provider's status and recording callbacks."""

    def keys_for(request) -> SigningKeys:
        account = _status_account(request.POST)
        return webhook_signing_keys(account, provider) if account is not None else webhook_fallback_signing_keys(provider)

    return keys_for
