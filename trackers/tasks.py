from django.utils import timezone

from telephony.models import TelephonySettings
from telephony.providers import provider_by_name
from trackers.leasing import lease_release_expired


def release_number(account_id: int, provider: str, provider_id: str) -> None:
    telephony_settings = TelephonySettings.objects.filter(account_id=account_id).first()
    provider_by_name(provider, telephony_settings=telephony_settings).release(provider_id=provider_id)


def release_expired_leases() -> int:
    return lease_release_expired(now=timezone.now())
