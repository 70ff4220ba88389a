from dataclasses import dataclass
from typing import Protocol

from telephony.number_search import NumberSearch


def json_object(value) -> dict:
    """`value` when a provider's JSON answer has an object there, else {} (null, a list, a string: nothing usable)."""
    return value if isinstance(value, dict) else {}


class ProviderError(Exception):
    """The provider refused or failed (no numbers left, bad credentials, network)."""


@dataclass(frozen=True)
class ProvisionedNumber:
    number: str  # E.164
    provider: str
    provider_id: str
    # False when the number was bought but its fallback could not be set yet (Telnyx: an order still pending):
    # the caller leaves it for the fallback sweep to set.
    fallback_set: bool = True


@dataclass(frozen=True)
class CallerName:
    """The provider's caller-name (CNAM) answer for a number; empty strings when it knows none."""

    name: str = ""
    caller_type: str = ""  # CONSUMER | BUSINESS | UNDETERMINED


class NumberProvider(Protocol):
    name: str
    webhook_prefix: str  # its webhooks live at /telephony/<webhook_prefix>/voice|status|recording

    def search(self, *, count: int, exclude: set[str], query: NumberSearch | None = None) -> list[str]:
        """Up to `count` purchasable E.164 numbers not in `exclude` that answer `query` (none: any local
        number in the provider's default country); [] when it has none, never numbers from elsewhere."""

    def buy(self, *, number: str, voice_url: str, status_url: str, fallback_url: str) -> ProvisionedNumber:
        """Buy `number` and point its voice webhooks at callpool."""

    def release(self, *, provider_id: str) -> None:
        """Give the number back to the provider."""

    def set_fallback(self, *, provider_id: str, fallback_url: str) -> None:
        """Point the number's provider-side fallback (dialled when callpool is down) at `fallback_url`.
        Idempotent: setting the URL it already has is success."""

    def lookup_caller_name(self, *, number: str) -> CallerName:
        """The caller name registered for `number` (charged by the provider: callers cache it)."""
