"""Speech recognition on this machine: PocketSphinx 5 with the en-US model its wheel ships (nothing downloaded).

Telephone audio (8 kHz) is doubled to the 16 kHz the model was trained on; each channel of a dual-channel
recording (Twilio's `record-from-answer-dual`: the caller, then the business) is one speaker. PocketSphinx's voice
activity detector (`Segmenter`) cuts a channel into utterances; each is decoded on its own, so a transcript has
segments with speaker and time. `spot_phrases` runs PocketSphinx's keyword-spotting search for given phrases — it
finds a phrase the general language model misheard more often than a text search of the transcript does.

The decoder is loaded once per worker process (about a second) and is not thread-safe: the django-q2 worker runs
tasks in processes.
"""

import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache

from transcripts.audio import RECOGNIZER_RATE, TELEPHONE_RATE, Audio, resample, upsample_double

FRAMES_PER_SECOND = 100  # PocketSphinx's default frame rate
NOT_WORDS = re.compile(r"^(<s>|</s>|<sil>|\[.*\]|\+.*\+)$")
ALTERNATE = re.compile(r"\(\d+\)$")
SPEAKERS_DUAL = ("caller", "business")
# Keyword-spotting thresholds by phrase length in words: shorter phrases need a stricter threshold or they
# fire on every similar sound (PocketSphinx's documented starting points; the bench measures the result).
KWS_THRESHOLDS = {1: 1e-25, 2: 1e-30, 3: 1e-35}


@dataclass(frozen=True)
class Segment:
    speaker: str
    start: float
    end: float
    text: str

    def as_dict(self) -> dict:
        return {"speaker": self.speaker, "start": round(self.start, 2), "end": round(self.end, 2), "text": self.text}


@dataclass
class Recognition:
    text: str
    segments: list[Segment] = field(default_factory=list)
    audio_seconds: float = 0.0


@lru_cache(maxsize=1)
def _decoder():
    from pocketsphinx import Decoder

    return Decoder(samprate=RECOGNIZER_RATE, loglevel="FATAL")


def recognizer_pcm(samples, rate: int):
    """Mono samples at any rate → 16 kHz for the model (8 kHz, the usual case, by the fast exact doubling)."""
    if rate == TELEPHONE_RATE:
        return upsample_double(samples)
    return resample(samples, rate, RECOGNIZER_RATE)


def _words(decoder) -> list[str]:
    words = []
    for seg in decoder.seg():
        word = ALTERNATE.sub("", seg.word)
        if word and not NOT_WORDS.match(word):
            words.append(word)
    return words


def _utterances(pcm) -> list[tuple[float, float, bytes]]:
    from pocketsphinx import Segmenter

    segmenter = Segmenter(sample_rate=RECOGNIZER_RATE)
    return [(seg.start_time, seg.end_time, seg.pcm) for seg in segmenter.segment(io.BytesIO(pcm.tobytes()))]


def recognize_channel(pcm, speaker: str) -> list[Segment]:
    """One speaker's 16 kHz samples → their utterances as segments (empty ones left out)."""
    decoder = _decoder()
    segments = []
    for start, end, chunk in _utterances(pcm):
        decoder.start_utt()
        decoder.process_raw(chunk, full_utt=True)
        decoder.end_utt()
        words = _words(decoder)
        if words:
            segments.append(Segment(speaker, start, end, " ".join(words)))
    return segments


def recognize(audio: Audio) -> Recognition:
    """A recording → its transcript. Two channels are two speakers (caller, business); one is "speaker"."""
    speakers = SPEAKERS_DUAL if len(audio.channels) == 2 else ("speaker",) * len(audio.channels)
    segments: list[Segment] = []
    for samples, speaker in zip(audio.channels, speakers, strict=False):
        segments += recognize_channel(recognizer_pcm(samples, audio.rate), speaker)
    segments.sort(key=lambda s: (s.start, s.speaker))
    return Recognition(" ".join(s.text for s in segments), segments, audio.seconds)


def known_words(phrase: str) -> bool:
    """Whether every word of `phrase` is in the model's dictionary (only those can be spotted)."""
    decoder = _decoder()
    words = phrase.lower().split()
    return bool(words) and all(decoder.lookup_word(word) is not None for word in words)


def spot_phrases(audio: Audio, phrases: list[str]) -> list[dict]:
    """Keyword spotting: [{"phrase", "speaker", "start"}] for each time a phrase was heard. Phrases with words
    the dictionary lacks are skipped (a text search of the transcript still covers them)."""
    wanted = sorted({" ".join(p.lower().split()) for p in phrases if known_words(p)})
    if not wanted:
        return []
    decoder = _decoder()
    with tempfile.NamedTemporaryFile("w", suffix=".kws", delete=False) as listing:
        for phrase in wanted:
            threshold = KWS_THRESHOLDS.get(len(phrase.split()), 1e-40)
            listing.write(f"{phrase} /{threshold:.0e}/\n")
    try:
        decoder.add_kws("spot", listing.name)
    finally:
        os.unlink(listing.name)
    speakers = SPEAKERS_DUAL if len(audio.channels) == 2 else ("speaker",) * len(audio.channels)
    found = []
    try:
        decoder.activate_search("spot")
        for samples, speaker in zip(audio.channels, speakers, strict=False):
            pcm = recognizer_pcm(samples, audio.rate)
            decoder.start_utt()
            decoder.process_raw(pcm.tobytes(), full_utt=True)
            decoder.end_utt()
            for seg in decoder.seg() or ():
                found.append({"phrase": seg.word.strip(), "speaker": speaker,
                              "start": round(seg.start_frame / FRAMES_PER_SECOND, 2)})
    finally:
        decoder.activate_search("_default")
    found.sort(key=lambda f: f["start"])
    return found
