"""Which Twilio credentials apply to an account: its own telephony settings, else the environment."""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

from telephony.models import Provider, TelephonySettings


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str

    @property
    def is_complete(self) -> bool:
        return bool(self.account_sid and self.auth_token)


def twilio_credentials(telephony_settings: TelephonySettings | None) -> TwilioCredentials:
    """The account's SID and token when it has both, else the environment's."""
    if telephony_settings is not None:
        token = telephony_settings.get_twilio_auth_token()
        if telephony_settings.twilio_account_sid and token:
            return TwilioCredentials(telephony_settings.twilio_account_sid, token)
    return TwilioCredentials(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)


def sandbox_webhook_token() -> str:
    """Signs webhooks for sandbox numbers when no Twilio token exists anywhere.

    Derived from SECRET_KEY, so only this installation can produce a valid signature: simulated
    calls go through the same signature check as real ones.
    """
    return hmac.new(settings.SECRET_KEY.encode(), b"callpool.sandbox.webhooks", hashlib.sha256).hexdigest()


def webhook_auth_token(account) -> str:
    """The token that signs voice/status webhooks for numbers of `account`."""
    telephony_settings = TelephonySettings.objects.filter(account=account).first()
    credentials = twilio_credentials(telephony_settings)
    if credentials.auth_token:
        return credentials.auth_token
    provider = telephony_settings.provider if telephony_settings else settings.TELEPHONY_DEFAULT_PROVIDER
    if provider == Provider.SANDBOX:
        return sandbox_webhook_token()
    return ""


def webhook_fallback_tokens() -> list[str]:
    """Tokens to try when a callback names no call or number we know (the answer is a harmless 200 anyway)."""
    tokens = [settings.TWILIO_AUTH_TOKEN] if settings.TWILIO_AUTH_TOKEN else []
    return tokens + [sandbox_webhook_token()]
