"""Telephony providers: where tracking numbers come from and how calls reach the business.

This package sits low in the import order (accounts → telephony → pools/trackers → ...): it knows
nothing of pools or trackers, callers pass plain values in.
"""

from django.conf import settings

from telephony.models import Provider, TelephonySettings
from telephony.providers.base import NumberProvider, ProviderError, ProvisionedNumber
from telephony.providers.sandbox import SandboxProvider
from telephony.providers.signalwire import SignalWireProvider
from telephony.providers.telnyx import TelnyxProvider
from telephony.providers.twilio import TwilioProvider

__all__ = ["NumberProvider", "ProvisionedNumber", "ProviderError", "provider_for_account", "provider_by_name"]


def provider_by_name(name: str, *, telephony_settings: TelephonySettings | None = None) -> NumberProvider:
    if name == Provider.SANDBOX:
        return SandboxProvider()
    if name == Provider.TWILIO:
        return TwilioProvider.from_settings(telephony_settings)
    if name == Provider.SIGNALWIRE:
        return SignalWireProvider.from_settings(telephony_settings)
    if name == Provider.TELNYX:
        return TelnyxProvider.from_settings(telephony_settings)
    raise ProviderError(f"Unknown telephony provider “{name}”.")


def provider_for_account(account, *, name: str | None = None) -> NumberProvider:
    """The account's provider, or (`name`) the one a number was bought from, with the account's credentials."""
    telephony_settings = TelephonySettings.objects.filter(account=account).first()
    if name is None:
        name = telephony_settings.provider if telephony_settings else settings.TELEPHONY_DEFAULT_PROVIDER
    return provider_by_name(name, telephony_settings=telephony_settings)
