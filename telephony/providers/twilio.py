"""Twilio numbers through the official SDK. Webhooks are handled by the calls app.

Every failure, the network's included (the SDK's HTTP client raises `requests` errors, not TwilioException,
when Twilio cannot be reached), is a ProviderError.
"""

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from telephony.credentials import TwilioCredentials, twilio_credentials
from telephony.number_search import LOCAL, TOLL_FREE, NumberSearch
from telephony.providers.base import CallerName, ProviderError, ProvisionedNumber

# What the SDK raises: Twilio's answers, and the network failing before there is one.
FAILURES = (TwilioException, RequestException)


class TwilioProvider:
    name = "twilio"
    webhook_prefix = "twilio"  # its webhooks: /telephony/twilio/voice|status|recording
    label = "Twilio"

    def __init__(self, *, account_sid: str, auth_token: str, country: str = "US", client: Client | None = None):
        if not (account_sid and auth_token):
            raise ProviderError(
                "Twilio credentials are missing: set them in the account's telephony settings "
                "or TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN in the environment."
            )
        self.country = country or "US"
        self.client = client or Client(account_sid, auth_token)

    @classmethod
    def from_settings(cls, telephony_settings=None) -> "TwilioProvider":
        credentials: TwilioCredentials = twilio_credentials(telephony_settings)
        country = telephony_settings.account.default_region if telephony_settings is not None else "US"
        return cls(account_sid=credentials.account_sid, auth_token=credentials.auth_token, country=country)

    def search(self, *, count: int, exclude: set[str], query: NumberSearch | None = None) -> list[str]:
        """One AvailablePhoneNumbers search: Local with AreaCode / InRegion / NearNumber, or TollFree."""
        query = query or NumberSearch(LOCAL, self.country)
        # Ask for a few extra: some of them may already be ours (excluded).
        params: dict[str, object] = {"voice_enabled": True, "limit": count + 10}
        if query.area_code:
            params["area_code"] = query.area_code
        if query.in_region:
            params["in_region"] = query.in_region
        if query.near_number:
            params["near_number"] = query.near_number
        try:
            numbers = self.client.available_phone_numbers(query.country)
            found = (numbers.toll_free if query.kind == TOLL_FREE else numbers.local).list(**params)
        except FAILURES as exc:
            raise ProviderError(f"{self.label} search for {query.describe()} failed: {exc}") from exc
        return [item.phone_number for item in found if item.phone_number not in exclude][:count]

    def buy(self, *, number: str, voice_url: str, status_url: str, fallback_url: str) -> ProvisionedNumber:
        try:
            bought = self.client.incoming_phone_numbers.create(
                phone_number=number,
                voice_url=voice_url,
                voice_method="POST",
                status_callback=status_url,
                status_callback_method="POST",
                voice_fallback_url=fallback_url,
                voice_fallback_method="POST",
            )
        except FAILURES as exc:
            raise ProviderError(f"{self.label} refused to sell {number}: {exc}") from exc
        return ProvisionedNumber(number=bought.phone_number, provider=self.name, provider_id=bought.sid)

    def release(self, *, provider_id: str) -> None:
        try:
            self.client.incoming_phone_numbers(provider_id).delete()
        except TwilioRestException as exc:
            if exc.status == 404:  # already released: releasing is retried, so this is success
                return
            raise ProviderError(f"{self.label} could not release {provider_id}: {exc}") from exc
        except FAILURES as exc:
            raise ProviderError(f"{self.label} could not release {provider_id}: {exc}") from exc

    def set_fallback(self, *, provider_id: str, fallback_url: str) -> None:
        try:
            self.client.incoming_phone_numbers(provider_id).update(
                voice_fallback_url=fallback_url, voice_fallback_method="POST",
            )
        except FAILURES as exc:
            raise ProviderError(f"{self.label} could not update the fallback of {provider_id}: {exc}") from exc

    def lookup_caller_name(self, *, number: str) -> CallerName:
        """Twilio Lookup v2 with `Fields=caller_name` (US numbers; billed per request)."""
        try:
            found = self.client.lookups.v2.phone_numbers(number).fetch(fields="caller_name")
        except FAILURES as exc:
            raise ProviderError(f"Twilio could not look up {number}: {exc}") from exc
        answer = found.caller_name or {}
        return CallerName(name=(answer.get("caller_name") or "").strip()[:100],
                          caller_type=(answer.get("caller_type") or "")[:20])
