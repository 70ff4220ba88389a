import pytest
from django.core.exceptions import ValidationError

from core.phones import parse_phone, phone_display, validate_e164


@pytest.mark.parametrize(
    "raw",
    ["(202) 555-0100", "202-555-0100", "202.555.0100", "2025550100", "+1 202 555 0100", "1-202-555-0100", "+12025550100"],
)
def test_parse_phone_reads_every_common_form_to_e164(raw):
    assert parse_phone(raw, "US") == "+12025550100"


def test_parse_phone_uses_the_region_for_national_numbers():
    assert parse_phone("020 7946 0018", "GB") == "+442079460018"


@pytest.mark.parametrize("raw", ["", "hello", "555", "+1 202 555 010", "(999) 555-0100"])
def test_parse_phone_rejects_what_is_not_a_valid_number(raw):
    with pytest.raises(ValidationError):
        parse_phone(raw, "US")


def test_validate_e164_rejects_a_non_canonical_string():
    with pytest.raises(ValidationError):
        validate_e164("(202) 555-0100")
    validate_e164("+12025550100")


def test_phone_display_is_national_format():
    assert phone_display("+12025550100") == "(202) 555-0100"
    assert phone_display("") == ""
