"""Telephone audio without numpy or audioop (gone in Python 3.13): read/write 16-bit PCM WAV, resample, mix noise.

Samples are `array('h')` (signed 16-bit, host order). Resampling is a windowed-sinc low-pass evaluated at the
output positions: slow-ish in pure Python (about a second per minute of 8 kHz audio), exact enough for speech.
"""

import io
import math
import random
import sys
import wave
from array import array
from dataclasses import dataclass

TELEPHONE_RATE = 8000
RECOGNIZER_RATE = 16000


@dataclass(frozen=True)
class Audio:
    rate: int
    channels: list[array]  # one array('h') per channel

    @property
    def seconds(self) -> float:
        return len(self.channels[0]) / self.rate if self.channels else 0.0


def _ulaw_table() -> list[int]:
    table = []
    for byte in range(256):
        u = ~byte & 0xFF
        sign, exponent, mantissa = u & 0x80, (u >> 4) & 0x07, u & 0x0F
        sample = (((mantissa << 3) + 0x84) << exponent) - 0x84
        table.append(-sample if sign else sample)
    return table


ULAW = _ulaw_table()


def read_wav(data: bytes) -> Audio:
    """16-bit PCM (or 8-bit µ-law, as some telephone recordings come) WAV bytes → Audio. ValueError otherwise."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            rate, width, count = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
            frames = wav.readframes(wav.getnframes())
            compressed = wav.getcomptype()
    except (wave.Error, EOFError) as exc:
        if b"WAVE" in data[:12] and data[20:22] == b"\x07\x00":  # WAVE_FORMAT_MULAW: wave refuses it
            return _read_ulaw_wav(data)
        raise ValueError(f"Not a PCM WAV file: {exc}") from exc
    if width != 2 or compressed != "NONE":
        raise ValueError(f"Only 16-bit PCM WAV is read (this one has {8 * width}-bit samples).")
    samples = array("h")
    samples.frombytes(frames[: len(frames) - len(frames) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return Audio(rate, [samples[c::count] for c in range(count)])


def _read_ulaw_wav(data: bytes) -> Audio:
    count = int.from_bytes(data[22:24], "little")
    rate = int.from_bytes(data[24:28], "little")
    position = 12
    while position + 8 <= len(data):
        chunk, size = data[position:position + 4], int.from_bytes(data[position + 4:position + 8], "little")
        if chunk == b"data":
            body = data[position + 8:position + 8 + size]
            samples = array("h", (ULAW[b] for b in body))
            return Audio(rate, [samples[c::count] for c in range(count)])
        position += 8 + size + (size & 1)
    raise ValueError("The µ-law WAV file has no data.")


def write_wav(audio: Audio) -> bytes:
    interleaved = array("h", bytes(2 * len(audio.channels[0]) * len(audio.channels)))
    for c, channel in enumerate(audio.channels):
        interleaved[c::len(audio.channels)] = channel
    if sys.byteorder == "big":
        interleaved.byteswap()
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(len(audio.channels))
        wav.setsampwidth(2)
        wav.setframerate(audio.rate)
        wav.writeframes(interleaved.tobytes())
    return out.getvalue()


def _clip(value: float) -> int:
    return -32768 if value < -32768 else 32767 if value > 32767 else int(value)


def resample(samples: array, source_rate: int, target_rate: int, taps: int = 8) -> array:
    """Band-limited resampling (Hann-windowed sinc, `taps` zero crossings each side of the input's nearer band).

    Going down, the cut-off is the target's Nyquist frequency, so 22 kHz speech becomes telephone audio
    without aliasing; going up (8 → 16 kHz for the recognizer) nothing above 4 kHz is invented.
    """
    if source_rate == target_rate or not samples:
        return array("h", samples)
    ratio = target_rate / source_rate
    cutoff = min(1.0, ratio)  # relative to the source's Nyquist
    half = int(math.ceil(taps / cutoff))
    step = 1.0 / ratio
    total = int(len(samples) * ratio)
    source = samples.tolist()
    n_source = len(source)
    out = array("h", bytes(2 * total))
    pi = math.pi
    # Precompute the kernel on a fine grid (linear interpolation between grid points).
    grid = 64
    kernel = []
    for k in range(2 * half * grid + 1):
        x = k / grid - half
        window = 0.5 + 0.5 * math.cos(pi * x / (half + 1e-9))
        sinc = 1.0 if x == 0 else math.sin(pi * cutoff * x) / (pi * cutoff * x)
        kernel.append(cutoff * sinc * window)
    for i in range(total):
        position = i * step
        center = int(position)
        frac = position - center
        acc = 0.0
        first = max(center - half + 1, 0)
        last = min(center + half, n_source - 1)
        for j in range(first, last + 1):
            k = int((j - position + half) * grid + 0.5)
            acc += source[j] * kernel[k]
        out[i] = _clip(acc)
        del frac
    return out


def upsample_double(samples: array) -> array:
    """Exactly 2× (8 → 16 kHz): the given samples stay, each new one between them is a short half-band
    interpolation — much faster than `resample` and what the recognizer needs for telephone audio."""
    src = samples.tolist()
    n = len(src)
    coefficients = (0.6098, -0.1426, 0.0414, -0.0086)  # half-band FIR, taps ±1, ±3, ±5, ±7 (scaled to sum 1)
    out = array("h", bytes(4 * n))
    out[0::2] = samples
    padded = [0] * 4 + src + [0] * 4
    mids = []
    for i in range(n):
        p = i + 4
        acc = (coefficients[0] * (padded[p] + padded[p + 1]) + coefficients[1] * (padded[p - 1] + padded[p + 2])
               + coefficients[2] * (padded[p - 2] + padded[p + 3]) + coefficients[3] * (padded[p - 3] + padded[p + 4]))
        mids.append(_clip(acc))
    out[1::2] = array("h", mids)
    return out


def rms(samples: array) -> float:
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def add_noise(samples: array, *, snr_db: float, seed: int = 0, hum_hz: float = 0.0,
              speech_only_level: bool = False) -> array:
    """Speech plus white noise (and optional mains hum) at `snr_db` below the speech's power (with
    `speech_only_level`, the power of the non-silent samples: a channel that is mostly silence still gets noise
    as loud relative to its speech)."""
    rng = random.Random(seed)
    level = rms(array("h", (s for s in samples if s))) if speech_only_level else rms(samples)
    noise_rms = level / (10 ** (snr_db / 20)) if level else 0.0
    out = array("h", bytes(2 * len(samples)))
    for i, s in enumerate(samples):
        noise = rng.gauss(0.0, noise_rms)
        if hum_hz:
            noise = 0.7 * noise + 0.3 * noise_rms * math.sqrt(2) * math.sin(2 * math.pi * hum_hz * i / TELEPHONE_RATE)
        out[i] = _clip(s + noise)
    return out


def scale_peak(samples: array, peak: float = 0.7) -> array:
    top = max((abs(s) for s in samples), default=0)
    if not top:
        return array("h", samples)
    factor = peak * 32767 / top
    return array("h", (_clip(s * factor) for s in samples))
