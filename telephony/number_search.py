"""Which numbers to ask the provider for: a pool's number request → the ordered searches (pure, no I/O).

`local` (the default) asks for the original number's area code, then its region/state, then numbers near it
(Twilio's AreaCode, InRegion and NearNumber searches); `area_code` asks for one chosen area code only;
`any_area_code` asks for local numbers from any area code of the country (a national business: one plain local
search); `toll_free` for toll-free numbers. Nothing here falls back to "anywhere" unless the request says so: what
is not found is reported.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import phonenumbers

from core.phones import phone_display

LOCAL, TOLL_FREE, AREA_CODE, ANY_AREA_CODE = "local", "toll_free", "area_code", "any_area_code"
REQUEST_TYPES = (LOCAL, TOLL_FREE, AREA_CODE, ANY_AREA_CODE)
AREA_CODE_COUNTRIES = frozenset({"US", "CA"})  # AreaCode / InRegion / NearNumber: North America only
REGIONS_PATH = Path(__file__).resolve().parent / "data" / "regions.json"


class NumberRequestError(ValueError):
    """A number request that cannot be read; `field` names the key at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class NumberSearch:
    """One provider search. `kind` is local or toll_free; at most one of the narrowing fields is set."""

    kind: str
    country: str
    area_code: str = ""
    in_region: str = ""
    near_number: str = ""

    def describe(self) -> str:
        if self.kind == TOLL_FREE:
            return f"toll-free numbers ({self.country})"
        if self.area_code:
            return f"area code {self.area_code}"
        if self.in_region:
            return f"region {self.in_region} ({self.country})"
        if self.near_number:
            return f"near {phone_display(self.near_number)}"
        return f"local numbers anywhere in {self.country}"


@lru_cache(maxsize=1)
def _regions() -> dict[str, dict[str, str]]:
    return {k: v for k, v in json.loads(REGIONS_PATH.read_text()).items() if not k.startswith("_")}


def _parse(e164: str):
    try:
        return phonenumbers.parse(e164 or "", None)
    except phonenumbers.NumberParseException:
        return None


def country_of(e164: str) -> str:
    number = _parse(e164)
    return (phonenumbers.region_code_for_number(number) or "US") if number else "US"


def area_code_of(e164: str) -> str:
    """The NANP area code of a +1 number (`+17205550100` → `720`), else ""."""
    number = _parse(e164)
    if number is None or number.country_code != 1:
        return ""
    return str(number.national_number)[:3]


def region_of(e164: str) -> str:
    """The two-letter state/province a North American number belongs to (`+17205550100` → `CO`), from
    phonenumbers' geocoder; "" when it names none (toll-free, several provinces, other countries)."""
    number = _parse(e164)
    if number is None:
        return ""
    country = phonenumbers.region_code_for_number(number)
    names = _regions().get(country or "")
    if not names:
        return ""
    # Imported here: the geocoder's data takes seconds to load, and every process (web, worker, each test run)
    # would pay for it at start although only number searches need it.
    from phonenumbers import geocoder

    description = geocoder.description_for_number(number, "en")
    city_state = description.rsplit(", ", 1)
    if len(city_state) == 2 and city_state[1] in names.values():
        return city_state[1]
    return names.get(description, "")


def number_request_clean(raw, original_number: str) -> dict:
    """The stored form of a number request: `{"type", "country"[, "area_code"]}`; an empty or missing
    request is `local` in the original number's country. Raises NumberRequestError."""
    if raw in (None, "", {}):
        raw = {}
    if not isinstance(raw, dict):
        raise NumberRequestError(
            "number_request", "Give an object: {\"type\": \"local\"|\"any_area_code\"|\"toll_free\"|\"area_code\", …}.")
    unknown = set(raw) - {"type", "area_code", "country"}
    if unknown:
        raise NumberRequestError("number_request", f"Unknown key(s): {', '.join(sorted(map(str, unknown)))}.")
    kind = raw.get("type") or LOCAL
    if kind not in REQUEST_TYPES:
        raise NumberRequestError("type", "Choose local, any_area_code, toll_free or area_code.")
    country = raw.get("country") or country_of(original_number)
    if not isinstance(country, str) or not re.fullmatch(r"[A-Za-z]{2}", country):
        raise NumberRequestError("country", "Give a two-letter country code (US, CA, GB…).")
    country = country.upper()
    cleaned = {"type": kind, "country": country}
    area_code = raw.get("area_code")
    if kind == AREA_CODE:
        if country not in AREA_CODE_COUNTRIES:
            raise NumberRequestError("country", "Area codes can be chosen for US and Canadian numbers only.")
        if not isinstance(area_code, str) or not re.fullmatch(r"[2-9]\d\d", area_code):
            raise NumberRequestError("area_code", "Give a three-digit area code, e.g. 720.")
        cleaned["area_code"] = area_code
    elif area_code not in (None, ""):
        raise NumberRequestError("area_code", "An area code is only used with type area_code.")
    return cleaned


def number_searches(request: dict, original_number: str) -> list[NumberSearch]:
    """The searches to run, in order, for a (cleaned or stored) number request."""
    request = number_request_clean(request, original_number)
    country = request["country"]
    if request["type"] == TOLL_FREE:
        return [NumberSearch(TOLL_FREE, country)]
    if request["type"] == AREA_CODE:
        return [NumberSearch(LOCAL, country, area_code=request["area_code"])]
    if request["type"] == ANY_AREA_CODE:
        return [NumberSearch(LOCAL, country)]
    if country not in AREA_CODE_COUNTRIES or country_of(original_number) != country:
        return [NumberSearch(LOCAL, country)]
    if not _is_geographic(original_number):  # a toll-free original has no area to stay in
        return [NumberSearch(LOCAL, country)]
    # Its area code, its state or province (when the geocoder names one), then its surroundings.
    searches = [NumberSearch(LOCAL, country, area_code=area_code_of(original_number))]
    region = region_of(original_number)
    if region:
        searches.append(NumberSearch(LOCAL, country, in_region=region))
    searches.append(NumberSearch(LOCAL, country, near_number=original_number))
    return searches


def _is_geographic(e164: str) -> bool:
    number = _parse(e164)
    if number is None or not area_code_of(e164):
        return False
    kind = phonenumbers.number_type(number)
    return kind in (phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE,
                    phonenumbers.PhoneNumberType.MOBILE)


def number_request_display(request: dict, original_number: str) -> str:
    """`local: area code 720, then region CO (US), then near (720) 555-0100`."""
    try:
        cleaned = number_request_clean(request, original_number)
    except NumberRequestError:
        return "invalid number request"
    steps = ", then ".join(search.describe() for search in number_searches(cleaned, original_number))
    return f"{cleaned['type'].replace('_', '-')}: {steps}"
