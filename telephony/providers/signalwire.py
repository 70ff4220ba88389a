"""SignalWire numbers through its Compatibility (LaML) REST API, which is Twilio's 2010-04-01 API under the
Space's `/api/laml` path: the official twilio SDK's client, pointed at the Space, speaks it.

(SignalWire's own `signalwire` package wraps the same SDK but pins twilio 6, which this project cannot use; its
`Client` does exactly this: a twilio `Api` domain whose base URL is the Space.)

Authentication is the project id and an API token (HTTP Basic); numbers get the same voice URL, status
callback and voice fallback URL as Twilio's, under /telephony/signalwire/. Webhooks are signed with the
project's Signing Key (telephony.webhooks).

Caller names are not in the Compatibility API (no Twilio Lookup): they come from the Space's REST API, "Phone Number
Lookup": GET /api/relay/rest/lookup/phone_number/{E.164}?include=cnam (HTTP Basic, billable) → {…, "cnam":
{"caller_id": "…"}}.
"""

import requests
from twilio.rest import Client

from telephony.credentials import SignalWireCredentials, signalwire_credentials
from telephony.providers.base import CallerName, ProviderError, json_object
from telephony.providers.twilio import TwilioProvider

LOOKUP_TIMEOUT = (5, 20)


def signalwire_client(credentials: SignalWireCredentials) -> Client:
    client = Client(credentials.project_id, credentials.api_token)
    client.api.base_url = f"https://{credentials.space_url}/api/laml"
    return client


class SignalWireProvider(TwilioProvider):
    name = "signalwire"
    webhook_prefix = "signalwire"
    label = "SignalWire"

    def __init__(self, *, credentials: SignalWireCredentials, country: str = "US", client: Client | None = None):
        super().__init__(account_sid=credentials.project_id, auth_token=credentials.api_token, country=country,
                         client=client or signalwire_client(credentials))
        self.credentials = credentials

    @classmethod
    def from_settings(cls, telephony_settings=None) -> "SignalWireProvider":
        credentials = signalwire_credentials(telephony_settings)
        if not credentials.is_complete:
            raise ProviderError(
                "SignalWire credentials are missing: set the Space URL, project id, API token and signing key "
                "in the account's telephony settings."
            )
        country = telephony_settings.account.default_region if telephony_settings is not None else "US"
        return cls(credentials=credentials, country=country)

    def lookup_caller_name(self, *, number: str) -> CallerName:
        """The Space's Phone Number Lookup with `include=cnam`; SignalWire gives no caller type."""
        url = f"https://{self.credentials.space_url}/api/relay/rest/lookup/phone_number/{number}"
        try:
            response = requests.get(url, params={"include": "cnam"}, timeout=LOOKUP_TIMEOUT,
                                    auth=(self.credentials.project_id, self.credentials.api_token),
                                    headers={"Accept": "application/json"})
            body = response.json() if response.status_code == 200 else {}
        except (requests.RequestException, ValueError) as exc:
            raise ProviderError(f"SignalWire could not look up {number}: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise ProviderError(f"SignalWire could not look up {number}: HTTP {response.status_code}")
        cnam = json_object(json_object(body).get("cnam"))
        return CallerName(name=str(cnam.get("caller_id") or "").strip()[:100])
