from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.tenancy import TenantLinks
from core.phones import validate_e164


class CallTrackerQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)


class CallTracker(models.Model):
    """A tracking number in a pool. Deleting one releases its number but keeps the row for call history."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        FLAGGED = "flagged", "Flagged"
        AVAILABLE = "available", "Available"

    pool = models.ForeignKey("pools.Pool", on_delete=models.PROTECT, related_name="trackers")
    tracking_number = models.CharField(max_length=16, validators=[validate_e164])
    name = models.CharField(max_length=100, blank=True,
                            help_text="Optional, for people: where the number is used, e.g. “Yellow pages ad”.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    source = models.CharField(max_length=200, blank=True)
    medium = models.CharField(max_length=200, blank=True)
    original_number = models.CharField(
        max_length=16, blank=True, validators=[validate_e164], help_text="Frozen from the pool when the tracker is activated."
    )
    flagged_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, default="sandbox")
    provider_number_id = models.CharField(max_length=64, blank=True)
    # The number the provider-side fallback (the Twimlet dialled when callpool is down) dials: set when the
    # number is bought, moved to the pool's new original by pools.fallbacks. Empty: not known (bought earlier).
    fallback_number = models.CharField(max_length=16, blank=True, default="", db_default="", editable=False)
    # Overrides the pool's call flow for this number (telephony.call_flow); null = the pool's.
    call_flow = models.JSONField(null=True, blank=True, default=None,
                                 help_text="Empty: the pool's call flow applies.")
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="When the number was released.")
    lease_released_at = models.DateTimeField(
        null=True, blank=True, help_text="When its last visitor lease ended: least-recently-released numbers are lent first."
    )

    objects = CallTrackerQuerySet.as_manager()

    class Meta:
        ordering = ["pool_id", "tracking_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["tracking_number"], condition=Q(deleted_at__isnull=True),
                name="trackers_calltracker_one_live_per_number",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "flagged", "available"]), name="trackers_calltracker_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="flagged") | Q(flagged_at__isnull=False),
                name="trackers_calltracker_flagged_has_flagged_at",
            ),
        ]
        indexes = [
            # The rules engine and the assign endpoint: a pool's live trackers by status.
            models.Index(fields=["pool", "status"], name="trackers_pool_status_idx"),
        ]

    def __str__(self):
        return self.tracking_number

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def source_medium(self) -> str:
        return f"{self.source} / {self.medium}" if (self.source or self.medium) else ""


class TrackerStatusChange(models.Model):
    """Append-only history of a tracker: every status or source/medium change, who made it and why."""

    tracker = models.ForeignKey(CallTracker, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    source = models.CharField(max_length=200, blank=True)
    medium = models.CharField(max_length=200, blank=True)
    original_number = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=60, help_text="“rules engine”, “admin”, “api”…")
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Source-pool attribution: the tracker's assignment at a call's time.
            models.Index(fields=["tracker", "created_at"], name="trackers_history_at_idx"),
        ]

    def __str__(self):
        return f"{self.tracker} {self.from_status or '∅'} → {self.to_status}"


class Lease(TenantLinks, models.Model):
    """A visitor-pool tracker lent to one session for [started_at, ended_at or expires_at)."""

    # No index of its own: trackers_lease_tracker_idx (tracker, started_at) leads with it.
    tracker = models.ForeignKey(CallTracker, on_delete=models.CASCADE, related_name="leases", db_index=False)
    visit = models.ForeignKey("attribution.Visit", on_delete=models.CASCADE, related_name="leases")
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    is_shared = models.BooleanField(default=False, help_text="Handed out while the pool was exhausted.")
    client_key = models.CharField(
        max_length=64, blank=True, default="",
        help_text="Who asked: an IPv4 address or an IPv6 /64 (core.client_ip.client_key); caps the numbers one client holds.",
    )
    # The tracker's pool, copied when the lease is written (`save`, and the new-session statement): a pool's open leases
    # are then one index range (`trackers_lease_open_pool_idx`) instead of a probe per tracker of the pool. Leases
    # that ended before it existed have none. A plain column, not a foreign key: nothing joins on it, and a key
    # would cost every lease insert one more constraint check.
    pool_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            # A number is never lent to two sessions at once (shared leases are the declared exception).
            models.UniqueConstraint(
                fields=["tracker"], condition=Q(ended_at__isnull=True, is_shared=False),
                name="trackers_lease_one_open_per_tracker",
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("started_at")), name="trackers_lease_expires_after_start"),
        ]
        indexes = [
            # A tracker's leases by start (pools.peaks: a pool's leases open in a span of time).
            models.Index(fields=["tracker", "started_at"], name="trackers_lease_tracker_idx"),
            # Attribution (calls.selectors.leases_around): a tracker's open leases and those released since a time,
            # without walking its history. Not on expires_at, which every heartbeat moves: renewals stay HOT updates.
            models.Index(fields=["tracker", "ended_at"], name="trackers_lease_end_idx"),
            # Renewal: the open lease of a session.
            models.Index(fields=["visit"], condition=Q(ended_at__isnull=True), name="trackers_lease_open_visit_idx"),
            # Leasing: how many numbers one client already holds (the per-client cap, trackers.leasing).
            models.Index(fields=["client_key", "tracker"], condition=Q(ended_at__isnull=True, is_shared=False),
                         name="trackers_lease_open_client_idx"),
            # Leasing: a pool's open exclusive leases, to find its free trackers (trackers.new_session).
            models.Index(fields=["pool_id"], condition=Q(ended_at__isnull=True, is_shared=False),
                         name="trackers_lease_open_pool_idx"),
        ]

    def __str__(self):
        return f"{self.tracker_id} → visit {self.visit_id}"


class ExhaustionEvent(TenantLinks, models.Model):
    """A visitor-pool session found no free number (the dashboard charts these to size pools)."""

    pool = models.ForeignKey("pools.Pool", on_delete=models.CASCADE, related_name="exhaustion_events")
    visit = models.ForeignKey("attribution.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField()
    is_shared = models.BooleanField(default=False, help_text="A shared number was handed out (policy “share”).")
    is_client_cap = models.BooleanField(
        default=False, help_text="Numbers were free, but this client (address or IPv6 /64) already held its share of the pool.",
    )

    class Meta:
        ordering = ["-occurred_at"]
        # The admin's words (the dashboard's "Out of numbers" chart): no "exhaustion" jargon for people.
        verbose_name = "time a visitor found no free number"
        verbose_name_plural = "times visitors found no free number"
        indexes = [
            # Dashboard chart: a pool's exhaustion events over time.
            models.Index(fields=["pool", "occurred_at"], name="trackers_exhaustion_pool_idx"),
        ]

    def __str__(self):
        return f"pool {self.pool_id} exhausted at {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"
