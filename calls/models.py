from django.db import models
from django.db.models import Q

from accounts.models import Account
from core.phones import validate_e164


class Call(models.Model):
    """One inbound call to a tracking number, keyed by the provider's (parent) call id."""

    class Status(models.TextChoices):
        # Twilio's words, in the order a call moves through them.
        QUEUED = "queued", "Queued"
        RINGING = "ringing", "Ringing"
        IN_PROGRESS = "in-progress", "In progress"
        COMPLETED = "completed", "Completed"
        BUSY = "busy", "Busy"
        NO_ANSWER = "no-answer", "No answer"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    class Method(models.TextChoices):
        # Marketer words: a "lease" is the time a visitor holds a number on a visitor pool.
        LEASE = "lease", "The visitor who was seeing the number"
        RECENT_LEASE = "recent_lease", "The visitor who saw the number minutes before"
        SOURCE = "source", "The source the number is assigned to"
        MANUAL = "manual", "Set by hand"
        NONE = "none", "Not attributed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="calls")
    provider_call_id = models.CharField(max_length=64, unique=True)
    tracker = models.ForeignKey("trackers.CallTracker", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    pool = models.ForeignKey("pools.Pool", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    tracking_number = models.CharField(max_length=16, validators=[validate_e164])
    caller_number = models.CharField(max_length=32, blank=True, help_text="E.164 when the caller id was present.")
    original_number = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RINGING)
    last_sequence_number = models.IntegerField(default=-1)
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(default=0)
    talk_seconds = models.PositiveIntegerField(default=0)
    is_first_time_caller = models.BooleanField(default=True)
    # Attribution: the visit (visitor pools) and a snapshot of what it was attributed to.
    visit = models.ForeignKey("attribution.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    attribution_method = models.CharField(max_length=16, choices=Method.choices, default=Method.NONE)
    attribution_confidence = models.FloatField(default=0.0)
    source = models.CharField(max_length=200, blank=True)
    medium = models.CharField(max_length=200, blank=True)
    campaign = models.CharField(max_length=200, blank=True)
    term = models.CharField(max_length=200, blank=True)
    landing_page = models.CharField(max_length=2000, blank=True)
    landing_page_key = models.CharField(max_length=2000, blank=True, db_default="",
                                        help_text="Host + path: what reports group by.")
    channel = models.CharField(max_length=40, blank=True, db_default="", help_text="GA4 default channel group.")
    gclid = models.CharField(max_length=200, blank=True)
    # Recording (pools with record_calls): stored by the signed recording-status callback.
    recording_sid = models.CharField(max_length=64, blank=True, db_default="")
    recording_url = models.CharField(max_length=500, blank=True, db_default="")
    recording_duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attribution_confidence__gte=0) & Q(attribution_confidence__lte=1),
                name="calls_call_confidence_0_1",
            ),
        ]
        indexes = [
            # Calls log and reports: an account's calls by time.
            models.Index(fields=["account", "started_at"], name="calls_account_started_idx"),
            # First-time vs repeat caller.
            models.Index(fields=["account", "caller_number", "started_at"], name="calls_account_caller_idx"),
            # Tracker detail: last call.
            models.Index(fields=["tracker", "started_at"], name="calls_tracker_started_idx"),
        ]

    def __str__(self):
        return f"{self.provider_call_id} {self.caller_number} → {self.tracking_number}"

    @property
    def has_recording(self) -> bool:
        return bool(self.recording_sid)

    @property
    def has_sandbox_recording(self) -> bool:
        """Sandbox calls have no real audio: a short generated tone stands in for the recording."""
        return self.recording_url.startswith("sandbox:")


# How far along a call is; a status never replaces one of a higher rank (callbacks arrive out of order).
STATUS_RANK = {
    Call.Status.QUEUED: 0,
    Call.Status.RINGING: 1,
    Call.Status.IN_PROGRESS: 2,
    Call.Status.COMPLETED: 3,
    Call.Status.BUSY: 3,
    Call.Status.NO_ANSWER: 3,
    Call.Status.FAILED: 3,
    Call.Status.CANCELED: 3,
}
TERMINAL_STATUSES = frozenset(status for status, rank in STATUS_RANK.items() if rank == 3)


class CallEvent(models.Model):
    """One provider status callback, kept once: Twilio retries callbacks and sends them out of order.

    `call_sid` is the leg the callback is about (the dialed leg has its own sid and names the
    inbound call in `parent_call_sid`). Callbacks without a SequenceNumber are deduplicated on
    their status instead.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    call_sid = models.CharField(max_length=64)
    parent_call_sid = models.CharField(max_length=64, blank=True)
    sequence_number = models.IntegerField(null=True, blank=True)
    status = models.CharField(max_length=12)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call_sid", "sequence_number"], name="calls_callevent_unique_sequence"),
            models.UniqueConstraint(
                fields=["call_sid", "status"], condition=Q(sequence_number__isnull=True),
                name="calls_callevent_unique_unsequenced_status",
            ),
        ]

    def __str__(self):
        return f"{self.call_sid} #{self.sequence_number} {self.status}"
