"""A pool's number request → the provider searches, and the sandbox answering them (pure, no database)."""

import pytest

from telephony.number_search import (
    NumberRequestError,
    NumberSearch,
    number_request_clean,
    number_request_display,
    number_searches,
    region_of,
)
from telephony.providers.sandbox import SandboxProvider

DENVER = "+17205550100"


def test_the_default_request_is_local_in_the_original_numbers_country():
    assert number_request_clean({}, DENVER) == {"type": "local", "country": "US"}
    assert number_request_clean(None, "+14165550100") == {"type": "local", "country": "CA"}


def test_local_searches_the_area_code_then_the_state_then_near_the_number():
    assert number_searches({}, DENVER) == [
        NumberSearch("local", "US", area_code="720"),
        NumberSearch("local", "US", in_region="CO"),
        NumberSearch("local", "US", near_number=DENVER),
    ]


def test_the_state_comes_from_the_geocoder_in_either_of_its_spellings():
    assert (region_of(DENVER), region_of("+12125550100"), region_of("+12065550100")) == ("CO", "NY", "WA")


def test_a_chosen_area_code_is_the_only_search():
    assert number_searches({"type": "area_code", "area_code": "303", "country": "US"}, DENVER) == [
        NumberSearch("local", "US", area_code="303"),
    ]


def test_toll_free_is_one_toll_free_search():
    assert number_searches({"type": "toll_free"}, DENVER) == [NumberSearch("toll_free", "US")]


def test_any_area_code_is_one_plain_local_search_in_the_country():
    assert number_searches({"type": "any_area_code"}, DENVER) == [NumberSearch("local", "US")]
    assert number_searches({"type": "any_area_code", "country": "CA"}, DENVER) == [NumberSearch("local", "CA")]
    assert number_request_display({"type": "any_area_code"}, DENVER) == "any-area-code: local numbers anywhere in US"


def test_a_toll_free_original_has_no_area_to_stay_in():
    assert number_searches({}, "+18005550100") == [NumberSearch("local", "US")]


def test_the_display_names_every_search_in_order():
    assert number_request_display({}, DENVER) == "local: area code 720, then region CO (US), then near (720) 555-0100"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"type": "cheap"}, "type"),
        ({"type": "area_code"}, "area_code"),
        ({"type": "area_code", "area_code": "72"}, "area_code"),
        ({"type": "area_code", "area_code": "123"}, "area_code"),
        ({"type": "area_code", "area_code": "720", "country": "GB"}, "country"),
        ({"type": "local", "area_code": "720"}, "area_code"),
        ({"type": "any_area_code", "area_code": "720"}, "area_code"),
        ({"type": "any", "country": "US"}, "type"),
        ({"type": "local", "country": "USA"}, "country"),
        ({"kind": "local"}, "number_request"),
        (["local"], "number_request"),
    ],
)
def test_a_bad_request_names_the_key_at_fault(raw, field):
    with pytest.raises(NumberRequestError) as caught:
        number_request_clean(raw, DENVER)
    assert caught.value.field == field


def test_the_sandbox_answers_an_area_code_it_serves_from_that_area_code_only():
    found = SandboxProvider().search(count=3, exclude={"+17205550100"}, query=NumberSearch("local", "US", area_code="720"))
    assert found == ["+17205550101", "+17205550102", "+17205550103"]


def test_the_sandbox_says_none_for_an_area_code_or_state_it_does_not_serve():
    sandbox = SandboxProvider()
    assert sandbox.search(count=1, exclude=set(), query=NumberSearch("local", "US", area_code="307")) == []
    assert sandbox.search(count=1, exclude=set(), query=NumberSearch("local", "US", in_region="WY")) == []
    assert sandbox.search(count=1, exclude=set(), query=NumberSearch("local", "US", near_number="+13075550100")) == []
    assert sandbox.search(count=1, exclude=set(), query=NumberSearch("local", "GB")) == []


def test_the_sandbox_finds_a_states_other_area_codes_and_toll_free_numbers():
    sandbox = SandboxProvider()
    in_colorado = sandbox.search(count=200, exclude=set(), query=NumberSearch("local", "US", in_region="CO"))
    assert {number[2:5] for number in in_colorado} == {"303", "720"}
    near = sandbox.search(count=101, exclude=set(), query=NumberSearch("local", "US", near_number="+13035550199"))
    assert near[0].startswith("+1303") and near[-1].startswith("+1720")
    toll_free = sandbox.search(count=1, exclude=set(), query=NumberSearch("toll_free", "US"))
    assert toll_free == ["+18005550100"]


def test_the_sandbox_answers_a_plain_local_search_from_all_its_area_codes():
    found = SandboxProvider().search(count=1000, exclude=set(), query=NumberSearch("local", "US"))
    assert len(set(found)) == 1000
    assert len({number[2:5] for number in found}) == 10
