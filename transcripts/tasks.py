"""The worker's side: transcribe a recording with the local backend (PocketSphinx, transcripts.engine)."""

import logging
import time

from telephony.providers.base import ProviderError
from telephony.recordings import recording_wav
from transcripts.audio import read_wav
from transcripts.models import Transcript
from transcripts.selectors import transcription_settings_get
from transcripts.services import transcript_claim, transcript_fail, transcript_store

logger = logging.getLogger(__name__)

# Longer recordings are not transcribed locally (about 20 s of CPU per minute of two-channel audio here).
MAX_AUDIO_SECONDS = 30 * 60


def transcribe(transcript_id: int) -> str:
    transcript = Transcript.objects.select_related("account").filter(
        pk=transcript_id, status=Transcript.Status.PENDING).first()
    if transcript is None or not transcript_claim(transcript_id=transcript_id):
        return "nothing to do"
    from transcripts import engine  # loads PocketSphinx only in the worker that transcribes

    started = time.process_time()
    try:
        audio = read_wav(recording_wav(account=transcript.account, url=transcript.recording_url))
        if audio.seconds > MAX_AUDIO_SECONDS:
            raise ValueError(f"The recording is longer than {MAX_AUDIO_SECONDS // 60} minutes.")
        recognition = engine.recognize(audio)
        phrases = transcription_settings_get(account=transcript.account).key_phrases or []
        spotted = engine.spot_phrases(audio, phrases) if phrases else []
    except (ProviderError, ValueError) as exc:
        logger.warning("Transcript %s failed: %s", transcript_id, exc)
        transcript_fail(transcript_id=transcript_id, error=str(exc))
        return "failed"
    transcript_store(transcript_id=transcript_id, text=recognition.text,
                     segments=[s.as_dict() for s in recognition.segments], spotted=spotted,
                     audio_seconds=round(audio.seconds, 2), cpu_seconds=round(time.process_time() - started, 2))
    return "ready"
