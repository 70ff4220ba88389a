"""System checks: a provider without credentials cannot buy numbers or verify webhooks."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from telephony.credentials import signalwire_credentials, telnyx_credentials, twilio_credentials
from telephony.crypto import encryption_key_problem
from telephony.models import Provider, TelephonySettings


@register()
def check_default_provider_credentials(app_configs, **kwargs):
    if settings.TELEPHONY_DEFAULT_PROVIDER not in Provider.values:
        return [Error(
            f"TELEPHONY_DEFAULT_PROVIDER is “{settings.TELEPHONY_DEFAULT_PROVIDER}”.",
            hint=f"Use one of: {', '.join(Provider.values)}.", id="telephony.E001",
        )]
    if settings.TELEPHONY_DEFAULT_PROVIDER in (Provider.SIGNALWIRE, Provider.TELNYX):
        return [Error(
            f"TELEPHONY_DEFAULT_PROVIDER is {settings.TELEPHONY_DEFAULT_PROVIDER}, whose credentials exist only per account.",
            hint="Use sandbox or twilio as the default, and choose SignalWire or Telnyx in an account's telephony settings.",
            id="telephony.E005",
        )]
    if settings.TELEPHONY_DEFAULT_PROVIDER == Provider.TWILIO and not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        return [Error(
            "TELEPHONY_DEFAULT_PROVIDER is twilio but TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN are not set.",
            hint="Set both in the environment, or use the sandbox provider.", id="telephony.E002",
        )]
    return []


@register()
def check_encryption_key(app_configs, **kwargs):
    """A malformed key would fail the first save or read of a provider token: fail at start instead."""
    problem = encryption_key_problem(settings.TELEPHONY_ENCRYPTION_KEY)
    if problem:
        return [Error(
            f"TELEPHONY_ENCRYPTION_KEY is malformed: {problem}.",
            hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                 "print(Fernet.generate_key().decode())', or leave it empty to derive it from SECRET_KEY.",
            id="telephony.E004",
        )]
    return []


@register(Tags.database)
def check_account_provider_credentials(app_configs, databases=None, **kwargs):
    """Accounts on Twilio need their own credentials or the environment's. Runs with `check --database`."""
    if not databases:
        return []
    errors = []
    try:
        rows = list(TelephonySettings.objects.exclude(provider=Provider.SANDBOX).select_related("account"))
    except DatabaseError:
        return []  # not migrated yet
    for row in rows:
        if row.provider in (Provider.SIGNALWIRE, Provider.TELNYX):
            complete = (signalwire_credentials(row) if row.provider == Provider.SIGNALWIRE else telnyx_credentials(row)).is_complete
            if not complete:
                errors.append(Error(
                    f"Account “{row.account}” uses {row.get_provider_display()} but its credentials are incomplete.",
                    hint="Complete them in the admin's telephony settings.", obj=row, id="telephony.E006",
                ))
            continue
        if row.provider == Provider.TWILIO and not twilio_credentials(row).is_complete:
            errors.append(Error(
                f"Account “{row.account}” uses Twilio but has no credentials and the environment has none.",
                hint="Enter the account SID and auth token in the admin's telephony settings.",
                obj=row, id="telephony.E003",
            ))
    return errors
