"""Telnyx numbers through its REST API v2 (https://api.telnyx.com/v2, Bearer API key), with `requests`.

Calls are run with TeXML (Twilio-compatible markup): numbers are ordered onto the account's TeXML Application
(`connection_id`), whose voice URL and status callback are pointed at callpool's /telephony/telnyx/ webhooks.
The application has one voice fallback URL for all its numbers, so "callpool is down" is handled per number by
Telnyx's call forwarding on failure (`forwarding_type: on-failure`) to the pool's original number.

The official `telnyx` package is httpx-based (its requests cannot be recorded with `responses`, which the contract
tests use) and needs nothing this module does not do in a few documented calls, so plain `requests` is used.

Endpoints (developers.telnyx.com API reference):
- search: GET /available_phone_numbers, filter[country_code], filter[phone_number_type] local|toll_free,
  filter[national_destination_code] (area code), filter[administrative_area] (state), filter[features][]=voice,
  filter[limit] → {"data": [{"phone_number": "+1…", …}]}
- buy: POST /number_orders {"phone_numbers": [{"phone_number"}], "connection_id"} → {"data": {"id", "status",
  "phone_numbers": [{"id", "phone_number", "status"}]}}
- point at callpool: PATCH /texml_applications/{id} {"friendly_name", "voice_url", "voice_method": "post",
  "status_callback", "status_callback_method": "post"} (friendly_name and voice_url are required)
- find the number's id: GET /phone_numbers?filter[phone_number]=<digits> → {"data": [{"id", "phone_number"}]}
- fallback: PATCH /phone_numbers/{id}/voice {"call_forwarding": {"call_forwarding_enabled": true,
  "forwards_to": "+E164", "forwarding_type": "on-failure"}}
- release: DELETE /phone_numbers/{id}
- caller name: GET /number_lookup/{+E164}?type=caller-name → {"data": {"caller_name": {"caller_name", "error_code"}}}

The provider id stored for a Telnyx number is its E.164 number: an order can still be pending when it returns, so
the number's own id is looked up when it is needed.
"""

import requests

from telephony.credentials import TelnyxCredentials, telnyx_credentials
from telephony.fallback import forwarded_number
from telephony.number_search import LOCAL, TOLL_FREE, NumberSearch, area_code_of, region_of
from telephony.providers.base import CallerName, ProviderError, ProvisionedNumber, json_object

API = "https://api.telnyx.com/v2"
TIMEOUT = (5, 20)
APP_NAME = "callpool"


class TelnyxProvider:
    name = "telnyx"
    webhook_prefix = "telnyx"

    def __init__(self, *, credentials: TelnyxCredentials, country: str = "US", session: requests.Session | None = None):
        if not (credentials.api_key and credentials.texml_app_id):
            raise ProviderError(
                "Telnyx credentials are missing: set the API key, public key and TeXML application id in the "
                "account's telephony settings."
            )
        self.credentials = credentials
        self.country = country or "US"
        self.session = session or requests.Session()

    @classmethod
    def from_settings(cls, telephony_settings=None) -> "TelnyxProvider":
        country = telephony_settings.account.default_region if telephony_settings is not None else "US"
        return cls(credentials=telnyx_credentials(telephony_settings), country=country)

    def _request(self, method: str, path: str, *, what: str, **kwargs) -> dict:
        headers = {"Authorization": f"Bearer {self.credentials.api_key}", "Accept": "application/json"}
        try:
            response = self.session.request(method, API + path, headers=headers, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ProviderError(f"Telnyx did not answer ({what}): {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise ProviderError(f"Telnyx refused ({what}): HTTP {response.status_code} {_error_detail(response)}",
                                ) from None
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(f"Telnyx answered something that is not JSON ({what}).") from exc

    def search(self, *, count: int, exclude: set[str], query: NumberSearch | None = None) -> list[str]:
        query = query or NumberSearch(LOCAL, self.country)
        params: list[tuple[str, str | int]] = [
            ("filter[country_code]", query.country),
            ("filter[phone_number_type]", "toll_free" if query.kind == TOLL_FREE else "local"),
            ("filter[features][]", "voice"),
            ("filter[limit]", count + 10),  # some may already be ours (excluded)
        ]
        if query.area_code:
            params.append(("filter[national_destination_code]", query.area_code))
        if query.in_region:
            params.append(("filter[administrative_area]", query.in_region))
        if query.near_number:
            # Telnyx has no "near a number" search: the closest it documents is the number's state.
            region = region_of(query.near_number)
            if not region:
                return []
            params.append(("filter[administrative_area]", region))
        body = self._request("GET", "/available_phone_numbers", params=params, what=f"search for {query.describe()}")
        found = [item.get("phone_number", "") for item in body.get("data") or []]
        if query.area_code:  # never numbers from elsewhere, even if the search was widened ("best effort")
            found = [number for number in found if area_code_of(number) == query.area_code]
        return [number for number in found if number and number not in exclude][:count]

    def _point_application(self, *, voice_url: str, status_url: str) -> None:
        self._request("PATCH", f"/texml_applications/{self.credentials.texml_app_id}", what="TeXML application", json={
            "friendly_name": APP_NAME, "voice_url": voice_url, "voice_method": "post",
            "status_callback": status_url, "status_callback_method": "post",
        })

    def buy(self, *, number: str, voice_url: str, status_url: str, fallback_url: str) -> ProvisionedNumber:
        self._point_application(voice_url=voice_url, status_url=status_url)
        body = self._request("POST", "/number_orders", what=f"order of {number}", json={
            "phone_numbers": [{"phone_number": number}], "connection_id": self.credentials.texml_app_id,
        })
        ordered = [item for item in (body.get("data") or {}).get("phone_numbers") or []
                   if item.get("phone_number") == number]
        if not ordered or ordered[0].get("status") == "failure":
            raise ProviderError(f"Telnyx did not order {number}: {ordered[0].get('status') if ordered else 'not in the order'}.")
        try:
            self.set_fallback(provider_id=number, fallback_url=fallback_url)
        except ProviderError:
            # An order can take a moment to become a number: the pool's fallback sweep sets it later.
            return ProvisionedNumber(number=number, provider=self.name, provider_id=number, fallback_set=False)
        return ProvisionedNumber(number=number, provider=self.name, provider_id=number)

    def _number_id(self, provider_id: str) -> str | None:
        """The Telnyx id of our number `provider_id` (its E.164), None when Telnyx has no such number (any more)."""
        digits = "".join(ch for ch in provider_id if ch.isdigit())  # the filter ignores non-digits (finds nothing)
        body = self._request("GET", "/phone_numbers", params={"filter[phone_number]": digits},
                             what=f"look-up of {provider_id}")
        for item in body.get("data") or []:
            if item.get("phone_number") == provider_id:
                return str(item.get("id"))
        return None

    def release(self, *, provider_id: str) -> None:
        number_id = self._number_id(provider_id)
        if number_id is None:
            return  # already released: releasing is retried, so this is success
        self._request("DELETE", f"/phone_numbers/{number_id}", what=f"release of {provider_id}")

    def set_fallback(self, *, provider_id: str, fallback_url: str) -> None:
        target = forwarded_number(fallback_url)
        if not target:
            raise ProviderError(f"Telnyx forwards to a number, not to {fallback_url}.")
        number_id = self._number_id(provider_id)
        if number_id is None:
            raise ProviderError(f"Telnyx has no number {provider_id} (yet).")
        self._request("PATCH", f"/phone_numbers/{number_id}/voice", what=f"fallback of {provider_id}", json={
            "call_forwarding": {"call_forwarding_enabled": True, "forwards_to": target,
                                "forwarding_type": "on-failure"},
        })

    def lookup_caller_name(self, *, number: str) -> CallerName:
        """Number Lookup with `type=caller-name` (CNAM, US numbers; billed per lookup): GET
        /number_lookup/{E.164}?type=caller-name → {"data": {"caller_name": {"caller_name", "error_code"}, …}}.
        Telnyx gives no caller type."""
        body = self._request("GET", f"/number_lookup/{number}", params={"type": "caller-name"},
                             what=f"caller name of {number}")
        answer = json_object(json_object(body.get("data")).get("caller_name"))
        return CallerName(name=str(answer.get("caller_name") or "").strip()[:100])


def _error_detail(response) -> str:
    """Telnyx errors: {"errors": [{"code", "title", "detail"}]}."""
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return ""
    return "; ".join(str(e.get("detail") or e.get("title") or "") for e in errors if isinstance(e, dict))[:300]
