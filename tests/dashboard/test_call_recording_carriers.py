"""SignalWire and Telnyx recordings played through callpool with the account's credentials.

SignalWire: the RecordingUrl of its callback (the Space's Compatibility API) is fetched with HTTP Basic (project
id, API token). Telnyx: the callback's RecordingUrl expires after 10 minutes, so callpool stores a reference and asks
GET /v2/texml/Accounts/{account_sid}/Recordings/{recording_sid}.json (Bearer API key) for its `media_url`, a
pre-signed link fetched without credentials."""

import pytest
import responses
from django.urls import reverse

from telephony.recordings import telnyx_recording_ref
from tests.factories import (
    SIGNALWIRE_PROJECT,
    CallFactory,
    TelephonySettingsFactory,
    signalwire_settings,
)

PROJECT = SIGNALWIRE_PROJECT
REC = "35094891-3290-4142-b2c2-b2eda57534cf"
TELNYX_ACCOUNT = "cb6cfbbc-eb00-41af-a3f3-0d7b32009e4b"
SW_URL = f"https://example.signalwire.com/api/laml/2010-04-01/Accounts/{PROJECT}/Recordings/{REC}"
MEDIA = "https://s3.amazonaws.com/telephony-recorder-prod/recording.mp3?X-Amz-Signature=abc"


def _url(call):
    return reverse("dashboard:call_recording", args=[call.pk])


@pytest.fixture
def signalwire_account(account):
    return signalwire_settings(account)


@responses.activate
def test_a_signalwire_recording_is_fetched_from_the_space_with_the_project_credentials(marketer_client, tracker,
                                                                                        signalwire_account):
    call = CallFactory(tracker=tracker, recording_sid=REC, recording_url=SW_URL)
    responses.get(SW_URL + ".mp3", body=b"ID3signalwire", content_type="audio/mpeg")

    response = marketer_client.get(_url(call))

    assert response.status_code == 200 and b"".join(response.streaming_content) == b"ID3signalwire"
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert "PT-secret-token" not in response.serialize_headers().decode()


def test_a_recording_of_another_signalwire_space_is_refused(marketer_client, tracker, signalwire_account):
    other = SW_URL.replace("example.signalwire.com", "elsewhere.signalwire.com")
    call = CallFactory(tracker=tracker, recording_sid=REC, recording_url=other)

    assert marketer_client.get(_url(call)).status_code == 502


@responses.activate
def test_a_telnyx_recording_is_resolved_to_a_fresh_media_url(marketer_client, account, tracker):
    row = TelephonySettingsFactory(account=account, provider="telnyx", telnyx_public_key="A" * 43 + "=",
                                   telnyx_texml_app_id="1")
    row.set_secret("telnyx_api_key", "KEY-secret")
    row.save()
    call = CallFactory(tracker=tracker, recording_sid=REC,
                       recording_url=telnyx_recording_ref(account_sid=TELNYX_ACCOUNT, recording_sid=REC))
    responses.get(f"https://api.telnyx.com/v2/texml/Accounts/{TELNYX_ACCOUNT}/Recordings/{REC}.json",
                  json={"account_sid": TELNYX_ACCOUNT, "call_sid": "v3:abc", "channels": 2, "duration": "5",
                        "media_url": MEDIA, "sid": REC, "source": "DialVerb", "status": "completed"})
    responses.get(MEDIA, body=b"ID3telnyx", content_type="audio/mpeg")

    response = marketer_client.get(_url(call))

    assert response.status_code == 200 and b"".join(response.streaming_content) == b"ID3telnyx"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer KEY-secret"
    assert "Authorization" not in responses.calls[1].request.headers  # a pre-signed link: no key goes with it


@responses.activate
def test_a_telnyx_recording_without_media_is_a_502(marketer_client, account, tracker):
    row = TelephonySettingsFactory(account=account, provider="telnyx")
    row.set_secret("telnyx_api_key", "KEY-secret")
    row.save()
    call = CallFactory(tracker=tracker, recording_sid=REC,
                       recording_url=telnyx_recording_ref(account_sid=TELNYX_ACCOUNT, recording_sid=REC))
    responses.get(f"https://api.telnyx.com/v2/texml/Accounts/{TELNYX_ACCOUNT}/Recordings/{REC}.json", status=404,
                  json={"errors": [{"title": "Not found"}]})

    assert marketer_client.get(_url(call)).status_code == 502
