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
    return _auth_token(TelephonySettings.objects.filter(account=account).first())


def _auth_token(telephony_settings: TelephonySettings | None) -> str:
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


@dataclass(frozen=True)
class SignalWireCredentials:
    space_url: str  # host, e.g. example.signalwire.com
    project_id: str
    api_token: str
    signing_key: str

    @property
    def is_complete(self) -> bool:
        return bool(self.space_url and self.project_id and self.api_token and self.signing_key)


@dataclass(frozen=True)
class TelnyxCredentials:
    api_key: str
    public_key: str  # base64 Ed25519 public key: verifies webhooks
    texml_app_id: str

    @property
    def is_complete(self) -> bool:
        return bool(self.api_key and self.public_key and self.texml_app_id)


def space_host(raw: str) -> str:
    """`https://Example.signalwire.com/` → `example.signalwire.com`: the Space is stored as its host."""
    host = (raw or "").strip().lower()
    for prefix in ("https://", "http://"):
        if host.startswith(prefix):
            host = host[len(prefix):]
    return host.split("/", 1)[0]


def signalwire_credentials(telephony_settings: TelephonySettings | None) -> SignalWireCredentials:
    if telephony_settings is None:
        return SignalWireCredentials("", "", "", "")
    return SignalWireCredentials(
        space_url=space_host(telephony_settings.signalwire_space_url),
        project_id=telephony_settings.signalwire_project_id.strip(),
        api_token=telephony_settings.secret("signalwire_api_token"),
        signing_key=telephony_settings.secret("signalwire_signing_key"),
    )


def telnyx_credentials(telephony_settings: TelephonySettings | None) -> TelnyxCredentials:
    if telephony_settings is None:
        return TelnyxCredentials("", "", "")
    return TelnyxCredentials(
        api_key=telephony_settings.secret("telnyx_api_key"),
        public_key=telephony_settings.telnyx_public_key.strip(),
        texml_app_id=telephony_settings.telnyx_texml_app_id.strip(),
    )


@dataclass(frozen=True)
class SigningKeys:
    """What may sign one webhook: HMAC-SHA1 `tokens` (Twilio's auth token, SignalWire's signing key, the sandbox
    token), Twilio Webhook Settings' HMAC-SHA256 `shared_keys`, Telnyx's Ed25519 `public_keys` (base64)."""

    tokens: tuple[str, ...] = ()
    shared_keys: tuple[str, ...] = ()
    public_keys: tuple[str, ...] = ()


def webhook_signing_keys(account, provider: str) -> SigningKeys:
    """The keys that sign `provider`'s webhooks for numbers of `account` (SPEC "Telephony"): Twilio's auth token
    (or the sandbox token) plus, when the account set one, its Webhook Setting's SharedKey; SignalWire's project
    signing key; Telnyx's account public key. Empty: nothing can sign, every request is refused."""
    return signing_keys_of(TelephonySettings.objects.filter(account=account).first(), provider)


def signing_keys_of(telephony_settings: TelephonySettings | None, provider: str) -> SigningKeys:
    """webhook_signing_keys from the account's settings row already read (None: the account has none)."""
    if provider == Provider.SIGNALWIRE:
        key = signalwire_credentials(telephony_settings).signing_key
        return SigningKeys(tokens=(key,) if key else ())
    if provider == Provider.TELNYX:
        public_key = telnyx_credentials(telephony_settings).public_key
        return SigningKeys(public_keys=(public_key,) if public_key else ())
    token = _auth_token(telephony_settings)
    shared = telephony_settings.secret("twilio_webhook_key") if telephony_settings is not None else ""
    return SigningKeys(tokens=(token,) if token else (), shared_keys=(shared,) if shared else ())


def webhook_fallback_signing_keys(provider: str) -> SigningKeys:
    """Keys to try when a webhook names no number or call we know: the environment's and sandbox's for Twilio,
    every account's for SignalWire and Telnyx (the answer is a harmless 200 or <Reject/> anyway)."""
    if provider == Provider.SIGNALWIRE:
        rows = TelephonySettings.objects.exclude(signalwire_signing_key="")
        return SigningKeys(tokens=tuple(k for k in (r.secret("signalwire_signing_key") for r in rows) if k))
    if provider == Provider.TELNYX:
        keys = TelephonySettings.objects.exclude(telnyx_public_key="").values_list("telnyx_public_key", flat=True)
        return SigningKeys(public_keys=tuple(keys))
    shared = tuple(k for k in (r.secret("twilio_webhook_key") for r in
                               TelephonySettings.objects.exclude(twilio_webhook_key="")) if k)
    return SigningKeys(tokens=tuple(webhook_fallback_tokens()), shared_keys=shared)
