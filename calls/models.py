from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Upper

from accounts.models import Account
from accounts.tenancy import TenantLinks
from calls.results import CallResult, call_result
from core.phones import validate_e164


class Tag(TenantLinks, models.Model):
    """An account's label for calls ("booked", "wrong number"): many per call, set by people (and rules)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="call_tags")
    name = models.CharField(max_length=50)
    color = models.CharField(max_length=7, default="#64748b", db_default="#64748b",
                             validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour is #RRGGBB.")])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # A name is one tag whatever its case: "Booked" and "booked" are the same tag.
            models.UniqueConstraint(Lower("name"), "account", name="calls_tag_name_unique_per_account"),
            models.CheckConstraint(condition=~Q(name=""), name="calls_tag_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class BlockedNumber(TenantLinks, models.Model):
    """A caller the account refuses: a full E.164 number, or a prefix of one ("+1900" blocks every 1-900 number).
    A call from a blocked caller is rejected (busy) before any dial and stored as spam."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="blocked_numbers")
    number = models.CharField(max_length=16, validators=[RegexValidator(r"^\+[0-9]{1,15}$", "A number or prefix is + and digits.")],
                              help_text="E.164 (+12025550123) or a prefix (+1900).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            # The voice webhook looks a caller up by its prefixes (number__in=[…]): this index serves it too.
            models.UniqueConstraint(fields=["account", "number"], name="calls_blockednumber_unique_per_account"),
            models.CheckConstraint(condition=Q(number__regex=r"^\+[0-9]{1,15}$"), name="calls_blockednumber_e164_or_prefix"),
        ]

    def __str__(self):
        return self.number


class CallerName(TenantLinks, models.Model):
    """The provider's caller-name lookup for one number, cached per account (lookups cost money): looked up again
    after CALLER_NAME_TTL (calls.caller_names)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="caller_names")
    number = models.CharField(max_length=32)
    caller_name = models.CharField(max_length=100, blank=True)
    caller_type = models.CharField(max_length=20, blank=True, help_text="CONSUMER or BUSINESS, when the provider says.")
    looked_up_at = models.DateTimeField()

    class Meta:
        constraints = [
            # One cached answer per number and account; also the worker's lookup by number.
            models.UniqueConstraint(fields=["account", "number"], name="calls_callername_unique_per_account"),
        ]

    def __str__(self):
        return f"{self.number}: {self.caller_name or '—'}"


class Call(TenantLinks, models.Model):
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
        OFFLINE = "offline", "The offline placement the number is printed on"
        MANUAL = "manual", "Set by hand"
        NONE = "none", "Not attributed"

    class Outcome(models.TextChoices):
        # What the marketer says the call was (SPEC "Attribution": conversions); blank = not set.
        LEAD = "lead", "Lead"
        NOT_LEAD = "not_lead", "Not a lead"
        SALE = "sale", "Sale"

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
    # Outcome, set by a marketer (dashboard or API) through calls.outcomes.call_set_outcome.
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="", db_default="")
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                validators=[MinValueValidator(Decimal("0"))],
                                help_text="Overrides the conversion rule's value; empty = the rule's value.")
    note = models.TextField(max_length=2000, blank=True, default="", db_default="")
    # Also marked by people (calls.outcomes.call_mark): tags, a 1–5 score, spam.
    tags = models.ManyToManyField(Tag, blank=True, related_name="calls")
    score = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)])
    spam = models.BooleanField(default=False, db_default=False,
                               help_text="Spam calls are left out of reports, conversions, GA4 and Google Ads.")
    # Where the caller's number is from (phonenumbers' offline geocoder), stored when the call starts.
    caller_city = models.CharField(max_length=100, blank=True, default="", db_default="")
    caller_region = models.CharField(max_length=100, blank=True, default="", db_default="")
    caller_country = models.CharField(max_length=2, blank=True, default="", db_default="", help_text="ISO 3166 code.")
    # The caller's name from the provider's lookup (accounts with lookup_caller_names), filled by the worker.
    caller_name = models.CharField(max_length=100, blank=True, default="", db_default="")
    # The caller left a voicemail (the call's recording is the message): the result is "voicemail".
    voicemail = models.BooleanField(default=False, db_default=False)
    # Derived from the website's conversion rule and the outcome (calls.conversion.plan_conversion), stored so
    # reports, filters and exports need no rule logic in SQL.
    is_conversion = models.BooleanField(default=False, db_default=False)
    conversion_value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"), db_default=Decimal("0"),
                                           help_text="The value the call converted with (0 when it is no conversion).")
    # Recording (pools with record_calls): stored by the signed recording-status callback.
    recording_sid = models.CharField(max_length=64, blank=True, db_default="")
    recording_url = models.CharField(max_length=500, blank=True, db_default="")
    recording_duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Set when the first leg reports its end and the other leg has not: the call counts as final (and
    # `call.completed` goes out) when the other leg reports or at this time, whichever comes first
    # (calls.completion). Null for calls still ringing and for final calls.
    settles_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attribution_confidence__gte=0) & Q(attribution_confidence__lte=1),
                name="calls_call_confidence_0_1",
            ),
            models.CheckConstraint(condition=Q(outcome__in=["", "lead", "not_lead", "sale"]), name="calls_call_outcome_valid"),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="calls_call_value_not_negative"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="calls_call_score_1_5"),
            models.CheckConstraint(
                condition=Q(conversion_value__gte=0) & (Q(is_conversion=True) | Q(conversion_value=0)),
                name="calls_call_conversion_value_only_for_conversions",
            ),
        ]
        indexes = [
            # Calls log and reports: an account's calls by time.
            # With the id (the log's order) and the spam mark (the log's default): the calls log's capped count reads
            # the index alone. (Expression statistics on UPPER(source) etc. help its text filters: migration 0013.)
            models.Index(fields=["account", "started_at", "id"], include=["spam"], name="calls_account_started_idx"),
            # First-time vs repeat caller.
            models.Index(fields=["account", "caller_number", "started_at"], name="calls_account_caller_idx"),
            # The admin's search by number across accounts (a superuser's list of every call).
            models.Index(fields=["caller_number"], name="calls_caller_idx"),
            # The calls log sorted by talk time (dashboard.call_columns): the account's calls in the sort's order
            # (scanned backwards for the descending sort), the date range filtered on the way.
            models.Index(fields=["account", "talk_seconds", "id"], name="calls_account_talk_idx"),
            # The calls log filtered by source (iexact, as report rows drill down), newest first. With the spam mark,
            # the status and the source itself (PostgreSQL reads an expression index alone only when it also holds the
            # column), the capped count of a source filter, or of a source and a status, reads the index alone.
            models.Index(F("account"), Upper("source"), F("started_at"), F("id"), include=["spam", "status", "source"],
                         name="calls_acct_upper_source_idx"),
            # The calls log filtered by source and status (a report row's drill-down, then "busy"): the pair's calls
            # newest first, so its capped count reads the matches only, not every call of the source.
            models.Index(F("account"), Upper("source"), F("status"), F("started_at"), F("id"), include=["spam", "source"],
                         name="calls_acct_source_status_idx"),
            # The calls log filtered by pool (the pool's calls newest first; the count reads the index alone).
            models.Index(fields=["account", "pool", "started_at", "id"], include=["spam"], name="calls_acct_pool_started_idx"),
            # The calls log sorted by source / medium (dashboard.call_columns): each source/medium's calls of the date
            # range are one stretch of this index, in the sort's order (then the time, then the id); the spam mark
            # lets the page count a stretch from the index alone (dashboard.selectors.calls._grouped_page).
            models.Index(fields=["account", "source", "medium", "started_at", "id"], include=["spam"],
                         name="calls_acct_source_medium_idx"),
            # Tracker detail: last call.
            models.Index(fields=["tracker", "started_at"], name="calls_tracker_started_idx"),
            # Google Ads export and the is_conversion filter: an account's converting calls by time.
            models.Index(fields=["account", "started_at"], condition=Q(is_conversion=True), name="calls_account_conversion_idx"),
            # The settle sweeper: ended calls whose other leg has not reported, due first.
            models.Index(fields=["settles_at"], condition=Q(settles_at__isnull=False), name="calls_settling_idx"),
        ]

    def __str__(self):
        return f"{self.provider_call_id} {self.caller_number} → {self.tracking_number}"

    @property
    def is_final(self) -> bool:
        """Ended, and nothing more is awaited from the provider: both legs reported, or the settle window passed."""
        return self.status in TERMINAL_STATUSES and self.settles_at is None

    @property
    def caller_location(self) -> dict | None:
        """{city, region, country} of the caller's number, or None when nothing is known (hidden caller id)."""
        if not (self.caller_city or self.caller_region or self.caller_country):
            return None
        return {"city": self.caller_city, "region": self.caller_region, "country": self.caller_country}

    @property
    def caller_location_display(self) -> str:
        return ", ".join(part for part in (self.caller_city, self.caller_region, self.caller_country) if part)

    @property
    def has_recording(self) -> bool:
        return bool(self.recording_sid)

    @property
    def source_medium(self) -> str:
        """"google / cpc" as the reports write it ("(not set)" for an empty part); "" when the call has neither."""
        if not (self.source or self.medium):
            return ""
        return f"{self.source or '(not set)'} / {self.medium or '(not set)'}"

    @property
    def result(self) -> CallResult:
        """answered / missed / abandoned / busy_or_failed / in_progress (calls.results, the one definition)."""
        return call_result(self)

    @property
    def has_sandbox_recording(self) -> bool:
        """Sandbox calls have no real audio: a short generated tone stands in for the recording."""
        return self.recording_url.startswith("sandbox:")


# How far along a call is; a status never replaces one of a higher rank (callbacks arrive out of order).
STATUS_RANK: dict[str, int] = {
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


class ConversionRule(models.Model):
    """When a call to one website counts as a conversion (SPEC "Attribution": conversions).

    A website without a row follows the defaults below (`ConversionRule(website=…)` unsaved), so every
    website has a rule without a row per website; the admin saves one when someone changes it.
    """

    website = models.OneToOneField("accounts.Website", on_delete=models.CASCADE, related_name="conversion_rule")
    min_seconds = models.PositiveIntegerField(
        default=30, validators=[MaxValueValidator(86400)],
        help_text="An answered call converts when its talk time is at least this many seconds.",
    )
    first_time_only = models.BooleanField(default=False, help_text="Only calls from first-time callers convert.")
    value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"),
                                validators=[MinValueValidator(Decimal("0"))],
                                help_text="Value of a converting call, in the account's currency, unless the call has its own.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="calls_conversionrule_value_not_negative"),
            models.CheckConstraint(condition=Q(min_seconds__lte=86400), name="calls_conversionrule_min_seconds_max_day"),
        ]

    def __str__(self):
        return f"{self.website}: answered, talk ≥ {self.min_seconds} s{', first-time callers' if self.first_time_only else ''}"


class CallOutcomeChange(models.Model):
    """Append-only history of what people marked on a call (outcome, value, note, tags, score, spam): who
    changed what, when."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="outcome_history")
    from_outcome = models.CharField(max_length=10, blank=True)
    to_outcome = models.CharField(max_length=10, blank=True)
    from_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    to_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    from_note = models.TextField(blank=True)
    to_note = models.TextField(blank=True)
    # Tags (sorted names), score and spam before and after; equal when that part did not change.
    from_tags = models.JSONField(default=list, db_default=[], blank=True)
    to_tags = models.JSONField(default=list, db_default=[], blank=True)
    from_score = models.PositiveSmallIntegerField(null=True, blank=True)
    to_score = models.PositiveSmallIntegerField(null=True, blank=True)
    from_spam = models.BooleanField(default=False, db_default=False)
    to_spam = models.BooleanField(default=False, db_default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=60, help_text="“dashboard”, “api”, “admin”…")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The call page's history list, newest first.
            models.Index(fields=["call", "created_at"], name="calls_outcomechange_call_idx"),
        ]

    def __str__(self):
        return f"{self.call_id}: {self.from_outcome or '∅'} → {self.to_outcome or '∅'}"
