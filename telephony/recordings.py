"""Call recordings: which recording URLs callpool accepts, and streaming one to a logged-in user.

The browser never gets provider credentials: callpool fetches the recording with the account's provider
credentials (Twilio, SignalWire, Telnyx) and streams the bytes through. Sandbox calls have no provider, so their
recordings are a short generated tone — enough for the demo's player.

Players seek (and Safari/iOS plays at all) with `Range` requests: one byte range is passed on to the provider,
and answered 206 with `Content-Range`; a provider that ignores it has the range cut out of its full answer.
"""

import io
import math
import re
import struct
import wave
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import requests

from telephony.credentials import signalwire_credentials, telnyx_credentials, twilio_credentials
from telephony.models import TelephonySettings
from telephony.providers.base import ProviderError, json_object

SANDBOX_PREFIX = "sandbox:recordings/"
# Twilio's recording resources, nothing else: the URL comes from a (signed) callback, but is still fetched
# with credentials, so it must never point anywhere else (SSRF).
TWILIO_RECORDING = re.compile(r"^https://api\.twilio\.com/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Recordings/(RE[0-9a-fA-F]{32})$")
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# SignalWire's RecordingUrl: the Space's Compatibility API, project and recording ids are UUIDs.
SIGNALWIRE_RECORDING = re.compile(
    rf"^https://([a-z0-9][a-z0-9-]*\.signalwire\.com)/api/laml/2010-04-01/Accounts/({UUID})/Recordings/({UUID})$")
# Telnyx's RecordingUrl expires 10 minutes after the call: we keep a reference to the TeXML recording resource and
# ask Telnyx for a fresh media_url when someone plays it.
TELNYX_PREFIX = "telnyx:recordings/"
TELNYX_RECORDING = re.compile(rf"^telnyx:recordings/({UUID})/({UUID})$")
TELNYX_RECORDING_API = "https://api.telnyx.com/v2/texml/Accounts/{account_sid}/Recordings/{recording_sid}.json"
# The Call Recordings API: the same recording with pre-signed `download_urls` {"mp3", "wav"}.
TELNYX_RECORDINGS_API = "https://api.telnyx.com/v2/recordings/{recording_id}"
CHUNK_BYTES = 64 * 1024
FETCH_TIMEOUT = (5, 30)
# One range: "bytes=0-", "bytes=100-199", "bytes=-500" (the last 500). Several ranges are answered in full.
BYTE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def sandbox_recording_url(recording_sid: str) -> str:
    return SANDBOX_PREFIX + recording_sid


def telnyx_recording_ref(*, account_sid: str, recording_sid: str) -> str:
    return f"{TELNYX_PREFIX}{account_sid}/{recording_sid}"


def recording_url_is_allowed(url: str) -> bool:
    return bool(url) and (url.startswith(SANDBOX_PREFIX) or any(
        pattern.match(url) is not None for pattern in (TWILIO_RECORDING, SIGNALWIRE_RECORDING, TELNYX_RECORDING)))


@lru_cache(maxsize=1)
def sandbox_recording_wav(seconds: int = 3) -> bytes:
    """A short two-tone WAV (8 kHz, 16-bit mono): what a sandbox call "recorded"."""
    rate = 8000
    frames = bytearray()
    for n in range(rate * seconds):
        tone = 440 if (n // (rate // 2)) % 2 == 0 else 660
        fade = min(1.0, n / 400, (rate * seconds - n) / 400)
        frames += struct.pack("<h", int(8000 * fade * math.sin(2 * math.pi * tone * n / rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return out.getvalue()


def parse_byte_range(header: str) -> tuple[int | None, int | None] | None:
    """(first, last) of a single `Range: bytes=` header; (None, n) is the last n bytes. None: no usable range
    (absent, malformed or several ranges), which RFC 9110 answers with the whole body."""
    match = BYTE_RANGE.match((header or "").strip().replace(" ", ""))
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first = int(match.group(1)) if match.group(1) else None
    last = int(match.group(2)) if match.group(2) else None
    if first is not None and last is not None and last < first:
        return None
    return first, last


def resolve_byte_range(wanted: tuple[int | None, int | None], total: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte positions of `wanted` in a body of `total` bytes; None if unsatisfiable."""
    first, last = wanted
    if first is None:  # a suffix: the last `last` bytes
        if not last or total == 0:
            return None
        return max(total - last, 0), total - 1
    if first >= total:
        return None
    return first, total - 1 if last is None else min(last, total - 1)


def _cut(chunks: Iterable[bytes], first: int, count: int) -> Iterator[bytes]:
    """Bytes [first, first + count) of a chunked body."""
    position = 0
    for chunk in chunks:
        start, end = max(first - position, 0), min(first + count - position, len(chunk))
        position += len(chunk)
        if start < end:
            yield chunk[start:end]
        if position >= first + count:
            return


@dataclass(frozen=True)
class RecordingStream:
    """What to answer: 200 (whole), 206 (`content_range` says which bytes) or 416 (`content_range` "bytes */N")."""

    chunks: Iterable[bytes]
    content_type: str
    length: int | None
    status: int = 200
    content_range: str | None = None
    close: Callable[[], None] = lambda: None


def _ranged(chunks: Iterable[bytes], content_type: str, total: int | None, wanted, close=lambda: None) -> RecordingStream:
    """The whole body, or the part `wanted` of it when its size is known."""
    if wanted is None or total is None:
        return RecordingStream(chunks, content_type, total, close=close)
    span = resolve_byte_range(wanted, total)
    if span is None:
        close()
        return RecordingStream([], content_type, 0, status=416, content_range=f"bytes */{total}")
    first, last = span
    return RecordingStream(_cut(chunks, first, last - first + 1), content_type, last - first + 1, status=206,
                           content_range=f"bytes {first}-{last}/{total}", close=close)


def _twilio_auth(telephony_settings, url: str) -> tuple[str, str]:
    """(account sid, auth token) when `url` is a Twilio recording the account's credentials may read."""
    match = TWILIO_RECORDING.match(url or "")
    if match is None:
        raise ProviderError("This recording's URL is not a Twilio recording.")
    credentials = twilio_credentials(telephony_settings)
    if not credentials.is_complete or credentials.account_sid != match.group(1):
        raise ProviderError("This account's Twilio credentials cannot read this recording.")
    return credentials.account_sid, credentials.auth_token


def _signalwire_auth(telephony_settings, url: str) -> tuple[str, str]:
    """(project id, API token) when `url` is a recording of the account's own Space and project."""
    match = SIGNALWIRE_RECORDING.match(url or "")
    assert match is not None
    credentials = signalwire_credentials(telephony_settings)
    if not credentials.is_complete or (match.group(1), match.group(2).lower()) != (
            credentials.space_url, credentials.project_id.lower()):
        raise ProviderError("This account's SignalWire credentials cannot read this recording.")
    return credentials.project_id, credentials.api_token


def _telnyx_api_json(telephony_settings, api_url: str) -> tuple[int, dict]:
    """GET a Telnyx API resource with the account's API key: (HTTP status, JSON body or {})."""
    credentials = telnyx_credentials(telephony_settings)
    if not credentials.api_key:
        raise ProviderError("This account has no Telnyx API key to read this recording.")
    try:
        answer = requests.get(api_url, headers={"Authorization": f"Bearer {credentials.api_key}",
                                                "Accept": "application/json"}, timeout=FETCH_TIMEOUT)
        body = answer.json() if answer.status_code == 200 else {}
    except (requests.RequestException, ValueError) as exc:
        raise ProviderError(f"Telnyx did not answer: {exc.__class__.__name__}") from exc
    return answer.status_code, json_object(body)


def _presigned(url, *, what: str, status: int) -> str:
    """A provider's pre-signed media link, refused unless it is https (it is fetched with no credentials)."""
    if not url or not str(url).startswith("https://"):
        raise ProviderError(f"Telnyx has no {what} for this recording (HTTP {status}).")
    return str(url)


def telnyx_wav_url(telephony_settings, url: str) -> str:
    """A fresh pre-signed WAV link for a Telnyx recording reference: the Call Recordings API
    (GET /v2/recordings/{id}) answers `data.download_urls.wav`, valid for a few minutes."""
    match = TELNYX_RECORDING.match(url)
    assert match is not None
    status, body = _telnyx_api_json(telephony_settings, TELNYX_RECORDINGS_API.format(recording_id=match.group(2)))
    urls = json_object(json_object(body.get("data")).get("download_urls"))
    return _presigned(urls.get("wav"), what="WAV file", status=status)


def recording_wav(*, account, url: str, max_bytes: int = 64 * 1024 * 1024) -> bytes:
    """The whole recording as WAV (16-bit PCM; a dual-channel recording keeps its two channels), for speech
    recognition in the worker. Same URL rules and credentials as `recording_stream`:
    - Twilio: the recording resource + `.wav`, HTTP Basic (account SID, auth token);
    - SignalWire: the Space's Compatibility API recording + `.wav` (its documented WAV file), HTTP Basic
      (project id, API token);
    - Telnyx: the pre-signed `download_urls.wav` the Call Recordings API gives for the recording, fetched
      without credentials.
    ProviderError when it can't be had or is larger than `max_bytes`."""
    if url.startswith(SANDBOX_PREFIX):
        return sandbox_recording_wav()
    telephony_settings = TelephonySettings.objects.filter(account=account).first()
    if SIGNALWIRE_RECORDING.match(url or ""):
        return _download(url + ".wav", auth=_signalwire_auth(telephony_settings, url), label="SignalWire",
                         max_bytes=max_bytes)
    if TELNYX_RECORDING.match(url or ""):
        return _download(telnyx_wav_url(telephony_settings, url), auth=None, label="Telnyx", max_bytes=max_bytes)
    return _download(url + ".wav", auth=_twilio_auth(telephony_settings, url), label="Twilio", max_bytes=max_bytes)


def _download(url: str, *, auth, label: str, max_bytes: int) -> bytes:
    try:
        response = requests.get(url, auth=auth, stream=True, timeout=FETCH_TIMEOUT)
    except requests.RequestException as exc:
        raise ProviderError(f"{label} did not answer: {exc.__class__.__name__}") from exc
    with response:
        if response.status_code != 200:
            raise ProviderError(f"{label} answered {response.status_code} for the recording.")
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                body += chunk
                if len(body) > max_bytes:
                    raise ProviderError(f"The recording is larger than {max_bytes // (1024 * 1024)} MB.")
        except requests.RequestException as exc:
            raise ProviderError(f"The recording's download broke off: {exc.__class__.__name__}") from exc
    return bytes(body)


def recording_stream(*, account, url: str, range_header: str = "") -> RecordingStream:
    """The recording's bytes (those `range_header` asks for), fetched with `account`'s credentials.

    Raises ProviderError when it can't be had. Nothing is read until `chunks` is; `close()` lets go unread.
    """
    wanted = parse_byte_range(range_header)
    if url.startswith(SANDBOX_PREFIX):
        body = sandbox_recording_wav()
        return _ranged([body], "audio/wav", len(body), wanted)
    telephony_settings = TelephonySettings.objects.filter(account=account).first()
    if SIGNALWIRE_RECORDING.match(url or ""):
        return _signalwire_stream(telephony_settings, url, range_header, wanted)
    if TELNYX_RECORDING.match(url or ""):
        return _telnyx_stream(telephony_settings, url, range_header, wanted)
    return _http_stream(url + ".mp3", auth=_twilio_auth(telephony_settings, url), range_header=range_header,
                        wanted=wanted, label="Twilio", content_type="audio/mpeg")


def _signalwire_stream(telephony_settings, url: str, range_header: str, wanted) -> RecordingStream:
    return _http_stream(url + ".mp3", auth=_signalwire_auth(telephony_settings, url), range_header=range_header,
                        wanted=wanted, label="SignalWire", content_type="audio/mpeg")


def _telnyx_stream(telephony_settings, url: str, range_header: str, wanted) -> RecordingStream:
    match = TELNYX_RECORDING.match(url)
    assert match is not None
    api_url = TELNYX_RECORDING_API.format(account_sid=match.group(1), recording_sid=match.group(2))
    status, body = _telnyx_api_json(telephony_settings, api_url)
    media_url = _presigned(body.get("media_url"), what="media", status=status)
    # A pre-signed link: no credentials go with it.
    return _http_stream(media_url, auth=None, range_header=range_header, wanted=wanted, label="Telnyx",
                        content_type="audio/mpeg")


def _http_stream(url: str, *, auth, range_header: str, wanted, label: str, content_type: str) -> RecordingStream:
    headers = {"Range": range_header.strip()} if wanted is not None else {}
    try:
        response = requests.get(url, auth=auth, headers=headers, stream=True, timeout=FETCH_TIMEOUT)
    except requests.RequestException as exc:
        raise ProviderError(f"{label} did not answer: {exc.__class__.__name__}") from exc
    header_length = response.headers.get("Content-Length")
    length = int(header_length) if header_length and header_length.isdigit() else None
    if response.status_code in (206, 416) and wanted is not None:
        # The provider cut the range itself: pass its answer on.
        chunks = response.iter_content(CHUNK_BYTES) if response.status_code == 206 else []
        if response.status_code == 416:
            response.close()
        return RecordingStream(chunks, content_type, length if response.status_code == 206 else 0,
                               status=response.status_code, content_range=response.headers.get("Content-Range"),
                               close=response.close)
    if response.status_code != 200:
        response.close()
        raise ProviderError(f"{label} answered {response.status_code} for the recording.")
    return _ranged(response.iter_content(CHUNK_BYTES), content_type, length, wanted, close=response.close)


def telnyx_recording_callback_params(params) -> dict:
    """A TeXML recording callback with its short-lived `RecordingUrl` replaced by a lasting reference to the TeXML
    recording resource (`telnyx:recordings/<AccountSid>/<RecordingSid>`), which the player resolves when played."""
    cleaned = dict(params.items())
    if params.get("AccountSid") and params.get("RecordingSid"):
        cleaned["RecordingUrl"] = telnyx_recording_ref(account_sid=params["AccountSid"],
                                                       recording_sid=params["RecordingSid"])
    return cleaned
