import pytest
from django.core.exceptions import ValidationError

from core.phones import parse_phone, phone_display, phone_location, validate_e164


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


@pytest.mark.parametrize("number,location", [
    ("+14155550100", {"city": "San Francisco", "region": "CA", "country": "US"}),
    ("+16505551234", {"city": "", "region": "CA", "country": "US"}),    # the geocoder knows only the state
    ("+15145551234", {"city": "", "region": "QC", "country": "CA"}),
    ("+442079460000", {"city": "London", "region": "", "country": "GB"}),
    ("+61293744000", {"city": "", "region": "", "country": "AU"}),      # only the country
    ("+18005551212", {"city": "", "region": "", "country": "US"}),      # toll-free: no place
    ("", {"city": "", "region": "", "country": ""}),
    ("anonymous", {"city": "", "region": "", "country": ""}),
])
def test_phone_location_reads_city_region_and_country_offline(number, location):
    assert phone_location(number) == location


def test_area_code_of_nanp_and_other_numbers():
    from core.phones import phone_area_code

    assert phone_area_code("+14155550123") == "415"
    assert phone_area_code("+442079460000") == "20"  # London
    assert phone_area_code("") == "" and phone_area_code("anonymous") == ""


def test_a_rule_is_labelled_as_a_rule_and_recognised_as_one():
    from core.actors import Actor, actor_label, is_rule_label

    label = actor_label(Actor.rule("Long calls"))
    assert label == "Long calls (rule)" and is_rule_label(label)
    assert not is_rule_label(actor_label(Actor.person(type("U", (), {"pk": None, "get_username": lambda self: "sam"})(),
                                                      via="dashboard")))
    assert actor_label(Actor.rule("x" * 100)).endswith(" (rule)")  # a long name is cut, the kind is kept
