"""Numbers from the right area code: a pool's number request decides what is bought, and says why (issue 22)."""

from urllib.parse import parse_qs

import pytest
import responses
from responses import matchers

from core.error_codes import CANNOT_BUY_NUMBERS, INVALID
from core.errors import DomainError
from pools.models import PoolChange
from pools.services import pool_create, pool_update, trackers_provision
from tests.factories import PoolFactory
from trackers.models import CallTracker, TrackerStatusChange

DENVER = "+17205550100"


def _area_codes(trackers):
    return sorted({t.tracking_number[2:5] for t in trackers})


def _reasons(pool):
    return set(TrackerStatusChange.objects.filter(tracker__pool=pool).values_list("reason", flat=True))


def test_a_denver_business_gets_denver_numbers(db):
    pool = PoolFactory(original_number=DENVER)

    trackers = trackers_provision(pool=pool, count=2)

    assert _area_codes(trackers) == ["720"]
    assert _reasons(pool) == {"provisioned from sandbox: area code 720"}


def test_when_the_area_code_runs_out_the_rest_comes_from_the_same_state_and_says_so(db):
    pool = PoolFactory(original_number=DENVER)

    trackers = trackers_provision(pool=pool, count=120)

    assert _area_codes(trackers) == ["303", "720"]
    assert _reasons(pool) == {"provisioned from sandbox: area code 720", "provisioned from sandbox: region CO (US)"}


def test_a_chosen_area_code_is_bought_whatever_the_original(db):
    pool = PoolFactory(original_number=DENVER, number_request={"type": "area_code", "area_code": "212", "country": "US"})

    assert _area_codes(trackers_provision(pool=pool, count=3)) == ["212"]


def test_toll_free_numbers_when_the_pool_asks_for_them(db):
    pool = PoolFactory(original_number=DENVER, number_request={"type": "toll_free", "country": "US"})

    trackers = trackers_provision(pool=pool, count=2)

    assert _area_codes(trackers) == ["800"]
    assert trackers[0].bought_because == "toll-free numbers (US)"


def test_a_national_business_gets_numbers_from_many_area_codes_in_two_batches(db):
    # The demo "Main line" (DC, whose area code the sandbox has 100 numbers in) asks for any area code, so the
    # load measure's 2 × 500 provisions succeed (here 2 × 60: past DC's block of 100 either way).
    pool = PoolFactory(original_number="+12025550100", number_request={"type": "any_area_code", "country": "US"})

    trackers = trackers_provision(pool=pool, count=60) + trackers_provision(pool=pool, count=60)

    numbers = {t.tracking_number for t in trackers}
    assert len(numbers) == 120 and "+12025550100" not in numbers  # the business's own line is never bought
    assert len(_area_codes(trackers)) == 2
    assert _reasons(pool) == {"provisioned from sandbox: local numbers anywhere in US"}


def test_an_area_code_the_provider_has_none_in_fails_clearly_and_buys_nothing_elsewhere(db):
    pool = PoolFactory(original_number=DENVER, number_request={"type": "area_code", "area_code": "307", "country": "US"})

    with pytest.raises(DomainError) as caught:
        trackers_provision(pool=pool, count=2)

    assert caught.value.code == CANNOT_BUY_NUMBERS
    assert "Searched: area code 307 (0 found)." in caught.value.message
    assert "Nothing was bought" in caught.value.message
    assert not CallTracker.objects.exists()


def test_a_local_pool_in_a_state_without_numbers_names_every_search_it_tried(db):
    pool = PoolFactory(original_number="+13075550100")  # Wyoming: no sandbox block

    with pytest.raises(DomainError) as caught:
        trackers_provision(pool=pool, count=1)

    assert caught.value.code == CANNOT_BUY_NUMBERS
    assert ("area code 307 (0 found); region WY (US) (0 found); near (307) 555-0100 (0 found)"
            in caught.value.message)
    assert not CallTracker.objects.exists()


def test_too_few_numbers_in_the_whole_request_buys_none_of_them(db):
    pool = PoolFactory(original_number="+12025550100")  # Washington D.C.: one sandbox area code, 100 numbers

    with pytest.raises(DomainError, match="has 99 of the 150 numbers"):
        trackers_provision(pool=pool, count=150)
    assert not CallTracker.objects.exists()


def test_creating_a_pool_stores_the_default_request(account, website):
    pool = pool_create(account=account, website=website, name="Denver", original_number="(720) 555-0100")

    assert pool.number_request == {"type": "local", "country": "US"}


def test_a_bad_request_is_refused_with_the_field(account, website):
    with pytest.raises(DomainError) as caught:
        pool_create(account=account, website=website, name="Denver", original_number=DENVER,
                    number_request={"type": "area_code", "area_code": "7"})

    assert caught.value.code == INVALID
    assert caught.value.fields == {"number_request": ["area_code: Give a three-digit area code, e.g. 720."]}


def test_changing_the_request_is_recorded_in_the_pools_history(db):
    pool = PoolFactory(original_number=DENVER)

    pool_update(pool=pool, number_request={"type": "area_code", "area_code": "303"})

    pool.refresh_from_db()
    assert pool.number_request == {"type": "area_code", "country": "US", "area_code": "303"}
    assert "number_request" in PoolChange.objects.get(pool=pool).changes


@responses.activate
def test_through_twilio_the_pool_buys_what_the_region_search_found(db, settings, account):
    settings.TELEPHONY_DEFAULT_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "1" * 32, "token"
    api = f"https://api.twilio.com/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}"
    page = {"uri": "/x.json", "next_page_uri": None, "page": 0, "page_size": 11}
    responses.get(f"{api}/AvailablePhoneNumbers/US/Local.json", json={**page, "available_phone_numbers": []},
                  match=[matchers.query_param_matcher({"AreaCode": "720"}, strict_match=False)])
    responses.get(f"{api}/AvailablePhoneNumbers/US/Local.json",
                  json={**page, "available_phone_numbers": [{"phone_number": "+13035550142"}]},
                  match=[matchers.query_param_matcher({"InRegion": "CO"}, strict_match=False)])
    responses.post(f"{api}/IncomingPhoneNumbers.json", json={"sid": "PN1", "phone_number": "+13035550142"})
    pool = PoolFactory(account=account, original_number=DENVER)

    [tracker] = trackers_provision(pool=pool, count=1)

    assert (tracker.tracking_number, tracker.provider_number_id) == ("+13035550142", "PN1")
    assert _reasons(pool) == {"provisioned from twilio: region CO (US)"}
    assert parse_qs(responses.calls[-1].request.body)["PhoneNumber"] == ["+13035550142"]
