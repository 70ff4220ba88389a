from decimal import Decimal
from math import floor

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, Website
from accounts.tenancy import TenantLinks
from core.phones import validate_e164
from core.traffic import (
    TrafficFilterError,
    offline_clean,
    traffic_filter_clean,
    traffic_filter_display,
)


class Pool(TenantLinks, models.Model):
    """A managed group of call trackers for one website and one original (business) number."""

    class Kind(models.TextChoices):
        MANUAL = "manual", "Manual"
        AUTOMATED = "automated", "Automated"

    class Tracking(models.TextChoices):
        SOURCE = "source", "Per source/medium"
        VISITOR = "visitor", "Per visitor session"

    class Exhaustion(models.TextChoices):
        ORIGINAL = "original", "Show the original number"
        SHARE = "share", "Share the least-recently-released number"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="pools")
    website = models.ForeignKey(Website, on_delete=models.PROTECT, related_name="pools")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    tracking = models.CharField(max_length=10, choices=Tracking.choices, default=Tracking.SOURCE)
    original_number = models.CharField(max_length=16, validators=[validate_e164], help_text="The business line shown on the site.")
    size = models.PositiveIntegerField(default=0)
    utilization = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("1.000"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="Fraction of the size that may be Active (0–1).",
    )
    min_visits = models.PositiveIntegerField(default=100)
    visit_window_days = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    flag_days = models.PositiveIntegerField(default=30)
    lease_minutes = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    exhaustion = models.CharField(max_length=10, choices=Exhaustion.choices, default=Exhaustion.ORIGINAL)
    max_size = models.PositiveIntegerField(default=50, help_text="Automated visitor pools never grow past this.")
    record_calls = models.BooleanField(default=False)
    # How calls are handled (SPEC "Call handling", telephony.call_flow): null = always open, dial the original.
    call_flow = models.JSONField(null=True, blank=True, default=None,
                                 help_text="Business hours, holidays, after-hours action, ring time, recording notice, whisper.")
    # The uploaded recording notice (<Play>) is a PoolNoticeAudio row; its digest is kept here so the voice webhook
    # knows about it (and builds its URL) without another query. Empty: no uploaded notice.
    notice_audio_digest = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    number_request = models.JSONField(
        default=dict, db_default={}, blank=True,  # db_default: rows written by code that predates the field
        help_text='Where new numbers come from: {"type": "local"|"any_area_code"|"toll_free"|"area_code", "area_code"?, '
                  '"country"}. Local (empty = local in the original number\'s country): its area code, then its state, '
                  "then nearby. any_area_code: local numbers from any area code of the country.",
    )
    # Visitor pools: only sessions from these sources/mediums/campaigns lease a number (core.traffic); {} = all.
    traffic_filter = models.JSONField(
        default=dict, db_default={}, blank=True,
        help_text='Visitor pools: only this traffic leases numbers, e.g. {"sources": ["google"], "mediums": ["cpc"]}; '
                  "empty = every visitor.",
    )
    # Manual pools whose numbers are printed offline: {"label", "source", "medium"}; their calls are attributed to
    # that source without a visit (channel "Offline") and the website never shows their numbers. {} = on the site.
    offline = models.JSONField(
        default=dict, db_default={}, blank=True,
        help_text='Manual pools printed offline: {"label": "I-25 billboard", "source": "billboard", "medium": "offline"}.',
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    # The last time buying numbers failed (provider refused, no credentials, nothing matching the search), kept
    # until a purchase succeeds: the pool's health says `cannot_buy_numbers` with it (pools.selectors).
    last_provision_error = models.CharField(max_length=500, blank=True, default="", db_default="", editable=False)
    last_provision_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the original number changes, until every tracker's provider-side fallback dials the new one
    # (pools.fallbacks; the pool page shows it); `fallback_error` is why the last try failed.
    fallback_pending_since = models.DateTimeField(null=True, blank=True, editable=False)
    fallback_error = models.CharField(max_length=500, blank=True, default="", db_default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="pools_pool_unique_name_per_account"),
            models.CheckConstraint(
                condition=Q(utilization__gte=0) & Q(utilization__lte=1), name="pools_pool_utilization_0_1"
            ),
            models.CheckConstraint(condition=Q(size__gte=0), name="pools_pool_size_not_negative"),
            models.CheckConstraint(condition=Q(lease_minutes__gte=1), name="pools_pool_lease_minutes_positive"),
            models.CheckConstraint(condition=Q(visit_window_days__gte=1), name="pools_pool_visit_window_positive"),
            models.CheckConstraint(condition=Q(kind__in=["manual", "automated"]), name="pools_pool_kind_valid"),
            models.CheckConstraint(condition=Q(tracking__in=["source", "visitor"]), name="pools_pool_tracking_valid"),
            models.CheckConstraint(condition=Q(exhaustion__in=["original", "share"]), name="pools_pool_exhaustion_valid"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        try:
            self.traffic_filter = traffic_filter_clean(self.traffic_filter)
        except TrafficFilterError as exc:
            errors["traffic_filter"] = f"{exc.field}: {exc.message}"
        try:
            self.offline = offline_clean(self.offline)
        except TrafficFilterError as exc:
            errors["offline"] = f"{exc.field}: {exc.message}"
        if self.traffic_filter and self.tracking != self.Tracking.VISITOR:
            errors["traffic_filter"] = "Only visitor pools choose their traffic; a source pool already has one number per source."
        if self.offline and self.kind != self.Kind.MANUAL:
            errors["offline"] = "Only manual pools can be offline: the rules engine must never release a printed number."
        if errors:
            raise ValidationError(errors)

    @property
    def is_offline(self) -> bool:
        """Numbers printed offline: the website never shows them; calls get the pool's source/medium."""
        return bool(self.offline)

    @property
    def offline_or_none(self) -> dict | None:
        return self.offline or None

    @property
    def traffic_label(self) -> str:
        """"google / cpc" for a pool limited to that traffic, "" for all traffic."""
        return traffic_filter_display(self.traffic_filter)

    @property
    def max_active(self) -> int:
        """floor(size × utilization): how many trackers may be Active at once."""
        return floor(self.size * Decimal(self.utilization))

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def is_manual(self) -> bool:
        """People change this pool's trackers (the rules engine never does). Lower apps ask this, not the word."""
        return self.kind == self.Kind.MANUAL


class PoolNoticeAudio(models.Model):
    """An uploaded recording notice (played with <Play> before a recorded call connects). Kept in the database, so
    every node serves it; the provider fetches it from a public URL that carries its digest."""

    CONTENT_TYPES = ("audio/mpeg", "audio/wav", "audio/x-wav", "audio/wave")
    MAX_BYTES = 2 * 1024 * 1024

    pool = models.OneToOneField(Pool, on_delete=models.CASCADE, related_name="notice_audio")
    content = models.BinaryField()
    content_type = models.CharField(max_length=40)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the content: the public URL names it.")
    filename = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.pool}: {self.filename or self.digest[:12]}"


class ConcurrencySample(models.Model):
    """Once a minute: how many of a visitor pool's trackers were leased, and how many it held.

    Automated visitor pools size themselves from the peak of these samples.
    """

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="concurrency_samples")
    sampled_at = models.DateTimeField()
    leased = models.PositiveIntegerField(help_text="Open, unexpired leases of the pool's trackers.")
    size = models.PositiveIntegerField(help_text="Live Active trackers (in rotation) at that moment.")

    class Meta:
        ordering = ["pool_id", "sampled_at"]
        constraints = [
            models.CheckConstraint(condition=Q(leased__gte=0) & Q(size__gte=0), name="pools_concurrencysample_not_negative"),
        ]
        indexes = [
            # pool_sizing_recommendation: a pool's peak and recent samples.
            models.Index(fields=["pool", "sampled_at"], name="pools_sample_pool_at_idx"),
            # pools_sample_concurrency: pruning samples older than two sizing windows, all pools at once.
            models.Index(fields=["sampled_at"], name="pools_sample_at_idx"),
        ]

    def __str__(self):
        return f"{self.pool_id} @ {timezone.localtime(self.sampled_at):%Y-%m-%d %H:%M}: {self.leased}/{self.size}"


class PoolDayPeak(models.Model):
    """The most leases of a visitor pool open at one instant during one day (the account's time zone), shared ones
    included: the dashboard's "peak in the date range" is the largest of its days' (pools.peaks). Written by the
    scheduled roll-up of leases once their intervals can no longer change (PoolPeakRollup.rolled_until); the day
    being rolled (today) holds its peak so far. Days without leases have no row. Kept past lease retention: the
    leases behind a day go, its peak stays."""

    # No index of its own: pools_pooldaypeak_one_per_pool_day (pool, day) leads with it.
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="day_peaks", db_index=False)
    day = models.DateField()
    peak = models.PositiveIntegerField()

    class Meta:
        ordering = ["pool_id", "day"]
        constraints = [
            # Also the index of every read: a pool's days in a date range (pools.peaks.pool_peak_concurrency).
            models.UniqueConstraint(fields=["pool", "day"], name="pools_pooldaypeak_one_per_pool_day"),
            models.CheckConstraint(condition=Q(peak__gte=0), name="pools_pooldaypeak_peak_not_negative"),
        ]

    def __str__(self):
        return f"{self.pool_id} {self.day}: {self.peak}"


class PoolPeakRollup(models.Model):
    """How far a visitor pool's leases are rolled up into PoolDayPeak: every instant before `rolled_until`. Leases
    that were open at that instant all started at or after `open_since` (None: none was open), so a read of what
    comes after it looks at leases from there on, not at the pool's whole history."""

    pool = models.OneToOneField(Pool, on_delete=models.CASCADE, related_name="peak_rollup")
    rolled_until = models.DateTimeField()
    open_since = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.pool_id} rolled until {self.rolled_until:%Y-%m-%d %H:%M}"


class PoolChange(models.Model):
    """Append-only history of a pool's settings: what changed, from what to what, who and why."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="changes")
    changes = models.JSONField(help_text='{"field": [old, new]} as text.')
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=60, help_text="“admin”, “api”, “dashboard”…")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["pool", "created_at"], name="pools_change_pool_at_idx")]

    def __str__(self):
        return f"{self.pool_id}: {', '.join(self.changes)}"


class PoolOriginalNumber(models.Model):
    """Append-only: every original number a pool has had, from when to when (SPEC "Automated pool rules").

    The served script swaps all of them (pages that still print an old number stay tracked); the open
    row (`ended_at` null) is the pool's current original.
    """

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="original_numbers")
    number = models.CharField(max_length=16, validators=[validate_e164])
    started_at = models.DateTimeField(help_text="When it became the pool's original number.")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When another number replaced it.")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=60, blank=True, help_text="“admin”, “api”, “migration”…")

    class Meta:
        ordering = ["pool_id", "-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool"], condition=Q(ended_at__isnull=True), name="pools_pooloriginalnumber_one_current_per_pool",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="pools_pooloriginalnumber_ends_after_start",
            ),
        ]
        # The pool FK's index serves every read (a pool's or a website's pools' originals).

    def __str__(self):
        return f"{self.pool_id}: {self.number} from {self.started_at:%Y-%m-%d}"
