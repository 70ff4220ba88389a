"""Phone numbers: parsed with phonenumbers at the edge, stored as E.164, formatted for display here."""

from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError

DEFAULT_REGION = "US"


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form of `raw`, read in `region` when it has no country code."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError("Enter a phone number.", code="phone_required")
    try:
        number = phonenumbers.parse(text, region or DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            "“%(raw)s” is not a phone number (%(why)s).",
            code="phone_invalid",
            params={"raw": text, "why": str(exc._msg).rstrip(".").lower()},
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "“%(raw)s” is not a valid phone number for region %(region)s.",
            code="phone_invalid",
            params={"raw": text, "region": region or DEFAULT_REGION},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    """Model-field validator: the stored value must already be canonical E.164."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValidationError("Store phone numbers in E.164 form (+15555550123).", code="phone_not_e164") from None
    canonical = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if value != canonical or not phonenumbers.is_valid_number(number):
        raise ValidationError("“%(value)s” is not a valid E.164 number.", code="phone_not_e164", params={"value": value})


@lru_cache(maxsize=4096)  # every DNI answer shows its numbers this way; parsing one costs tens of microseconds
def phone_display(e164: str) -> str:
    """National format for the number's own country, e.g. (202) 555-0100; '' for empty input."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# US states and territories, and Canadian provinces, as the geocoder names them → their postal codes, so a
# caller's region reads the same ("CA") whether the geocoder knew the city ("San Francisco, CA") or not ("California").
NANP_REGION_CODES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Washington D.C.": "DC", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI",
    "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY",
    "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
    "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC", "North Dakota": "ND",
    "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI",
    "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT",
    "Virginia": "VA", "Washington": "WA", "Washington State": "WA", "West Virginia": "WV", "Wisconsin": "WI",
    "Wyoming": "WY", "Puerto Rico": "PR", "Alberta": "AB", "British Columbia": "BC", "Manitoba": "MB",
    "New Brunswick": "NB", "Newfoundland and Labrador": "NL", "Nova Scotia": "NS", "Ontario": "ON",
    "Prince Edward Island": "PE", "Quebec": "QC", "Saskatchewan": "SK", "Northwest Territories": "NT",
    "Nunavut": "NU", "Yukon": "YT",
}


def phone_location(e164: str) -> dict[str, str]:
    """{"city", "region", "country"} of a number, offline (phonenumbers' geocoder); empty strings where unknown.

    `country` is the ISO 3166 code; in the US and Canada `region` is the state's or province's postal code.
    The geocoder writes "City, ST", a region alone ("California"), a city alone ("London") or the country alone.
    """
    city, region, country = _location(e164)
    return {"city": city, "region": region, "country": country}


@lru_cache(maxsize=4096)  # every inbound call asks for its caller's; callers call again
def _location(e164: str) -> tuple[str, str, str]:
    empty = ("", "", "")
    if not e164:
        return empty
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return empty
    from phonenumbers import (
        geocoder,  # loads the geocoder's data (several MB) only when a location is asked for
    )

    country = phonenumbers.region_code_for_number(number) or ""
    if country == "ZZ":
        country = ""
    description = geocoder.description_for_number(number, "en")
    city, region = "", ""
    if description and description != geocoder.country_name_for_number(number, "en"):
        if ", " in description:
            city, region = description.rsplit(", ", 1)
        elif number.country_code == 1:  # NANP: a description without a city is the state or province
            region = description
        else:
            city = description
    if number.country_code == 1:
        region = NANP_REGION_CODES.get(region, region)
    return city[:100], region[:100], country[:2]


def phone_data_load() -> None:
    """Load the geocoder's data (seconds: tens of MB of modules) and the metadata of the commonest regions now, so
    that the first call a web worker answers does not wait for them (config.wsgi calls it as a worker starts)."""
    for number in ("+12025550100", "+14165550100", "+442071234567"):
        _location(number)
        parse_phone(number)


def phone_area_code(e164: str) -> str:
    """The number's area code (NANP: the three digits after +1; elsewhere the geographic area code phonenumbers
    knows), '' when there is none (mobiles in many countries, hidden caller ids)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ""
    national = str(number.national_number)
    if number.country_code == 1:
        return national[:3] if len(national) == 10 else ""
    length = phonenumbers.length_of_geographical_area_code(number)
    return national[:length] if length else ""
