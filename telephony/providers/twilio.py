"""Twilio numbers through the official SDK. Webhooks are handled by the calls app."""

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from telephony.credentials import TwilioCredentials, twilio_credentials
from telephony.providers.base import ProviderError, ProvisionedNumber


class TwilioProvider:
    name = "twilio"

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

    def search(self, *, count: int, exclude: set[str], area_code: str | None = None) -> list[str]:
        # Ask for a few extra: some of them may already be ours (excluded).
        query: dict[str, object] = {"voice_enabled": True, "limit": count + 10}
        if area_code:
            query["area_code"] = area_code
        try:
            found = self.client.available_phone_numbers(self.country).local.list(**query)
        except TwilioException as exc:
            raise ProviderError(f"Twilio search failed: {exc}") from exc
        numbers = [item.phone_number for item in found if item.phone_number not in exclude]
        return numbers[:count]

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
        except TwilioException as exc:
            raise ProviderError(f"Twilio refused to sell {number}: {exc}") from exc
        return ProvisionedNumber(number=bought.phone_number, provider=self.name, provider_id=bought.sid)

    def release(self, *, provider_id: str) -> None:
        try:
            self.client.incoming_phone_numbers(provider_id).delete()
        except TwilioRestException as exc:
            if exc.status == 404:  # already released: releasing is retried, so this is success
                return
            raise ProviderError(f"Twilio could not release {provider_id}: {exc}") from exc
        except TwilioException as exc:
            raise ProviderError(f"Twilio could not release {provider_id}: {exc}") from exc
