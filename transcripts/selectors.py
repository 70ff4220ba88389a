"""Reads of transcripts: a call's transcript for pages, the API and webhooks, the `said` filter, and the phrase
check automation rules use."""

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from calls.models import Call
from core.spoken import normalize_words, phrases_said
from transcripts.models import Backend, Transcript, TranscriptionSettings


def transcription_settings_get(*, account) -> TranscriptionSettings:
    """The account's settings, or unsaved defaults (backend off) when it has none."""
    return TranscriptionSettings.objects.filter(account=account).first() or TranscriptionSettings(account=account)


def transcription_backend(*, account) -> str:
    return TranscriptionSettings.objects.filter(account=account).values_list("backend", flat=True).first() or Backend.OFF


def voicemail_transcription_callback(*, account_id: int, webhook_prefix: str) -> str:
    """The URL a Twilio voicemail's <Record transcribeCallback> names when the account chose the `twilio` backend
    (Twilio transcribes <Record> recordings only; other providers and backends: "")."""
    if webhook_prefix != "twilio" or transcription_backend(account=account_id) != Backend.TWILIO:
        return ""
    return f"{settings.PUBLIC_BASE_URL}{reverse('transcripts:twilio-transcription')}"


def call_transcripts(*, call: Call) -> list[Transcript]:
    """The call's transcripts, newest first (a call recording and a voicemail are two)."""
    return list(Transcript.objects.filter(account_id=call.account_id, call=call))


def call_transcript(*, call: Call) -> Transcript | None:
    """The transcript the API and webhooks show: the newest ready one, else the newest of any status."""
    transcripts = call_transcripts(call=call)
    return next((t for t in transcripts if t.status == Transcript.Status.READY), transcripts[0] if transcripts else None)


def said_q(phrase: str) -> Q:
    """Calls whose (ready) transcript says `phrase`. PostgreSQL: English full-text search of the phrase (stems:
    "finance" finds "financing"; words in order); elsewhere whole-word-ish `icontains` on the text. Either way a
    phrase keyword spotting heard matches."""
    wanted = normalize_words(phrase)
    if not wanted:
        return Q()
    ready = Transcript.objects.filter(call=OuterRef("pk"), status=Transcript.Status.READY)
    heard = ready.filter(heard__icontains=f"|{wanted}|")
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        text: QuerySet = ready.annotate(said_vector=SearchVector("text", config="english")).filter(
            said_vector=SearchQuery(wanted, config="english", search_type="phrase"))
    else:
        text = ready.filter(text__icontains=wanted)
    return Q(Exists(text)) | Q(Exists(heard))


def calls_said(calls: QuerySet[Call], phrase: str) -> QuerySet[Call]:
    return calls.filter(said_q(phrase))


def call_said(*, call: Call, phrases: list[str]) -> list[str]:
    """For automation rules' `said` condition: which of `phrases` the call's ready transcripts say — whole words
    in the text (core.spoken.phrase_said) or heard by keyword spotting. [] when there is no transcript yet."""
    said: list[str] = []
    for transcript in call_transcripts(call=call):
        if transcript.status == Transcript.Status.READY:
            said += [p for p in phrases_said(phrases, text=transcript.text, heard=transcript.heard_phrases) if p not in said]
    return [p for p in phrases if p in said]
