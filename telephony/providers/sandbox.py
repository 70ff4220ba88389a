"""Fictional numbers in the 555-0100…0199 blocks of many US area codes: no network, thousands available."""

from telephony.providers.base import ProviderError, ProvisionedNumber

AREA_CODES = [
    "202", "212", "213", "305", "312", "415", "503", "512", "617", "702", "713", "718", "808", "917",
    "206", "214", "303", "404", "469", "480", "602", "619", "646", "650", "704", "720", "773", "786",
    "801", "818", "832", "858", "901", "919", "949", "971", "972", "978", "985", "989",
]


def sandbox_numbers(area_code: str | None = None):
    codes = [area_code] if area_code else AREA_CODES
    for code in codes:
        for line in range(100, 200):
            yield f"+1{code}5550{line}"


class SandboxProvider:
    name = "sandbox"
    # provider_id → the fallback URL last set on it (set_fallback), as the provider would keep it.
    fallback_urls: dict[str, str] = {}

    def search(self, *, count: int, exclude: set[str], area_code: str | None = None) -> list[str]:
        found = []
        for number in sandbox_numbers(area_code):
            if number not in exclude:
                found.append(number)
                if len(found) == count:
                    break
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
