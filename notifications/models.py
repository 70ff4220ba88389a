"""What each person wants to be told, the outbox of messages to send, and scheduled report emails."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q

from accounts.models import Account, Website
from accounts.tenancy import TenantLinks


class SummaryFrequency(models.TextChoices):
    OFF = "off", "No summary"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (Mondays)"


class NotificationPreference(TenantLinks, models.Model):
    """One user's choices in one account (SPEC "Calls at work": every_call, missed, first_time, conversions)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notification_preferences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    every_call = models.BooleanField(default=False)
    missed = models.BooleanField(default=False, help_text="Missed and abandoned calls (and voicemail).")
    first_time = models.BooleanField(default=False)
    conversions = models.BooleanField(default=False)
    by_email = models.BooleanField(default=True)
    slack_url = models.URLField(max_length=500, blank=True, help_text="A Slack-compatible incoming-webhook URL.")
    summary = models.CharField(max_length=10, choices=SummaryFrequency.choices, default=SummaryFrequency.OFF)
    # Only account admins get these (webhook endpoint disabled, GA4 rejecting events).
    integration_alerts = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="notifications_preference_one_per_user_account"),
            models.CheckConstraint(condition=Q(summary__in=["off", "daily", "weekly"]), name="notifications_preference_summary_valid"),
        ]

    def __str__(self):
        return f"{self.user} · {self.account}"

    @property
    def wants_calls(self) -> bool:
        return self.every_call or self.missed or self.first_time or self.conversions


class Notification(TenantLinks, models.Model):
    """The outbox: one message to one recipient, written in the transaction of what caused it (a call's end, a
    conversion, a disabled endpoint) or by the scheduler; the worker sends it. `key` is the once-marker."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        SUMMARY = "summary", "Summary"
        ALERT = "alert", "Integration alert"
        REPORT = "report", "Scheduled report"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    target = models.CharField(max_length=500, help_text="The email address, or the incoming-webhook URL.")
    key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "sent", "failed"]), name="notifications_notification_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=["call", "summary", "alert", "report"]), name="notifications_notification_kind_valid"),
            models.CheckConstraint(condition=Q(channel__in=["email", "slack"]), name="notifications_notification_channel_valid"),
        ]
        indexes = [
            # The sweeper: pending messages that are due.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="notif_due_idx"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.target} ({self.status})"


def validate_recipients(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Enter at least one email address.")
    if len(value) > 20:
        raise ValidationError("At most 20 addresses.")
    for address in value:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError("“%(address)s” is not an email address.", params={"address": str(address)[:100]}) from None


class ReportFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly (Mondays, the week before)"
    MONTHLY = "monthly", "Monthly (on the 1st, the month before)"


class ScheduledReport(TenantLinks, models.Model):
    """A report (dimension + website filter) emailed as CSV with a short summary, for the week or month before."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="scheduled_reports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="scheduled_reports")
    name = models.CharField(max_length=100)
    dimension = models.CharField(max_length=20)
    website = models.ForeignKey(Website, null=True, blank=True, on_delete=models.CASCADE, related_name="scheduled_reports")
    frequency = models.CharField(max_length=10, choices=ReportFrequency.choices, default=ReportFrequency.WEEKLY)
    recipients = models.JSONField(default=list, validators=[validate_recipients])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(frequency__in=["weekly", "monthly"]), name="notifications_scheduledreport_frequency_valid"),
        ]

    def __str__(self):
        return self.name
