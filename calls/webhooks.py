"""Which keys sign a webhook: those of the account of the dialed number or of the call it reports on.

The `*_for_params` functions take the posted parameters, so in-process simulations check signatures
exactly as the views do. Every provider posts Twilio's parameter names (TwiML, LaML and TeXML alike: `To`,
`CallSid`, `ParentCallSid`), so one lookup serves them all; the keys are the provider's (telephony.credentials)."""

from datetime import datetime

from django.utils import timezone

from calls.selectors import (
    InboundCall,
    call_for_provider_id,
    inbound_call_read,
    tracker_for_inbound_number,
)
from telephony.credentials import (
    SigningKeys,
    signing_keys_of,
    webhook_auth_token,
    webhook_fallback_signing_keys,
    webhook_fallback_tokens,
    webhook_signing_keys,
)


def _inbound_call(params, at: datetime) -> InboundCall | None:
    return inbound_call_read(number=params.get("To", ""), caller_number=params.get("From", ""),
                             call_sid=params.get("CallSid", ""), at=at)


def _telephony_settings(account):
    """The account's settings row, read with its tracker (None when the account has none)."""
    return getattr(account, "telephony_settings", None)


def _status_account(params):
    sid = params.get("ParentCallSid") or params.get("CallSid", "")
    call = call_for_provider_id(provider_call_id=sid)
    if call is not None:
        return call.account
    # A call we failed to record: the inbound leg's To is still our number, so its account signs.
    tracker = tracker_for_inbound_number(number=params.get("To", ""))
    return tracker.pool.account if tracker is not None else None


def voice_tokens_for_params(params, *, at: datetime | None = None) -> tuple[InboundCall | None, list[str]]:
    """(the call to the dialed number, or None when it is not ours; the Twilio tokens that may sign its webhook)."""
    inbound = _inbound_call(params, at or timezone.now())
    if inbound is None:
        return None, webhook_fallback_tokens()
    return inbound, list(signing_keys_of(_telephony_settings(inbound.tracker.pool.account), "twilio").tokens)


def status_tokens_for_params(params) -> list[str]:
    account = _status_account(params)
    return [webhook_auth_token(account)] if account is not None else webhook_fallback_tokens()


def voice_keys_for(provider: str):
    """keys_for(request) of a provider's voice webhook; keeps what it read about the call on the request."""

    def keys_for(request) -> SigningKeys:
        inbound = _inbound_call(request.POST, timezone.now())
        # Kept for the view (like request.user): the call to the dialed number, or None. Not request input.
        request.inbound_call = inbound
        if inbound is None:
            return webhook_fallback_signing_keys(provider)
        return signing_keys_of(_telephony_settings(inbound.tracker.pool.account), provider)

    return keys_for


def status_keys_for(provider: str):
    """keys_for(request) of a provider's status and recording callbacks."""

    def keys_for(request) -> SigningKeys:
        account = _status_account(request.POST)
        return webhook_signing_keys(account, provider) if account is not None else webhook_fallback_signing_keys(provider)

    return keys_for
