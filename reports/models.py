from datetime import date, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Q

from accounts.models import Account, Website
from accounts.tenancy import TenantLinks


class ReportDay(TenantLinks, models.Model):
    """One day's calls and visits for one value of one report dimension (a rollup of Call and Visit).

    Written only by reports.services.rollup_refresh; reports.selectors reads closed days from here and the days
    after RollupState.rolled_through live from Call/Visit, so a late rollup costs speed, never correctness.
    The table keeps its first name (the model moved here from the dashboard app).
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    website = models.ForeignKey(Website, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                help_text="Empty for calls without a pool.")
    day = models.DateField(help_text="Day in the account's time zone.")
    dimension = models.CharField(max_length=20)
    key1 = models.CharField(max_length=2000, blank=True)
    key2 = models.CharField(max_length=200, blank=True)
    calls = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    first_time = models.PositiveIntegerField(default=0)
    # calls.results: what happened to the calls nobody answered (the in-progress rest is calls minus these and answered).
    missed = models.PositiveIntegerField(default=0, db_default=0)
    abandoned = models.PositiveIntegerField(default=0, db_default=0)
    busy_or_failed = models.PositiveIntegerField(default=0, db_default=0)
    voicemail = models.PositiveIntegerField(default=0, db_default=0, help_text="Unanswered calls that left a voicemail.")
    conversions = models.PositiveIntegerField(default=0, db_default=0)
    value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"), db_default=Decimal("0"),
                                help_text="Sum of the conversions' values, in the account's currency.")
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "dashboard_reportday"
        constraints = [
            models.CheckConstraint(condition=Q(answered__lte=models.F("calls")) & Q(first_time__lte=models.F("calls")),
                                   name="dashboard_reportday_parts_within_calls"),
            models.CheckConstraint(condition=Q(conversions__lte=models.F("calls")) & Q(value__gte=0),
                                   name="reports_reportday_conversions_within_calls"),
            models.CheckConstraint(
                condition=Q(calls__gte=models.F("answered") + models.F("missed") + models.F("abandoned") + models.F("busy_or_failed")),
                name="reports_reportday_results_within_calls",
            ),
        ]
        indexes = [
            # Every report aggregate (dashboard and API): an account's rows of one dimension over a day range.
            models.Index(fields=["account", "dimension", "day"], name="dashboard_reportday_range_idx"),
            # The install page's hint (paid clicks without a keyword): the "(not set)" rows of a day range only, not
            # every keyword's (tens of thousands of rows a month for a large account).
            models.Index(fields=["account", "dimension", "day"], condition=models.Q(key1="(not set)"),
                         name="reports_reportday_not_set_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.dimension} {self.key1}/{self.key2}: {self.calls} calls, {self.visits} visits"


class RollupState(models.Model):
    """How far an account's ReportDay rows reach: every day before `rolled_through` is rolled up. A change to past
    calls (a conversion rule or outcome change) moves it back to the first changed day (reports.services.
    rollup_invalidate): reads take those days live until the next refresh re-rolls them.

    With `partial_until` (a moment of the day `rolled_through`), that day's ReportDay and CreditDay rows hold its
    calls and visits started before that moment (reports.services.rollup_today): reads take the rest of the day
    live. Any move of `rolled_through` clears it."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="+")
    rolled_through = models.DateField()
    partial_until = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        db_table = "dashboard_rollupstate"

    def __str__(self):
        return f"{self.account_id} through {self.rolled_through}"


class RollupProgress(models.Model):
    """The cursor of an account's rollup pass under way (reports.services.rollup_refresh_chunk): the days before
    `next_day` are re-rolled, the pass ends at `through`. A pass killed with its worker continues from here;
    the row is deleted when the pass ends."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="+")
    next_day = models.DateField()
    through = models.DateField()
    chunk_days = models.PositiveSmallIntegerField(default=7, help_text="Days the next chunk re-rolls (adapts to traffic).")
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.account_id}: {self.next_day} of {self.through}"


class CreditDay(TenantLinks, models.Model):
    """One day's first-touch or linear credit for one value of one visit dimension, as a correction of ReportDay: what
    the calls of the day give the value under `model` minus what they give it as the last session (their own
    attribution). ReportDay + these rows = the credited report, exactly: each count here is a numerator over
    `share` (a linear share of 1/share of a call; 1 for whole calls), so the read adds integers and divides once.

    Written with ReportDay by reports.services.rollup_refresh_chunk (calls whose credit is their own attribution
    write nothing); read by reports.selectors.report_row_list for ?model=first|linear.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    website = models.ForeignKey(Website, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                help_text="The call's pool's website; empty for calls without a pool.")
    day = models.DateField(help_text="The call's day in the account's time zone.")
    model = models.CharField(max_length=10)
    dimension = models.CharField(max_length=20)
    key1 = models.CharField(max_length=2000, blank=True)
    key2 = models.CharField(max_length=200, blank=True)
    share = models.PositiveIntegerField(default=1, help_text="The denominator of every count of the row.")
    calls = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    missed = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)
    busy_or_failed = models.IntegerField(default=0)
    voicemail = models.IntegerField(default=0)
    first_time = models.IntegerField(default=0)
    conversions = models.IntegerField(default=0)
    value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        indexes = [
            models.Index(fields=["account", "model", "dimension", "day"], name="reports_creditday_range_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.model} {self.dimension} {self.key1}/{self.key2}: {self.calls}/{self.share} calls"


# ReportSpan lengths: aligned blocks of 2, 4, … 32 days (a block of 2**k days starts on a day whose ordinal is a
# multiple of 2**k), so any range is its full blocks plus at most a few single days at each end.
SPAN_DAYS = (2, 4, 8, 16, 32)
SPAN_EPOCH = date(1970, 1, 1)


def span_start(day: date, days: int) -> date:
    """The first day of the aligned block of `days` days that holds `day`."""
    return day - timedelta(days=(day - SPAN_EPOCH).days % days)


def span_pieces(start: date, end: date) -> tuple[list[tuple[date, int]], list[date]]:
    """The days [start, end) as the fewest aligned blocks (ReportSpan: (first day, days)) and the days left over
    (at most one at each edge), greedily from the start. Pure."""
    blocks, single = [], []
    day = start
    while day < end:
        for days in reversed(SPAN_DAYS):
            if (day - SPAN_EPOCH).days % days == 0 and day + timedelta(days=days) <= end:
                blocks.append((day, days))
                day += timedelta(days=days)
                break
        else:
            single.append(day)
            day += timedelta(days=1)
    return blocks, single


class ReportSpan(TenantLinks, models.Model):
    """The ReportDay rows of an aligned block of `days` days starting at `start`, summed per website, dimension and
    key: what reports.selectors reads for the blocks inside a range (the days at its edges from ReportDay), so a
    month of a dimension with thousands of keys a day sums a few blocks instead of every day.

    Written only by reports.services.rollup_refresh_chunk, from the ReportDay rows it has just written, in the same
    transaction; a block is read only when it ends by RollupState.rolled_through (all its days closed and rolled),
    and a chunk re-sums every readable block it touches, so a block always equals the sum of its days' rows."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    website = models.ForeignKey(Website, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    start = models.DateField(help_text="The block's first day (account time zone).")
    days = models.PositiveSmallIntegerField(help_text="The block's length: one of SPAN_DAYS.")
    dimension = models.CharField(max_length=20)
    key1 = models.CharField(max_length=2000, blank=True)
    key2 = models.CharField(max_length=200, blank=True)
    calls = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    first_time = models.PositiveIntegerField(default=0)
    missed = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    busy_or_failed = models.PositiveIntegerField(default=0)
    voicemail = models.PositiveIntegerField(default=0)
    conversions = models.PositiveIntegerField(default=0)
    value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # The report sums: an account's blocks of one dimension, read index-only (the counts are in the index).
            models.Index(fields=["account", "dimension", "days", "start"], name="reports_reportspan_read_idx",
                         include=["website", "key1", "key2", "calls", "answered", "first_time", "missed", "abandoned",
                                  "busy_or_failed", "voicemail", "conversions", "value", "visits"]),
        ]

    def __str__(self):
        return f"{self.start}+{self.days} {self.dimension} {self.key1}/{self.key2}: {self.calls} calls"
