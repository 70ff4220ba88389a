"""The block list in the voice webhook: a blocked caller is rejected busy before any dial and kept as spam."""

import xml.etree.ElementTree as ET

import pytest

from calls.models import Call
from calls.simulation import call_simulate
from tests.calls.payloads import voice_payload
from tests.factories import AccountFactory, BlockedNumberFactory

URL = "/telephony/twilio/voice"
pytestmark = pytest.mark.django_db


def _children(response) -> list[ET.Element]:
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return list(root)


def test_a_blocked_caller_is_rejected_busy_and_nothing_is_dialled(twilio_post, active_tracker, account):
    BlockedNumberFactory(account=account, number="+14158675309")
    response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number, caller="+14158675309"))

    assert response.status_code == 200
    [reject] = _children(response)
    assert reject.tag == "Reject" and reject.get("reason") == "busy"
    assert b"<Dial" not in response.content


def test_a_blocked_callers_call_is_stored_as_spam(twilio_post, active_tracker, account):
    BlockedNumberFactory(account=account, number="+14158675309")
    twilio_post(URL, voice_payload(to=active_tracker.tracking_number, caller="+14158675309", call_sid="CA" + "b" * 32))

    call = Call.objects.get(provider_call_id="CA" + "b" * 32)
    assert call.spam is True and call.tracker == active_tracker


def test_a_prefix_blocks_every_number_that_starts_with_it(twilio_post, active_tracker, account):
    BlockedNumberFactory(account=account, number="+1415")
    response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number, caller="+14158675309"))
    assert [child.tag for child in _children(response)] == ["Reject"]


def test_a_caller_not_on_the_list_is_dialled_and_not_spam(twilio_post, active_tracker, account):
    BlockedNumberFactory(account=account, number="+1900")
    BlockedNumberFactory(account=account, number="+14158675300")
    response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number, caller="+14158675309",
                                              call_sid="CA" + "c" * 32))
    assert [child.tag for child in _children(response)] == ["Dial"]
    assert Call.objects.get(provider_call_id="CA" + "c" * 32).spam is False


def test_another_accounts_block_list_does_not_reject_the_call(twilio_post, active_tracker):
    BlockedNumberFactory(account=AccountFactory(), number="+14158675309")
    response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number, caller="+14158675309"))
    assert [child.tag for child in _children(response)] == ["Dial"]


def test_the_call_stores_where_the_caller_is_from(twilio_post, active_tracker):
    twilio_post(URL, voice_payload(to=active_tracker.tracking_number, caller="+14155550100", call_sid="CA" + "d" * 32))
    call = Call.objects.get(provider_call_id="CA" + "d" * 32)
    assert call.caller_location == {"city": "San Francisco", "region": "CA", "country": "US"}


def test_a_simulated_call_from_a_blocked_caller_ends_busy_and_spam(active_tracker, account):
    BlockedNumberFactory(account=account, number="+1415")
    call = call_simulate(tracking_number=active_tracker.tracking_number, caller_number="+14158675309",
                         duration_seconds=60, answered=True)
    assert (call.status, call.spam, call.answered_at, call.is_conversion) == ("busy", True, None, False)
