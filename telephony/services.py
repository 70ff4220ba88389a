"""Writes for an account's telephony settings: the one path every face takes (audited, the token encrypted)."""

from django.db import transaction

from accounts.models import Account
from accounts.services import audit_record
from core.error_codes import INVALID
from core.errors import DomainError, full_clean_or_raise
from telephony.credentials import signalwire_credentials, telnyx_credentials, twilio_credentials
from telephony.models import Provider, TelephonySettings

TWILIO_INCOMPLETE = ("Twilio needs an account SID and an auth token, here or in the environment "
                     "(TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN).")
SIGNALWIRE_INCOMPLETE = "SignalWire needs the Space URL, project id, API token and signing key."
TELNYX_INCOMPLETE = "Telnyx needs an API key, the account's public key and a TeXML application id."
# Plain (not secret) settings the faces may set besides the provider.
PLAIN_SETTINGS = ("twilio_account_sid", "signalwire_space_url", "signalwire_project_id", "telnyx_public_key",
                  "telnyx_texml_app_id")
SECRET_SETTINGS = ("twilio_auth_token", "twilio_webhook_key", "signalwire_api_token", "signalwire_signing_key",
                   "telnyx_api_key")


@transaction.atomic
def telephony_settings_save(*, account: Account, provider: str, twilio_account_sid: str | None = None,
                            auth_token: str | None = None, clear_auth_token: bool = False,
                            plain: dict[str, str] | None = None, secrets: dict[str, str] | None = None,
                            clear: set[str] | frozenset[str] = frozenset(), actor=None) -> TelephonySettings:
    """Create or change `account`'s settings. `plain` sets PLAIN_SETTINGS fields; `secrets` replaces stored
    SECRET_SETTINGS (encrypted; a field left out keeps its value) and `clear` removes them (`auth_token` /
    `clear_auth_token` are the Twilio token's short forms). The chosen provider is refused without complete
    credentials. The audit row says a secret was set or removed, never what it is."""
    plain = dict(plain or {})
    if twilio_account_sid is not None:
        plain["twilio_account_sid"] = twilio_account_sid
    secrets = dict(secrets or {})
    if auth_token:
        secrets["twilio_auth_token"] = auth_token
    clear = set(clear) | ({"twilio_auth_token"} if clear_auth_token else set())
    unknown = (set(plain) - set(PLAIN_SETTINGS)) | ((set(secrets) | clear) - set(SECRET_SETTINGS))
    if unknown:
        raise ValueError(f"Not telephony settings: {sorted(unknown)}")
    existing = TelephonySettings.objects.select_for_update().filter(account=account).first()
    created = existing is None
    settings_ = TelephonySettings(account=account) if existing is None else existing
    before = {field: None if created else getattr(settings_, field) for field in ("provider", *plain)}
    settings_.provider = provider
    for field, value in plain.items():
        setattr(settings_, field, (value or "").strip())
    secret_changes = {}
    for field in SECRET_SETTINGS:
        if field in clear:
            if getattr(settings_, field):
                setattr(settings_, field, "")
                secret_changes[field] = [None, "removed"]
        elif secrets.get(field):
            settings_.set_secret(field, secrets[field].strip())
            secret_changes[field] = [None, "set"]
    if provider == Provider.TWILIO and not twilio_credentials(settings_).is_complete:
        raise DomainError(INVALID, TWILIO_INCOMPLETE)
    if provider == Provider.SIGNALWIRE and not signalwire_credentials(settings_).is_complete:
        raise DomainError(INVALID, SIGNALWIRE_INCOMPLETE)
    if provider == Provider.TELNYX and not telnyx_credentials(settings_).is_complete:
        raise DomainError(INVALID, TELNYX_INCOMPLETE)
    full_clean_or_raise(settings_)
    changes = {field: [old, getattr(settings_, field)] for field, old in before.items() if old != getattr(settings_, field)}
    changes.update(secret_changes)
    if not created and not changes:
        return settings_
    settings_.save()
    audit_record(account=account, actor=actor, action="telephony_settings.created" if created else "telephony_settings.changed",
                 target=settings_, changes=changes)
    return settings_
