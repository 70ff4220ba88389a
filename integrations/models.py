import base64
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.models import Account, Website
from accounts.tenancy import TenantLinks
from integrations import planner
from telephony.crypto import decrypt_secret, encrypt_secret, mask_secret

SECRET_PREFIX = "whsec_"
# A CSV cell starting with one of these runs as a formula in a spreadsheet (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def generate_webhook_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def generate_encrypted_webhook_secret() -> str:
    """A new signing secret, as stored (encrypted)."""
    return encrypt_secret(generate_webhook_secret())


def generate_feed_token() -> str:
    return secrets.token_urlsafe(24)


class WebhookEvent(models.TextChoices):
    CALL_STARTED = "call.started", "Call started"
    CALL_COMPLETED = "call.completed", "Call completed"
    CALL_CONVERTED = "call.converted", "Call became a conversion"
    CALL_ATTRIBUTED = "call.attributed", "Call attributed"
    CALL_UPDATED = "call.updated", "Call updated (outcome, value or note)"
    CALL_RECORDING_READY = "call.recording_ready", "Call recording ready"
    CALL_TRANSCRIPT_READY = "call.transcript_ready", "Call transcript ready"
    TRACKER_STATUS_CHANGED = "tracker.status_changed", "Tracker status changed"


def validate_event_types(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one event type.")
    unknown = [item for item in value if item not in WebhookEvent.values]
    if unknown:
        raise ValidationError("Unknown event types: %(unknown)s", params={"unknown": ", ".join(map(str, unknown))})


class WebhookEndpoint(models.Model):
    """An account's receiver of Standard Webhooks. The secret is shown once, masked afterwards."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, validators=[validate_event_types])
    # The signing secrets are stored Fernet-encrypted like provider tokens (telephony.crypto, TELEPHONY_ENCRYPTION_KEY);
    # read and write them as `secret` / `previous_secret` (plain "whsec_…").
    secret_encrypted = models.CharField(max_length=500, default=generate_encrypted_webhook_secret, editable=False,
                                        db_column="secret")
    # During rotation both secrets sign, so receivers can switch without dropping messages.
    previous_secret_encrypted = models.CharField(max_length=500, blank=True, editable=False, db_column="previous_secret")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "url"]
        constraints = [
            models.CheckConstraint(condition=Q(secret_encrypted__startswith="fernet:"),
                                   name="integrations_webhookendpoint_secret_encrypted"),
        ]
        indexes = [
            # Fan-out on every event: an account's enabled endpoints.
            models.Index(fields=["account", "is_enabled"], name="integ_endpoint_enabled_idx"),
        ]

    def __str__(self):
        return self.url

    @property
    def secret(self) -> str:
        return decrypt_secret(self.secret_encrypted)

    @secret.setter
    def secret(self, plain: str) -> None:
        self.secret_encrypted = encrypt_secret(plain)

    @property
    def previous_secret(self) -> str:
        return decrypt_secret(self.previous_secret_encrypted)

    @previous_secret.setter
    def previous_secret(self, plain: str) -> None:
        self.previous_secret_encrypted = encrypt_secret(plain)

    @property
    def masked_secret(self) -> str:
        return f"{self.secret[:10]}…" if self.secret else ""

    def wants(self, event_type: str) -> bool:
        return event_type in self.event_types


class WebhookDelivery(models.Model):
    """One message to one endpoint. `msg_id` is the webhook-id header: the same for every retry and replay."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    msg_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(help_text="The body: {type, timestamp, data}.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "succeeded", "failed"]), name="integrations_webhookdelivery_status_valid"),
        ]
        indexes = [
            # Delivery log of an endpoint, newest first.
            models.Index(fields=["endpoint", "created_at"], name="integ_delivery_endpoint_idx"),
            # The outbox sweeper: pending deliveries that are due.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="integ_delivery_due_idx"),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """Append-only: every HTTP try of a delivery, with what the receiver answered."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_body = models.CharField(max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    is_replay = models.BooleanField(default=False)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self):
        return f"{self.delivery_id} {self.status_code or self.error}"


class GA4Settings(models.Model):
    """Measurement Protocol credentials of one website's GA4 data stream."""

    website = models.OneToOneField(Website, on_delete=models.CASCADE, related_name="ga4_settings")
    measurement_id = models.CharField(max_length=40, help_text="G-XXXXXXX")
    # Fernet ciphertext (telephony.crypto, like the Twilio token); read it with get_api_secret().
    api_secret = models.CharField(max_length=500)
    is_enabled = models.BooleanField(default=True)
    event_name = models.CharField(max_length=40, default="phone_call")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "GA4 settings"
        verbose_name_plural = "GA4 settings"
        constraints = [
            models.CheckConstraint(condition=Q(measurement_id__startswith="G-"), name="integrations_ga4settings_measurement_id_g"),
        ]

    def __str__(self):
        return f"{self.website} · {self.measurement_id}"

    def clean(self):
        # Google's rules, checked by full_clean() so every face that saves these (admin form, services) refuses
        # what GA4 would silently drop.
        self.measurement_id = (self.measurement_id or "").strip().upper()
        self.event_name = (self.event_name or "").strip()
        problems: dict = {
            "measurement_id": planner.ga4_measurement_id_problem(self.measurement_id),
            "event_name": planner.ga4_event_name_problem(self.event_name),
        }
        problems = {field: [problem] for field, problem in problems.items() if problem}
        if problems:
            raise ValidationError(problems)

    def set_api_secret(self, plain: str) -> None:
        self.api_secret = encrypt_secret(plain)

    def get_api_secret(self) -> str:
        return decrypt_secret(self.api_secret)

    @property
    def api_secret_hint(self) -> str:
        return mask_secret(self.get_api_secret())


class GA4Delivery(TenantLinks, models.Model):
    """The one GA4 event of a converting call, and what happened to it.

    The row is the once-marker: created only for a call that has ended as a conversion, at most one per
    call (database constraint), so a call that converts later — an outcome set afterwards — is sent then,
    and never twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ga4_deliveries")
    website = models.ForeignKey(Website, on_delete=models.CASCADE, related_name="ga4_deliveries")
    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="ga4_deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # When a pending event is due (its next try; a worker holding it pushes it ahead). Null = due now.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "GA4 delivery"
        verbose_name_plural = "GA4 deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [
            # One phone_call event per call, however often it completes, converts or is re-marked.
            models.UniqueConstraint(fields=["call"], name="integrations_ga4delivery_one_per_call"),
            models.CheckConstraint(condition=Q(status__in=["pending", "sent", "skipped", "failed"]), name="integrations_ga4delivery_status_valid"),
        ]
        indexes = [
            # The outbox sweeper: pending events that are due.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="integ_ga4_due_idx"),
        ]

    def __str__(self):
        return f"call {self.call_id} → GA4 ({self.status})"


def validate_formula_safe(value: str) -> None:
    if value.startswith(FORMULA_PREFIXES):
        raise ValidationError("Must not start with = + - @ (spreadsheets would run it as a formula).")


class GoogleAdsSettings(models.Model):
    """Per-account offline-conversion export; which calls convert and their value come from each website's
    conversion rule (calls.ConversionRule) and the calls' outcomes. `feed_token` makes the scheduled-import URL unguessable."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="google_ads_settings")
    conversion_name = models.CharField(max_length=100, default="Phone call", validators=[validate_formula_safe])
    feed_token = models.CharField(max_length=64, unique=True, default=generate_feed_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Google Ads settings"
        verbose_name_plural = "Google Ads settings"

    def __str__(self):
        return f"{self.account} · Google Ads"


class AdPlatform(models.TextChoices):
    GOOGLE_ADS = "google_ads", "Google Ads"
    MICROSOFT_ADS = "microsoft_ads", "Microsoft Advertising"
    META = "meta", "Meta"


class AdPlatformConnection(models.Model):
    """An account's link to one ad platform, to which its converting calls are uploaded (SPEC "Google Ads,
    connected", "Microsoft Advertising", "Meta Conversions API").

    `token` is Fernet ciphertext (telephony.crypto, like provider tokens): Google's and Microsoft's OAuth refresh
    token, Meta's Conversions API access token. Per platform:
    - Google Ads: customer_id = the advertiser's customer id, manager_id = the login-customer-id (a manager account,
      optional), conversion = the conversion action's resource name (customers/<id>/conversionActions/<id>).
    - Microsoft: customer_id = CustomerAccountId (the ad account), manager_id = CustomerId, conversion = the offline
      conversion goal's name.
    - Meta: customer_id = the pixel (dataset) id, conversion = the event name (Lead, Purchase, …).
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ad_platform_connections")
    platform = models.CharField(max_length=20, choices=AdPlatform.choices)
    token = models.CharField(max_length=2000, blank=True, editable=False)
    customer_id = models.CharField(max_length=40, blank=True)
    manager_id = models.CharField(max_length=40, blank=True)
    conversion = models.CharField(max_length=200, blank=True)
    is_enabled = models.BooleanField(default=True)
    connected_by = models.CharField(max_length=200, blank=True)
    last_result = models.CharField(max_length=500, blank=True)
    last_result_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "platform"]
        constraints = [
            models.UniqueConstraint(fields=["account", "platform"], name="integrations_adconnection_one_per_platform"),
            models.CheckConstraint(condition=Q(platform__in=["google_ads", "microsoft_ads", "meta"]),
                                   name="integrations_adconnection_platform_valid"),
        ]

    def __str__(self):
        return f"{self.account} · {self.get_platform_display()}"

    def set_token(self, plain: str) -> None:
        self.token = encrypt_secret(plain)

    def get_token(self) -> str:
        return decrypt_secret(self.token)

    @property
    def token_hint(self) -> str:
        return mask_secret(self.get_token()) if self.token else ""

    @property
    def is_ready(self) -> bool:
        """Connected and fully configured: uploads can go."""
        return bool(self.is_enabled and self.token and self.customer_id and self.conversion)


class AdConversionUpload(TenantLinks, models.Model):
    """One converting call's upload to one ad platform, and what happened to it: the outbox row, written in the
    call's transaction and sent by a django-q2 task. One per call and platform (database constraint): a call is
    uploaded once, however often it completes, converts or is re-marked."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ad_conversion_uploads")
    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="ad_conversion_uploads")
    platform = models.CharField(max_length=20, choices=AdPlatform.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Secret-free inputs of the request (click id, time, value, …); the credentials are added at send time.
    payload = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "platform"], name="integrations_adupload_one_per_call_platform"),
            models.CheckConstraint(condition=Q(status__in=["pending", "sent", "failed"]),
                                   name="integrations_adupload_status_valid"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="integ_adupload_due_idx"),
            models.Index(fields=["account", "platform", "created_at"], name="integ_adupload_account_idx"),
        ]

    def __str__(self):
        return f"call {self.call_id} → {self.platform} ({self.status})"
