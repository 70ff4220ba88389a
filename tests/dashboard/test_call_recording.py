"""GET /dashboard/calls/<id>/recording: the recording streamed through callpool, scoped to the account."""

import pytest
import responses
from django.urls import reverse

from calls.simulation import call_simulate
from telephony.recordings import sandbox_recording_url
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, TelephonySettingsFactory

ACCOUNT_SID = "AC" + "1" * 32
SID = "RE" + "b" * 32
TWILIO_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{SID}"


def _url(call):
    return reverse("dashboard:call_recording", args=[call.pk])


@pytest.fixture
def recorded_call(tracker):
    return CallFactory(tracker=tracker, recording_sid=SID, recording_url=sandbox_recording_url(SID), recording_duration_seconds=3)


def test_sandbox_recording_streams_a_generated_wav(marketer_client, recorded_call):
    response = marketer_client.get(_url(recorded_call))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav" and response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE" and len(body) > 40_000


def test_call_page_has_a_player_for_the_recording(marketer_client, recorded_call):
    body = marketer_client.get(reverse("dashboard:call_detail", args=[recorded_call.pk])).content.decode()
    assert f'<audio class="recording" controls preload="none" src="{_url(recorded_call)}">' in body


@responses.activate
def test_twilio_recording_is_fetched_with_the_accounts_credentials(marketer_client, account, tracker, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, "secret-token"
    call = CallFactory(tracker=tracker, recording_sid=SID, recording_url=TWILIO_URL)
    responses.get(TWILIO_URL + ".mp3", body=b"ID3mp3bytes", content_type="audio/mpeg")
    response = marketer_client.get(_url(call))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"ID3mp3bytes"
    assert response["Content-Type"] == "audio/mpeg"
    sent = responses.calls[0].request
    assert sent.headers["Authorization"].startswith("Basic ")
    assert "secret-token" not in response.serialize_headers().decode()


@responses.activate
def test_provider_failure_is_a_clear_502(marketer_client, tracker, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, "secret-token"
    call = CallFactory(tracker=tracker, recording_sid=SID, recording_url=TWILIO_URL)
    responses.get(TWILIO_URL + ".mp3", status=404)
    response = marketer_client.get(_url(call))
    assert response.status_code == 502 and "could not be fetched" in response.content.decode()


def test_recording_of_another_twilio_account_is_refused(marketer_client, account, tracker, settings):
    TelephonySettingsFactory(account=account, provider="twilio")
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "2" * 32, "secret-token"
    call = CallFactory(tracker=tracker, recording_sid=SID, recording_url=TWILIO_URL)
    assert marketer_client.get(_url(call)).status_code == 502


def test_call_without_recording_is_404(marketer_client, tracker):
    assert marketer_client.get(_url(CallFactory(tracker=tracker))).status_code == 404


def test_another_accounts_recording_is_404(marketer_client, other_account):
    other = CallTrackerFactory(pool=PoolFactory(account=other_account), active=True)
    call = CallFactory(tracker=other, recording_sid=SID, recording_url=sandbox_recording_url(SID))
    assert marketer_client.get(_url(call)).status_code == 404


def test_anonymous_is_redirected(client, recorded_call):
    assert client.get(_url(recorded_call)).status_code == 302


def test_post_is_405(marketer_client, recorded_call):
    assert marketer_client.post(_url(recorded_call)).status_code == 405


def test_simulated_call_in_a_recording_pool_gets_a_playable_recording(marketer_client, pool):
    pool.record_calls = True
    pool.save(update_fields=["record_calls"])
    tracker = CallTrackerFactory(pool=pool, active=True)
    call = call_simulate(tracking_number=tracker.tracking_number, caller_number="+14155550123", duration_seconds=45)
    assert call.has_recording and call.recording_duration_seconds == 45
    assert marketer_client.get(_url(call)).status_code == 200


def test_calls_log_filters_by_recording(marketer_client, tracker, recorded_call):
    plain = CallFactory(tracker=tracker)
    with_rec = marketer_client.get(reverse("dashboard:call_list") + "?recording=yes").context["calls"]
    without = marketer_client.get(reverse("dashboard:call_list") + "?recording=no").context["calls"]
    assert [c.pk for c in with_rec] == [recorded_call.pk] and [c.pk for c in without] == [plain.pk]


def test_a_range_request_is_answered_206_with_content_range(marketer_client, recorded_call):
    whole = b"".join(marketer_client.get(_url(recorded_call)).streaming_content)
    response = marketer_client.get(_url(recorded_call), HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert response["Accept-Ranges"] == "bytes" and response["Content-Length"] == "100"
    assert b"".join(response.streaming_content) == whole[100:200]


@pytest.mark.parametrize("header, first, last", [("bytes=0-", 0, None), ("bytes=-500", -500, None),
                                                 ("bytes=40000-99999999", 40000, None)])
def test_open_and_suffix_ranges(marketer_client, recorded_call, header, first, last):
    whole = b"".join(marketer_client.get(_url(recorded_call)).streaming_content)
    response = marketer_client.get(_url(recorded_call), HTTP_RANGE=header)
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == whole[first:last]


def test_a_range_past_the_end_is_416(marketer_client, recorded_call):
    whole = b"".join(marketer_client.get(_url(recorded_call)).streaming_content)
    response = marketer_client.get(_url(recorded_call), HTTP_RANGE=f"bytes={len(whole)}-")
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{len(whole)}"


@pytest.mark.parametrize("header", ["bytes=5-1", "items=0-1", "bytes=0-1,5-6", "bytes=-"])
def test_an_unusable_range_gets_the_whole_recording(marketer_client, recorded_call, header):
    response = marketer_client.get(_url(recorded_call), HTTP_RANGE=header)
    assert response.status_code == 200 and response["Accept-Ranges"] == "bytes"


def test_head_answers_the_headers(marketer_client, recorded_call):
    whole = b"".join(marketer_client.get(_url(recorded_call)).streaming_content)
    response = marketer_client.head(_url(recorded_call))
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(whole)) and response["Accept-Ranges"] == "bytes"
    assert b"".join(response.streaming_content) == b""


@responses.activate
def test_the_range_is_passed_on_to_twilio_and_its_206_passed_back(marketer_client, tracker, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, "secret-token"
    call = CallFactory(tracker=tracker, recording_sid=SID, recording_url=TWILIO_URL)
    responses.get(TWILIO_URL + ".mp3", body=b"3byt", status=206, content_type="audio/mpeg",
                  headers={"Content-Range": "bytes 3-6/11"})
    response = marketer_client.get(_url(call), HTTP_RANGE="bytes=3-6")
    assert responses.calls[0].request.headers["Range"] == "bytes=3-6"
    assert response.status_code == 206 and response["Content-Range"] == "bytes 3-6/11"
    assert b"".join(response.streaming_content) == b"3byt"


@responses.activate
def test_a_provider_ignoring_the_range_has_it_cut_out_of_the_whole(marketer_client, tracker, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, "secret-token"
    call = CallFactory(tracker=tracker, recording_sid=SID, recording_url=TWILIO_URL)
    responses.get(TWILIO_URL + ".mp3", body=b"ID3mp3bytes", content_type="audio/mpeg", headers={"Content-Length": "11"})
    response = marketer_client.get(_url(call), HTTP_RANGE="bytes=3-5")
    assert response.status_code == 206 and response["Content-Range"] == "bytes 3-5/11"
    assert b"".join(response.streaming_content) == b"mp3"


@responses.activate
def test_head_of_a_twilio_recording(marketer_client, tracker, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, "secret-token"
    call = CallFactory(tracker=tracker, recording_sid=SID, recording_url=TWILIO_URL)
    responses.get(TWILIO_URL + ".mp3", body=b"ID3mp3bytes", content_type="audio/mpeg", headers={"Content-Length": "11"})
    response = marketer_client.head(_url(call))
    assert response.status_code == 200 and response["Content-Length"] == "11"
    assert b"".join(response.streaming_content) == b""
