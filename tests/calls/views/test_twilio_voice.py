import xml.etree.ElementTree as ET
from unittest import mock

import pytest
from django.db import DatabaseError

from calls import services
from calls.models import Call
from telephony.models import Provider
from tests.calls.payloads import voice_payload
from tests.factories import CallTrackerFactory, TelephonySettingsFactory

URL = "/telephony/twilio/voice"
pytestmark = pytest.mark.django_db


def dial_of(response):
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root.find("Dial")


def test_signed_call_to_a_tracker_dials_the_original_with_status_callbacks_on_number(twilio_post, active_tracker):
    response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    dial = dial_of(response)
    assert dial.get("callerId") == "+14158675309"
    assert dial.get("statusCallback") is None  # callbacks belong on <Number>
    number = dial.find("Number")
    assert number.text == "+12025550150"
    assert number.get("statusCallback") == "http://testserver/telephony/twilio/status"
    assert number.get("statusCallbackEvent") == "initiated ringing answered completed"


def test_voice_webhook_creates_the_call_keyed_by_call_sid(twilio_post, active_tracker):
    twilio_post(URL, voice_payload(to=active_tracker.tracking_number, call_sid="CA" + "1" * 32))

    call = Call.objects.get(provider_call_id="CA" + "1" * 32)
    assert call.tracker == active_tracker
    assert call.account == active_tracker.pool.account
    assert call.caller_number == "+14158675309"
    assert call.original_number == "+12025550150"
    assert call.status == Call.Status.RINGING


def test_replayed_voice_webhook_records_one_call(twilio_post, active_tracker):
    payload = voice_payload(to=active_tracker.tracking_number)

    first = twilio_post(URL, payload)
    second = twilio_post(URL, payload)

    assert first.status_code == second.status_code == 200
    assert dial_of(second).find("Number").text == "+12025550150"
    assert Call.objects.count() == 1


def test_forged_signature_gets_403_and_records_nothing(twilio_post, active_tracker):
    response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number), token="not-the-token")

    assert response.status_code == 403
    assert Call.objects.count() == 0


def test_unsigned_request_gets_403(twilio_post, active_tracker):
    response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number), signature="")

    assert response.status_code == 403


def test_tampered_parameter_breaks_the_signature(client, twilio_env, active_tracker):
    from tests.calls.payloads import sign

    payload = voice_payload(to=active_tracker.tracking_number)
    signature = sign(payload, URL)
    payload["From"] = "+15555550100"

    response = client.post(URL, data=payload, HTTP_X_TWILIO_SIGNATURE=signature)

    assert response.status_code == 403


def test_get_is_not_allowed(client, twilio_env):
    assert client.get(URL).status_code == 405


def test_unknown_number_is_rejected(twilio_post, active_tracker):
    response = twilio_post(URL, voice_payload(to="+19175550199"))

    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.find("Reject") is not None
    assert root.find("Dial") is None
    assert Call.objects.count() == 0


def test_released_tracker_number_is_rejected(twilio_post, source_pool):
    from django.utils import timezone

    tracker = CallTrackerFactory(pool=source_pool, active=True, deleted_at=timezone.now())

    response = twilio_post(URL, voice_payload(to=tracker.tracking_number))

    assert ET.fromstring(response.content).find("Reject") is not None


def test_flagged_tracker_still_forwards_to_its_frozen_original(twilio_post, source_pool):
    tracker = CallTrackerFactory(pool=source_pool, flagged=True, original_number="+12025550177")

    response = twilio_post(URL, voice_payload(to=tracker.tracking_number))

    assert dial_of(response).find("Number").text == "+12025550177"
    assert Call.objects.get().tracker == tracker


def test_available_tracker_forwards_to_the_pool_original(twilio_post, source_pool):
    tracker = CallTrackerFactory(pool=source_pool, available=True)

    response = twilio_post(URL, voice_payload(to=tracker.tracking_number))

    assert dial_of(response).find("Number").text == "+12025550150"


def test_pool_that_records_calls_asks_dial_to_record(twilio_post, active_tracker):
    active_tracker.pool.record_calls = True
    active_tracker.pool.save(update_fields=["record_calls"])

    response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number))

    dial = dial_of(response)
    assert dial.get("record") == "record-from-answer-dual"
    assert dial.get("recordingStatusCallback") == "http://testserver/telephony/twilio/recording"
    assert dial.get("recordingStatusCallbackMethod") == "POST"


def test_pool_that_does_not_record_sends_no_record_attribute(twilio_post, active_tracker):
    assert dial_of(twilio_post(URL, voice_payload(to=active_tracker.tracking_number))).get("record") is None


def test_anonymous_caller_is_dialed_without_caller_id(twilio_post, active_tracker):
    response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number, caller="anonymous"))

    assert dial_of(response).get("callerId") is None
    assert Call.objects.get().caller_number == ""


def test_database_error_during_attribution_still_dials_and_keeps_the_call(twilio_post, visitor_tracker):
    with mock.patch.object(services, "_lease_facts", autospec=True, side_effect=DatabaseError("connection lost")):
        response = twilio_post(URL, voice_payload(to=visitor_tracker.tracking_number))

    assert response.status_code == 200
    assert dial_of(response).find("Number").text == "+12025550100"
    call = Call.objects.get()
    assert call.attribution_method == Call.Method.NONE


def test_database_error_while_recording_the_call_still_dials(twilio_post, active_tracker):
    with mock.patch.object(services, "_call_insert", autospec=True, side_effect=DatabaseError("disk full")):
        response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number))

    assert response.status_code == 200
    assert dial_of(response).find("Number").text == "+12025550150"
    assert Call.objects.count() == 0


def test_account_token_is_required_when_the_account_has_its_own_credentials(twilio_post, active_tracker):
    telephony = TelephonySettingsFactory(account=active_tracker.pool.account, provider=Provider.TWILIO,
                                         twilio_account_sid="AC" + "2" * 32)
    telephony.set_twilio_auth_token("account-own-token")
    telephony.save()
    payload = voice_payload(to=active_tracker.tracking_number)

    assert twilio_post(URL, payload).status_code == 403  # the environment's token no longer applies
    assert twilio_post(URL, payload, token="account-own-token").status_code == 200


def test_signature_uses_public_base_url_not_the_proxy_facing_url(client, twilio_env, active_tracker):
    from twilio.request_validator import RequestValidator

    from tests.calls.payloads import TEST_TOKEN

    twilio_env.PUBLIC_BASE_URL = "https://calls.example.com"
    payload = voice_payload(to=active_tracker.tracking_number)
    signature = RequestValidator(TEST_TOKEN).compute_signature("https://calls.example.com" + URL, payload)

    response = client.post(URL, data=payload, HTTP_X_TWILIO_SIGNATURE=signature)

    assert response.status_code == 200
    assert dial_of(response).find("Number").get("statusCallback") == "https://calls.example.com/telephony/twilio/status"


def test_voice_webhook_query_count_is_pinned(twilio_post, active_tracker, django_assert_num_queries, on_postgres):
    payload = voice_payload(to=active_tracker.tracking_number)

    # The tracker with its pool, account and telephony settings, the caller's block-list entry and history,
    # whether anyone listens to the call's events and, on PostgreSQL, the tracker's source at the call time (one
    # query); elsewhere that source in a query of its own; the insert, attributed already. Savepoints around the
    # queries after the first only because tests run inside a transaction: as production runs it, two queries on
    # PostgreSQL, three elsewhere (test_voice_hot_path.py).
    with django_assert_num_queries(4 if on_postgres else 7):
        twilio_post(URL, payload)


def test_request_without_call_sid_still_dials_but_records_nothing(twilio_post, active_tracker):
    payload = voice_payload(to=active_tracker.tracking_number)
    del payload["CallSid"]

    response = twilio_post(URL, payload)

    assert dial_of(response).find("Number").text == "+12025550150"
    assert Call.objects.count() == 0


def test_request_without_to_is_rejected(twilio_post, active_tracker):
    payload = voice_payload(to=active_tracker.tracking_number)
    del payload["To"]

    response = twilio_post(URL, payload)

    assert ET.fromstring(response.content).find("Reject") is not None
