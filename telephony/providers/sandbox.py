"""Fictional numbers in the 555-0100…0199 blocks of many US area codes (and of the toll-free codes): no network.

It answers the same searches as Twilio — an area code, a state (InRegion), near a number (NearNumber: the
number's own area code first, then the rest of its state), any area code (a plain local search: every block)
and toll-free — and finds nothing for an area code or state it has no block in (e.g. 307, Wyoming), so a pool
that asks for one fails clearly.
"""

from telephony.number_search import LOCAL, TOLL_FREE, NumberSearch, area_code_of, region_of
from telephony.providers.base import CallerName, ProviderError, ProvisionedNumber

AREA_CODES = [
    "202", "212", "213", "305", "312", "415", "503", "512", "617", "702", "713", "718", "808", "917",
    "206", "214", "303", "404", "469", "480", "602", "619", "646", "650", "704", "720", "773", "786",
    "801", "818", "832", "858", "901", "919", "949", "971", "972", "978", "985", "989",
]
TOLL_FREE_CODES = ["800", "833", "844", "855", "866", "877", "888"]
COUNTRY = "US"


def sandbox_numbers(area_code: str | None = None):
    codes = [area_code] if area_code else AREA_CODES
    for code in codes:
        for line in range(100, 200):
            yield f"+1{code}5550{line}"


def _codes_in_region(region: str) -> list[str]:
    return [code for code in AREA_CODES if region_of(f"+1{code}5550100") == region]


def sandbox_area_codes(query: NumberSearch | None) -> list[str]:
    """The sandbox's area codes that answer `query`, in the order they are offered."""
    if query is None:
        return list(AREA_CODES)
    if query.country != COUNTRY:
        return []
    if query.kind == TOLL_FREE:
        return list(TOLL_FREE_CODES)
    if query.kind != LOCAL:
        return []
    if query.area_code:
        return [query.area_code] if query.area_code in AREA_CODES else []
    if query.in_region:
        return _codes_in_region(query.in_region)
    if query.near_number:
        own = area_code_of(query.near_number)
        nearby = _codes_in_region(region_of(query.near_number)) if region_of(query.near_number) else []
        return ([own] if own in AREA_CODES else []) + [code for code in nearby if code != own]
    return list(AREA_CODES)


class SandboxProvider:
    name = "sandbox"
    webhook_prefix = "twilio"  # simulated calls are signed and posted like Twilio's
    # provider_id → the fallback URL last set on it (set_fallback), as the provider would keep it.
    fallback_urls: dict[str, str] = {}

    def search(self, *, count: int, exclude: set[str], query: NumberSearch | None = None) -> list[str]:
        found = []
        for code in sandbox_area_codes(query):
            for number in sandbox_numbers(code):
                if number not in exclude:
                    found.append(number)
                    if len(found) == count:
                        return found
        return found

    def buy(self, *, number: str, voice_url: str, status_url: str, fallback_url: str) -> ProvisionedNumber:
        if not number.startswith("+1") or number[5:9] != "5550":
            raise ProviderError(f"{number} is not a sandbox number.")
        return ProvisionedNumber(number=number, provider=self.name, provider_id=f"SB{number[1:]}")

    def release(self, *, provider_id: str) -> None:
        return None

    def set_fallback(self, *, provider_id: str, fallback_url: str) -> None:
        if not provider_id.startswith("SB"):
            raise ProviderError(f"{provider_id} is not a sandbox number.")
        self.fallback_urls[provider_id] = fallback_url

    def lookup_caller_name(self, *, number: str) -> CallerName:
        """No network: a fictional name per number, so the demo shows caller names."""
        digits = "".join(ch for ch in number if ch.isdigit())
        if not digits:
            return CallerName()
        first = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Robin", "Drew")[int(digits[-1])]
        last = ("Rivera", "Chen", "Okafor", "Novak", "Haddad", "Silva", "Kowalski", "Nguyen", "Larsen", "Moreau")[int(digits[-2:-1] or 0)]
        return CallerName(name=f"{first} {last}".upper(), caller_type="CONSUMER")
