"""Call recordings: which recording URLs callpool accepts, and streaming one to a logged-in user.

The browser never gets provider credentials: callpool fetches the recording with the account's Twilio
credentials and streams the bytes through. Sandbox calls have no provider, so their recordings are a short
generated tone — enough for the demo's player.
"""

import io
import math
import re
import struct
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import requests

from telephony.credentials import twilio_credentials
from telephony.models import TelephonySettings
from telephony.providers.base import ProviderError

SANDBOX_PREFIX = "sandbox:recordings/"
# Twilio's recording resources, nothing else: the URL comes from a (signed) callback, but is still fetched
# with credentials, so it must never point anywhere else (SSRF).
TWILIO_RECORDING = re.compile(r"^https://api\.twilio\.com/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Recordings/(RE[0-9a-fA-F]{32})$")
CHUNK_BYTES = 64 * 1024
FETCH_TIMEOUT = (5, 30)


def sandbox_recording_url(recording_sid: str) -> str:
    return SANDBOX_PREFIX + recording_sid


def recording_url_is_allowed(url: str) -> bool:
    return bool(url) and (url.startswith(SANDBOX_PREFIX) or TWILIO_RECORDING.match(url) is not None)


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


@dataclass(frozen=True)
class RecordingStream:
    chunks: Iterable[bytes]
    content_type: str
    length: int | None


def recording_stream(*, account, url: str) -> RecordingStream:
    """The recording's bytes, fetched with `account`'s credentials. Raises ProviderError when it can't be had."""
    if url.startswith(SANDBOX_PREFIX):
        body = sandbox_recording_wav()
        return RecordingStream([body], "audio/wav", len(body))
    match = TWILIO_RECORDING.match(url or "")
    if match is None:
        raise ProviderError("This recording's URL is not a Twilio recording.")
    credentials = twilio_credentials(TelephonySettings.objects.filter(account=account).first())
    if not credentials.is_complete or credentials.account_sid != match.group(1):
        raise ProviderError("This account's Twilio credentials cannot read this recording.")
    try:
        response = requests.get(url + ".mp3", auth=(credentials.account_sid, credentials.auth_token),
                                stream=True, timeout=FETCH_TIMEOUT)
    except requests.RequestException as exc:
        raise ProviderError(f"Twilio did not answer: {exc.__class__.__name__}") from exc
    if response.status_code != 200:
        response.close()
        raise ProviderError(f"Twilio answered {response.status_code} for the recording.")
    length = response.headers.get("Content-Length")
    return RecordingStream(response.iter_content(CHUNK_BYTES), "audio/mpeg",
                           int(length) if length and length.isdigit() else None)
