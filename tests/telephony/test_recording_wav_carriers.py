"""SignalWire and Telnyx recordings fetched whole as WAV for local transcription (`recording_wav`), each the way the
vendor documents it (no network: `responses`):

- SignalWire, Compatibility API "Retrieve a Recording": "When a recording URI has no extension or a .wav extension,
  the request will return a binary WAV version of the recording file" — GET <RecordingUrl>.wav, HTTP Basic with the
  project id and API token (the same Space and project only: the URL comes from a callback, SSRF).
- Telnyx, Call Recordings API "Retrieve a call recording": GET /v2/recordings/{id} (Bearer API key) answers
  `data.download_urls` {"mp3", "wav"}, pre-signed links fetched with no credentials. The body below is the
  reference's example with its "<string>" links filled in.
"""

import base64

import pytest
import responses

from telephony.providers.base import ProviderError
from telephony.recordings import recording_wav, telnyx_recording_ref
from tests.factories import SIGNALWIRE_PROJECT, TelephonySettingsFactory, signalwire_settings
from transcripts import testset
from transcripts.audio import read_wav, write_wav

pytestmark = pytest.mark.django_db

PROJECT = SIGNALWIRE_PROJECT
REC = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
TELNYX_ACCOUNT = "61bf923e-5e4d-4595-a110-56190ea18a1b"
SW_URL = f"https://example.signalwire.com/api/laml/2010-04-01/Accounts/{PROJECT}/Recordings/{REC}"
TELNYX_API = f"https://api.telnyx.com/v2/recordings/{REC}"
WAV_LINK = "https://s3.amazonaws.com/telephony-recorder-prod/recording.wav?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc"
MP3_LINK = "https://s3.amazonaws.com/telephony-recorder-prod/recording.mp3?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=def"


def telnyx_recording_body(wav=WAV_LINK, mp3=MP3_LINK) -> dict:
    return {"data": {
        "call_control_id": "v3:e-31OnvjEM7Y4wvxr3TKNk8M3QyLcGZPiUIzCGtwQtOtEjY-B0urkw",
        "call_leg_id": "84a97d76-e40f-11ed-9074-02420a0daa69",
        "call_session_id": "84a97d76-e40f-11ed-9074-02420a0daa69",
        "channels": "dual", "conference_id": "84a97d76-e40f-11ed-9074-02420a0daa69",
        "created_at": "2018-02-02T22:25:27.521Z", "download_urls": {"mp3": mp3, "wav": wav},
        "duration_millis": 60000, "id": REC, "record_type": "recording",
        "recording_started_at": "2019-01-23T18:10:02.574Z", "recording_ended_at": "2019-01-23T18:10:02.574Z",
        "source": "conference", "status": "completed", "updated_at": "2018-02-02T22:25:27.521Z",
    }}


@pytest.fixture(scope="module")
def wav_bytes() -> bytes:
    """A two-channel telephone recording (caller and business), as the providers' dual recordings are."""
    return write_wav(testset.render(testset.ScriptedCall("wav", [("caller", "Hello"), ("business", "Hi there")],
                                                         snr_db=30), seed=1))


@pytest.fixture
def signalwire(account):
    return signalwire_settings(account)


@pytest.fixture
def telnyx(account):
    row = TelephonySettingsFactory(account=account, provider="telnyx", telnyx_public_key="A" * 43 + "=",
                                   telnyx_texml_app_id="1")
    row.set_secret("telnyx_api_key", "KEY-secret")
    row.save()
    return row


@responses.activate
def test_a_signalwire_recording_is_the_space_wav_with_the_project_credentials(account, signalwire, wav_bytes):
    responses.get(SW_URL + ".wav", body=wav_bytes, content_type="audio/x-wav")

    audio = recording_wav(account=account, url=SW_URL)

    assert audio == wav_bytes and len(read_wav(audio).channels) == 2
    (sent,) = responses.calls
    expected = base64.b64encode(f"{PROJECT}:PT-secret-token".encode()).decode()
    assert sent.request.headers["Authorization"] == f"Basic {expected}"


def test_a_recording_of_another_space_or_project_is_not_fetched(account, signalwire):
    with responses.RequestsMock():  # nothing may be asked for
        for url in (SW_URL.replace("example.signalwire.com", "elsewhere.signalwire.com"),
                    SW_URL.replace(PROJECT, "00000000-0000-4000-8000-000000000000")):
            with pytest.raises(ProviderError, match="SignalWire credentials cannot read"):
                recording_wav(account=account, url=url)


@responses.activate
def test_a_signalwire_error_is_a_provider_error(account, signalwire):
    responses.get(SW_URL + ".wav", status=404, json={"code": 404, "message": "Not Found"})
    with pytest.raises(ProviderError, match="SignalWire answered 404"):
        recording_wav(account=account, url=SW_URL)


@responses.activate
def test_a_telnyx_recording_is_its_presigned_wav_download_url(account, telnyx, wav_bytes):
    api = responses.get(TELNYX_API, json=telnyx_recording_body())
    media = responses.get(WAV_LINK.split("?")[0], body=wav_bytes, content_type="audio/wav")

    audio = recording_wav(account=account, url=telnyx_recording_ref(account_sid=TELNYX_ACCOUNT, recording_sid=REC))

    assert audio == wav_bytes
    assert api.calls[0].request.headers["Authorization"] == "Bearer KEY-secret"
    assert media.calls[0].request.url == WAV_LINK
    assert "Authorization" not in media.calls[0].request.headers  # a pre-signed link: the key never goes with it


@pytest.mark.parametrize("answer", [
    {"status": 404, "json": {"errors": [{"code": "10005", "title": "Resource not found"}]}},
    {"status": 200, "json": telnyx_recording_body(wav=None)},
    {"status": 200, "json": telnyx_recording_body(wav="http://insecure.example.com/recording.wav")},
    {"status": 200, "body": "not json"},
], ids=["unknown recording", "no wav link", "not https", "not json"])
@responses.activate
def test_telnyx_without_a_usable_wav_link_is_a_provider_error(account, telnyx, answer):
    responses.get(TELNYX_API, **answer)
    with pytest.raises(ProviderError):
        recording_wav(account=account, url=telnyx_recording_ref(account_sid=TELNYX_ACCOUNT, recording_sid=REC))
    assert len(responses.calls) == 1  # nothing else was fetched


def test_telnyx_without_an_api_key_asks_nothing(account):
    TelephonySettingsFactory(account=account, provider="sandbox")
    with responses.RequestsMock(), pytest.raises(ProviderError, match="no Telnyx API key"):
        recording_wav(account=account, url=telnyx_recording_ref(account_sid=TELNYX_ACCOUNT, recording_sid=REC))


@responses.activate
def test_a_recording_larger_than_the_limit_is_refused(account, signalwire):
    responses.get(SW_URL + ".wav", body=b"\0" * 3000, content_type="audio/x-wav")
    with pytest.raises(ProviderError, match="larger than"):
        recording_wav(account=account, url=SW_URL, max_bytes=1000)
