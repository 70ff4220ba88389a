"""Transcripts of call recordings (and voicemails), and each account's choice of transcription backend."""

from django.db import models
from django.db.models import Q

from accounts.models import Account
from accounts.tenancy import TenantLinks
from calls.models import Call
from core.spoken import phrases_said


class Backend(models.TextChoices):
    OFF = "off", "Off"
    LOCAL = "local", "Local (PocketSphinx on this server)"
    TWILIO = "twilio", "Twilio (the provider's transcription)"


class TranscriptionSettings(TenantLinks, models.Model):
    """Per account: which backend transcribes recordings (off by default) and the key phrases to listen for."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="transcription_settings")
    backend = models.CharField(max_length=10, choices=Backend.choices, default=Backend.OFF, db_default=Backend.OFF)
    key_phrases = models.JSONField(
        default=list, blank=True,
        help_text="Phrases the local backend listens for with keyword spotting (besides searching the text), "
                  "e.g. financing, water heater. Automation rules' “said” conditions use them.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "transcription settings"
        constraints = [
            models.CheckConstraint(condition=Q(backend__in=["off", "local", "twilio"]), name="transcripts_settings_backend_valid"),
        ]

    def __str__(self):
        return f"{self.account}: {self.get_backend_display()}"


class Transcript(TenantLinks, models.Model):
    """The transcript of one recording of a call (a call can have a recording and a voicemail): pending until the
    backend delivers; `call.transcript_ready` goes out once, when it turns ready."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="transcripts")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="transcripts")
    recording_sid = models.CharField(max_length=64)
    recording_url = models.CharField(max_length=500, blank=True, default="")
    backend = models.CharField(max_length=10, choices=Backend.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_default=Status.PENDING)
    text = models.TextField(blank=True, default="", db_default="")
    # [{"speaker": "caller"|"business"|"speaker", "start": s, "end": s, "text"}] — where the backend gives them.
    segments = models.JSONField(default=list, blank=True)
    # Keyword spotting: [{"phrase", "speaker", "start"}]; `heard` is "|phrase|phrase|" for searching.
    spotted = models.JSONField(default=list, blank=True)
    heard = models.CharField(max_length=1000, blank=True, default="", db_default="")
    provider_sid = models.CharField(max_length=64, blank=True, default="", db_default="")
    error = models.CharField(max_length=300, blank=True, default="", db_default="")
    audio_seconds = models.FloatField(null=True, blank=True)
    cpu_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Claimed by a worker (transcripts.tasks): a second delivery of the same task (the queue re-delivers tasks
    # running longer than its retry time) finds it claimed and leaves it; a claim older than the task's time limit
    # (a worker that died) may be taken again.
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "recording_sid"], name="transcripts_one_per_recording"),
            models.CheckConstraint(condition=Q(status__in=["pending", "ready", "failed"]), name="transcripts_status_valid"),
        ]
        indexes = [models.Index(fields=["account", "status"], name="transcripts_account_status_idx")]

    def __str__(self):
        return f"Transcript of {self.call_id} ({self.recording_sid})"

    @property
    def heard_phrases(self) -> list[str]:
        return [p for p in self.heard.split("|") if p]

    def said(self, *phrases: str) -> list[str]:
        """Which of `phrases` this transcript says (core.spoken: whole words, or spotted in the audio)."""
        return phrases_said(phrases, text=self.text, heard=self.heard_phrases)
