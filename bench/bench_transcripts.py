"""Transcript accuracy on the generated test set (transcripts.testset): word error rate, key-phrase precision and
recall, and CPU seconds per minute of audio for the local backend (PocketSphinx 5, en-US model from its wheel).

The scripted calls are spoken by espeak-ng, band-limited to 8 kHz telephone audio with noise (SNR per call) and
written with their scripts to BENCH_TRANSCRIPTS_DIR (default bench-results/transcripts/, regenerated when missing).
No database. Key phrases are found two ways: in the transcript's text (whole words) and by PocketSphinx's keyword
spotting over the audio; "either" is what the `said` filter and rules use.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.spoken import phrase_said  # noqa: E402
from transcripts import engine, testset  # noqa: E402
from transcripts.accuracy import PhraseScore, word_errors  # noqa: E402
from transcripts.audio import read_wav, write_wav  # noqa: E402

OUT = Path(os.environ.get("BENCH_TRANSCRIPTS_DIR", Path(__file__).resolve().parents[1] / "bench-results" / "transcripts"))


def test_set() -> list[tuple[testset.ScriptedCall, Path]]:
    OUT.mkdir(parents=True, exist_ok=True)
    made = []
    for seed, call in enumerate(testset.CALLS):
        wav = OUT / f"{call.name}.wav"
        if not wav.exists():
            wav.write_bytes(write_wav(testset.render(call, seed=seed)))
            (OUT / f"{call.name}.txt").write_text(
                "\n".join(f"{speaker}: {line}" for speaker, line in call.turns) + f"\n# SNR {call.snr_db} dB\n")
        made.append((call, wav))
    return made


def fmt(value: float | None) -> str:
    return "  —  " if value is None else f"{value:5.2f}"


def main() -> int:
    if not testset.espeak_available():
        print("espeak-ng is not installed (apt-get install espeak-ng): no test set to measure.")
        return 1
    started = time.monotonic()
    calls = test_set()
    print(f"test set: {len(calls)} calls in {OUT} ({time.monotonic() - started:.0f} s to load/generate)")
    engine.known_words("warm up")  # load the model outside the timings
    errors = words = 0
    audio_seconds = cpu_recognize = cpu_spot = 0.0
    scores = {"text": PhraseScore(), "spotting": PhraseScore(), "either": PhraseScore()}
    per_phrase: dict[str, PhraseScore] = {p: PhraseScore() for p in testset.KEY_PHRASES}
    rows = []
    for call, wav in calls:
        audio = read_wav(wav.read_bytes())
        t0 = time.process_time()
        recognition = engine.recognize(audio)
        t1 = time.process_time()
        spotted = {s["phrase"] for s in engine.spot_phrases(audio, testset.KEY_PHRASES)}
        t2 = time.process_time()
        cpu_recognize, cpu_spot, audio_seconds = cpu_recognize + t1 - t0, cpu_spot + t2 - t1, audio_seconds + audio.seconds
        e, n = word_errors(call.reference, recognition.text)
        errors, words = errors + e, words + n
        for phrase in testset.KEY_PHRASES:
            said = call.says(phrase)
            in_text = phrase_said(phrase, text=recognition.text)
            by_spotting = phrase in spotted
            scores["text"].add(said=said, found=in_text)
            scores["spotting"].add(said=said, found=by_spotting)
            scores["either"].add(said=said, found=in_text or by_spotting)
            per_phrase[phrase].add(said=said, found=in_text or by_spotting)
        rows.append((call.name, call.snr_db, audio.seconds, e / n, t1 - t0))
        print(f"  {call.name:24} SNR {call.snr_db:4.0f} dB  {audio.seconds:5.1f} s  WER {e / n:5.2f}  "
              f"CPU {t1 - t0:5.1f} s   heard: {recognition.text[:70]}…", flush=True)
    minutes = audio_seconds / 60
    print(f"\nword error rate (pooled): {errors / words:.2f}  ({errors} errors / {words} words, {len(calls)} calls, "
          f"{minutes:.1f} min of two-channel 8 kHz audio)")
    print(f"CPU per audio minute: recognition {cpu_recognize / minutes:.1f} s, keyword spotting {cpu_spot / minutes:.1f} s")
    print("\nkey phrases (all calls × all phrases)   precision  recall")
    for name, score in scores.items():
        print(f"  found {name:30}    {fmt(score.precision)}   {fmt(score.recall)}")
    print("\nper phrase (either way)                 precision  recall")
    for phrase, score in per_phrase.items():
        print(f"  {phrase:36}  {fmt(score.precision)}   {fmt(score.recall)}")
    summary = {"wer": round(errors / words, 3), "words": words, "audio_minutes": round(minutes, 2),
               "cpu_seconds_per_audio_minute": round(cpu_recognize / minutes, 2),
               "spotting_cpu_seconds_per_audio_minute": round(cpu_spot / minutes, 2),
               "key_phrases": {name: {"precision": s.precision, "recall": s.recall} for name, s in scores.items()},
               "calls": [{"name": r[0], "snr_db": r[1], "seconds": round(r[2], 1), "wer": round(r[3], 3)} for r in rows]}
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"BENCH transcripts.wer word error rate {errors / words:.2f}, {cpu_recognize / minutes:.1f} CPU s per audio minute "
          f"ratio=- goal=- INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
