"""Writes for an account's telephony settings: the one path every face takes (audited, the token encrypted)."""

from django.db import transaction

from accounts.models import Account
from accounts.services import audit_record
from core.error_codes import INVALID
from core.errors import DomainError, full_clean_or_raise
from telephony.credentials import twilio_credentials
from telephony.models import Provider, TelephonySettings

TWILIO_INCOMPLETE = ("Twilio needs an account SID and an auth token, here or in the environment "
                     "(TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN).")


@transaction.atomic
def telephony_settings_save(*, account: Account, provider: str, twilio_account_sid: str = "",
                            auth_token: str | None = None, clear_auth_token: bool = False,
                            actor=None) -> TelephonySettings:
    """Create or change `account`'s settings. `auth_token` replaces the stored token (None keeps it, and
    `clear_auth_token` removes it); Twilio is refused without a complete SID and token here or in the environment.
    The audit row says the token was set or removed, never what it is."""
    existing = TelephonySettings.objects.select_for_update().filter(account=account).first()
    created = existing is None
    settings_ = TelephonySettings(account=account) if existing is None else existing
    before = {"provider": None if created else settings_.provider,
              "twilio_account_sid": None if created else settings_.twilio_account_sid}
    settings_.provider = provider
    settings_.twilio_account_sid = (twilio_account_sid or "").strip()
    token_change = None
    if clear_auth_token:
        if settings_.twilio_auth_token:
            settings_.twilio_auth_token, token_change = "", "removed"
    elif auth_token:
        settings_.set_twilio_auth_token(auth_token.strip())
        token_change = "set"
    if provider == Provider.TWILIO and not twilio_credentials(settings_).is_complete:
        raise DomainError(INVALID, TWILIO_INCOMPLETE)
    full_clean_or_raise(settings_)
    changes = {field: [old, getattr(settings_, field)] for field, old in before.items() if old != getattr(settings_, field)}
    if token_change:
        changes["twilio_auth_token"] = [None, token_change]
    if not created and not changes:
        return settings_
    settings_.save()
    audit_record(account=account, actor=actor, action="telephony_settings.created" if created else "telephony_settings.changed",
                 target=settings_, changes=changes)
    return settings_
