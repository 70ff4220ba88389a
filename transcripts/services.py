"""Writes for transcripts: ask for one when a recording is stored, store what a backend delivers (announcing
`call.transcript_ready` once, in the same transaction: the webhook outbox), and the account's settings."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from accounts.services import audit_record
from calls.completion import announce
from calls.models import Call
from calls.selectors import call_for_provider_id
from core.error_codes import INVALID
from core.errors import DomainError
from core.spoken import normalize_words
from transcripts.models import Backend, Transcript, TranscriptionSettings
from transcripts.selectors import transcription_backend

logger = logging.getLogger(__name__)

CALL_TRANSCRIPT_READY = "call.transcript_ready"
KEY_PHRASES_MAX = 50
TRANSCRIBE_TASK = "transcripts.tasks.transcribe"
# Recognition takes about a CPU-minute per recorded minute (docs/transcripts.md): the task gets its own time limit
# instead of the queue's 60 s (transcripts.tasks.MAX_AUDIO_SECONDS caps the audio).
TRANSCRIBE_TIMEOUT_SECONDS = 2 * 60 * 60


def transcript_request(*, call: Call, recording_sid: str, recording_url: str) -> Transcript | None:
    """A recording of `call` was stored (a call recording or a voicemail): with the `local` backend, a pending
    transcript and the worker's task to make it (after commit). Once per recording; None when the account's backend
    is not local (`twilio` transcripts arrive by their own callback)."""
    if not recording_sid or transcription_backend(account=call.account_id) != Backend.LOCAL:
        return None
    try:
        with transaction.atomic():
            transcript = Transcript.objects.create(account_id=call.account_id, call=call, recording_sid=recording_sid[:64],
                                                   recording_url=recording_url[:500], backend=Backend.LOCAL)
    except IntegrityError:
        return None  # asked already (a retried callback)
    transcript_id = transcript.pk
    transaction.on_commit(lambda: async_task(TRANSCRIBE_TASK, transcript_id, timeout=TRANSCRIBE_TIMEOUT_SECONDS))
    return transcript


def transcript_claim(*, transcript_id: int, now=None) -> bool:
    """The worker takes a pending transcript to make it: True once (a re-delivered task gets False), again only
    when the earlier claim is older than the task's time limit (its worker died)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=TRANSCRIBE_TIMEOUT_SECONDS)
    return bool(Transcript.objects.filter(pk=transcript_id, status=Transcript.Status.PENDING)
                .filter(Q(started_at__isnull=True) | Q(started_at__lt=stale)).update(started_at=now))


def _heard_field(spotted: list[dict]) -> str:
    phrases = sorted({normalize_words(s.get("phrase", "")) for s in spotted} - {""})
    return ("|" + "|".join(phrases) + "|")[:1000] if phrases else ""


def transcript_store(*, transcript_id: int, text: str, segments: list[dict], spotted: list[dict] | None = None,
                     audio_seconds: float | None = None, cpu_seconds: float | None = None, provider_sid: str = "") -> bool:
    """The backend's result: the transcript turns ready and `call.transcript_ready` is announced — once: a second
    delivery (a retried callback, a task run twice) changes nothing. Returns whether this call stored it."""
    spotted = spotted or []
    with transaction.atomic():
        stored = Transcript.objects.filter(pk=transcript_id).exclude(status=Transcript.Status.READY).update(
            status=Transcript.Status.READY, text=text, segments=segments, spotted=spotted, heard=_heard_field(spotted),
            audio_seconds=audio_seconds, cpu_seconds=cpu_seconds, provider_sid=provider_sid[:64], error="",
            ready_at=timezone.now(),
        )
        if stored:
            call_id = Transcript.objects.values_list("call_id", flat=True).get(pk=transcript_id)
            announce(call_id, CALL_TRANSCRIPT_READY)
    return bool(stored)


def transcript_fail(*, transcript_id: int, error: str) -> None:
    Transcript.objects.filter(pk=transcript_id, status=Transcript.Status.PENDING).update(
        status=Transcript.Status.FAILED, error=error[:300])


def transcript_record_provider(*, params) -> Transcript | None:
    """Twilio's transcription callback (signed; `TranscriptionSid`, `TranscriptionText`, `TranscriptionStatus`,
    `RecordingSid`, `CallSid`): stored when the call's account uses the `twilio` backend, once per recording.
    Twilio gives text only (no speaker turns); a voicemail has one speaker, the caller."""
    call = call_for_provider_id(provider_call_id=params.get("ParentCallSid") or params.get("CallSid", ""))
    recording_sid = (params.get("RecordingSid") or "")[:64]
    if call is None or not recording_sid or transcription_backend(account=call.account_id) != Backend.TWILIO:
        return None
    transcript, _ = Transcript.objects.get_or_create(
        call=call, recording_sid=recording_sid,
        defaults={"account_id": call.account_id, "backend": Backend.TWILIO,
                  "recording_url": (params.get("RecordingUrl") or "")[:500]})
    if (params.get("TranscriptionStatus") or "completed") != "completed":
        transcript_fail(transcript_id=transcript.pk, error=f"Twilio: transcription {params.get('TranscriptionStatus')}")
    else:
        text = (params.get("TranscriptionText") or "").strip()
        duration = call.recording_duration_seconds
        segments = [{"speaker": "caller", "start": 0.0, "end": float(duration or 0), "text": text}] if text else []
        transcript_store(transcript_id=transcript.pk, text=text, segments=segments,
                         provider_sid=params.get("TranscriptionSid") or "")
    transcript.refresh_from_db()
    return transcript


def _key_phrases_clean(value) -> list[str]:
    if isinstance(value, str):
        value = value.replace("\n", ",").split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DomainError(INVALID, "Key phrases are a list of phrases.", {"key_phrases": ["A list of phrases."]})
    phrases = list(dict.fromkeys(p for p in (normalize_words(item) for item in value) if p))
    if len(phrases) > KEY_PHRASES_MAX or any(len(p) > 60 for p in phrases):
        raise DomainError(INVALID, f"At most {KEY_PHRASES_MAX} key phrases of up to 60 characters.",
                          {"key_phrases": ["Too many or too long."]})
    return phrases


def transcription_settings_save(*, account, backend: str, key_phrases, actor) -> TranscriptionSettings:
    if backend not in Backend.values:
        raise DomainError(INVALID, f"Unknown transcription backend “{backend}”.", {"backend": ["Unknown backend."]})
    phrases = _key_phrases_clean(key_phrases)
    with transaction.atomic():
        settings_row, _ = TranscriptionSettings.objects.select_for_update().get_or_create(account=account)
        changes = {name: [old, new] for name, old, new in (("backend", settings_row.backend, backend),
                                                            ("key_phrases", settings_row.key_phrases, phrases)) if old != new}
        settings_row.backend, settings_row.key_phrases = backend, phrases
        settings_row.save()
        if changes:
            audit_record(account=account, actor=actor, action="transcription_settings.changed", target=settings_row,
                         changes=changes)
    return settings_row
