"""Phone numbers: parsed with phonenumbers at the edge, stored as E.164, formatted for display here."""

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


def phone_display(e164: str) -> str:
    """National format for the number's own country, e.g. (202) 555-0100; '' for empty input."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
