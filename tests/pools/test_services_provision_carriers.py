"""Provisioning from an account on Telnyx: the pool's number request becomes Telnyx searches, bought numbers are
ordered onto the TeXML application pointed at callpool's /telephony/telnyx/ webhooks, and forward on failure to the
pool's original number (Telnyx's REST API mocked with `responses`, as in tests/telephony/test_telnyx_provider.py)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from pools.services import trackers_provision
from telephony.providers.telnyx import API
from tests.factories import PoolFactory, TelephonySettingsFactory

APP_ID = "1293384261075731499"


@pytest.fixture
def telnyx_account(account):
    row = TelephonySettingsFactory(account=account, provider="telnyx", telnyx_public_key="A" * 43 + "=",
                                   telnyx_texml_app_id=APP_ID)
    row.set_secret("telnyx_api_key", "KEY")
    row.save()
    return account


@responses.activate
def test_a_telnyx_account_buys_from_telnyx_and_points_the_numbers_at_callpool(db, settings, telnyx_account):
    settings.PUBLIC_BASE_URL = "https://cp.example"
    pool = PoolFactory(account=telnyx_account, tracking="source", original_number="+17205550100",
                       number_request={"type": "area_code", "area_code": "720", "country": "US"})
    responses.get(f"{API}/available_phone_numbers", json={"data": [{"phone_number": "+17205550111"}]})
    responses.patch(f"{API}/texml_applications/{APP_ID}", json={"data": {"id": APP_ID}})
    responses.post(f"{API}/number_orders", json={"data": {"id": "o1", "status": "pending", "phone_numbers": [
        {"id": "x", "phone_number": "+17205550111", "status": "pending"}]}})
    responses.get(f"{API}/phone_numbers", json={"data": [{"id": "42", "phone_number": "+17205550111"}]})
    responses.patch(f"{API}/phone_numbers/42/voice", json={"data": {"id": "42"}})

    [tracker] = trackers_provision(pool=pool, count=1)

    assert (tracker.tracking_number, tracker.provider, tracker.provider_number_id) == (
        "+17205550111", "telnyx", "+17205550111")
    search = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert search["filter[national_destination_code]"] == ["720"]
    application = json.loads(responses.calls[1].request.body)
    assert application["voice_url"] == "https://cp.example/telephony/telnyx/voice"
    assert application["status_callback"] == "https://cp.example/telephony/telnyx/status"
    forwarding = json.loads(responses.calls[4].request.body)["call_forwarding"]
    assert (forwarding["forwards_to"], forwarding["forwarding_type"]) == ("+17205550100", "on-failure")


@responses.activate
def test_a_number_whose_fallback_cannot_be_set_yet_is_left_for_the_fallback_sweep(db, settings, telnyx_account,
                                                                                   django_capture_on_commit_callbacks):
    pool = PoolFactory(account=telnyx_account, tracking="source", original_number="+17205550100",
                       number_request={"type": "area_code", "area_code": "720", "country": "US"})
    responses.get(f"{API}/available_phone_numbers", json={"data": [{"phone_number": "+17205550111"}]})
    responses.patch(f"{API}/texml_applications/{APP_ID}", json={"data": {"id": APP_ID}})
    responses.post(f"{API}/number_orders", json={"data": {"id": "o1", "status": "pending", "phone_numbers": [
        {"id": "x", "phone_number": "+17205550111", "status": "pending"}]}})
    # The order is still pending: Telnyx lists no such number yet.
    responses.get(f"{API}/phone_numbers", json={"data": []})

    with django_capture_on_commit_callbacks(execute=False):
        [tracker] = trackers_provision(pool=pool, count=1)

    pool.refresh_from_db()
    assert tracker.fallback_number == ""
    assert pool.fallback_pending_since is not None
