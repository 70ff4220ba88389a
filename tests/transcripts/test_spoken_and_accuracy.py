"""The pure parts: phrase matching (core.spoken), WER and phrase scores (transcripts.accuracy), telephone audio."""

import math
from array import array

import pytest

from core.spoken import normalize_words, phrase_said, phrases_said
from transcripts.accuracy import PhraseScore, word_error_rate, word_errors
from transcripts.audio import (
    Audio,
    add_noise,
    read_wav,
    resample,
    rms,
    upsample_double,
    write_wav,
)


def test_phrases_match_whole_words_in_order_ignoring_case_and_punctuation():
    text = "Do you offer FINANCING? I need a new Water-Heater."
    assert phrase_said("financing", text=text)
    assert phrase_said("water heater", text=text)
    assert not phrase_said("heater water", text=text)
    assert not phrase_said("finance", text=text)  # whole words only (PostgreSQL's search stems; this does not)
    assert not phrase_said("cat", text="category")
    assert not phrase_said("  ", text=text)


def test_a_phrase_keyword_spotting_heard_counts_even_when_the_text_misheard_it():
    assert phrase_said("financing", text="do you all for fine and sing", heard=["Financing"])
    assert phrases_said(["price", "financing", "cancel"], text="what is the price", heard=["financing"]) == ["price", "financing"]


def test_normalize_words_keeps_apostrophes_and_digits():
    assert normalize_words("  I'm at 4572 Main St.! ") == "i'm at 4572 main st"


def test_word_error_rate_counts_substitutions_deletions_and_insertions():
    assert word_error_rate("the cat sat", "the cat sat") == 0
    assert word_error_rate("the cat sat", "the bat sat") == pytest.approx(1 / 3)
    assert word_error_rate("the cat sat", "the sat") == pytest.approx(1 / 3)
    assert word_error_rate("the cat sat", "oh the cat sat down") == pytest.approx(2 / 3)
    assert word_error_rate("", "") == 0 and word_error_rate("", "noise") == 1
    assert word_errors("a b c d", "a x c") == (2, 4)


def test_phrase_scores():
    score = PhraseScore()
    for said, found in [(True, True), (True, False), (False, True), (False, False), (True, True)]:
        score.add(said=said, found=found)
    assert (score.precision, score.recall) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert PhraseScore().precision is None


def _tone(hz: float, rate: int, seconds: float = 0.5, level: float = 8000) -> array:
    return array("h", (int(level * math.sin(2 * math.pi * hz * n / rate)) for n in range(int(rate * seconds))))


def test_resampling_keeps_speech_band_tones_and_removes_what_the_telephone_cannot_carry():
    kept = resample(_tone(1000, 22050), 22050, 8000)
    removed = resample(_tone(6000, 22050), 22050, 8000)  # above 4 kHz: would alias without the low-pass
    assert len(kept) == 4000
    assert rms(kept[200:-200]) == pytest.approx(8000 / math.sqrt(2), rel=0.05)
    assert rms(removed[200:-200]) < 300


def test_doubling_8k_to_16k_keeps_the_samples_and_interpolates_between():
    tone = _tone(500, 8000)
    doubled = upsample_double(tone)
    assert len(doubled) == 2 * len(tone) and doubled[0::2] == tone
    expected = _tone(500, 16000)
    assert max(abs(a - b) for a, b in zip(doubled[100:-100], expected[100:-100], strict=True)) < 200


def test_noise_is_added_at_the_asked_signal_to_noise_ratio():
    tone = _tone(700, 8000, seconds=2)
    noisy = add_noise(tone, snr_db=20, seed=3)
    noise = array("h", (a - b for a, b in zip(noisy, tone, strict=True)))
    assert 20 * math.log10(rms(tone) / rms(noise)) == pytest.approx(20, abs=0.5)
    assert add_noise(tone, snr_db=20, seed=3) == noisy  # seeded: the test set is the same every time


def test_wav_round_trip_keeps_both_channels_and_mulaw_is_read():
    audio = Audio(8000, [_tone(300, 8000), _tone(900, 8000)])
    again = read_wav(write_wav(audio))
    assert again.rate == 8000 and again.channels == audio.channels
    body = bytes([0xFF, 0x80, 0x00, 0x7F])  # µ-law: ~0, +max, -max, ~0
    header = (b"RIFF" + (36 + len(body)).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
              + (7).to_bytes(2, "little") + (1).to_bytes(2, "little") + (8000).to_bytes(4, "little")
              + (8000).to_bytes(4, "little") + (1).to_bytes(2, "little") + (8).to_bytes(2, "little")
              + b"data" + len(body).to_bytes(4, "little"))
    ulaw = read_wav(header + body)
    assert list(ulaw.channels[0]) == [0, 32124, -32124, 0]
    with pytest.raises(ValueError):
        read_wav(b"not a wav file at all")


def test_the_test_set_is_two_channel_telephone_audio_with_its_script():
    from transcripts import testset

    call = testset.ScriptedCall("t", [("caller", "Hello there."), ("business", "Good morning.")])
    audio = testset.render(call)
    assert audio.rate == 8000 and len(audio.channels) == 2
    half = len(audio.channels[0]) // 2
    # The caller speaks first on channel 1, the business after on channel 2; each hears only noise otherwise.
    assert rms(audio.channels[0][:half]) > 4 * rms(audio.channels[0][half:])
    assert rms(audio.channels[1][half:]) > 4 * rms(audio.channels[1][:half])
    assert call.reference == "Hello there. Good morning." and call.says("good morning") and not call.says("morning good")
