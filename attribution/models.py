from django.db import models

from accounts.models import Website
from accounts.tenancy import TenantLinks


class Visitor(models.Model):
    """A browser, known by a random first-party id. Keeps the data of its first touch."""

    # Its own index would repeat the unique (website, uid) one: every new visitor would write both.
    website = models.ForeignKey(Website, on_delete=models.CASCADE, related_name="visitors", db_index=False)
    uid = models.CharField(max_length=64)
    first_source = models.CharField(max_length=200, blank=True)
    first_medium = models.CharField(max_length=200, blank=True)
    first_campaign = models.CharField(max_length=200, blank=True)
    first_landing_page = models.CharField(max_length=2000, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["website", "uid"], name="attribution_visitor_unique_uid"),
        ]

    def __str__(self):
        return self.uid


class Visit(TenantLinks, models.Model):
    """A session: how the visitor arrived and what they landed on."""

    # No index of their own: (website, session_uid) and (visitor, started_at) lead with them, and every new session
    # writes each index of this table.
    website = models.ForeignKey(Website, on_delete=models.CASCADE, related_name="visits", db_index=False)
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="visits", db_index=False)
    session_uid = models.CharField(max_length=64)
    source = models.CharField(max_length=200, blank=True)
    medium = models.CharField(max_length=200, blank=True)
    campaign = models.CharField(max_length=200, blank=True)
    term = models.CharField(max_length=200, blank=True)
    content = models.CharField(max_length=200, blank=True)
    gclid = models.CharField(max_length=200, blank=True)
    gbraid = models.CharField(max_length=200, blank=True)
    wbraid = models.CharField(max_length=200, blank=True)
    msclkid = models.CharField(max_length=200, blank=True)
    fbclid = models.CharField(max_length=200, blank=True)
    landing_page = models.CharField(max_length=2000, blank=True)
    # What reports group by (attribution.classification): page = host + path of landing_page, and the
    # GA4 default channel group of source/medium/campaign. Derived once when the visit starts.
    # db_default: bulk loads in raw SQL (benches, imports) that predate these columns keep working.
    landing_page_key = models.CharField(max_length=2000, blank=True, db_default="")
    channel = models.CharField(max_length=40, blank=True, db_default="")
    referrer = models.CharField(max_length=2000, blank=True)
    ga_client_id = models.CharField(max_length=100, blank=True)
    ga_session_id = models.CharField(max_length=100, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    is_bot = models.BooleanField(default=False)
    pageviews = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["website", "session_uid"], name="attribution_visit_unique_session"),
        ]
        indexes = [
            # The rules engine's top list: visits per source/medium of a website in a time window.
            # source/medium are in the index so PostgreSQL answers it from the index alone.
            # Partial on is_bot=False (the filter every such query has), so PostgreSQL can answer it from
            # the index without visiting the table row by row.
            models.Index(fields=["website", "started_at", "source", "medium"], name="attr_visit_top_idx",
                         condition=models.Q(is_bot=False)),
            # Visitor journey on a call's detail page.
            models.Index(fields=["visitor", "started_at"], name="attr_visit_visitor_idx"),
            # Retention (reports.retention) finds old bot visits by it; humans by attr_visit_top_idx. The DNI
            # endpoints never record bots (imports and the API may), so this costs the hot path nothing.
            models.Index(fields=["website", "started_at"], name="attr_visit_bot_idx", condition=models.Q(is_bot=True)),
        ]

    def __str__(self):
        return f"{self.session_uid} ({self.source}/{self.medium})"


class PageView(models.Model):
    """One page load of a session (heartbeats are not page views): the journey on a call's page lists them.

    Bounded: at most MAX_PER_VISIT rows per visit are kept; Visit.pageviews counts them all.
    """

    MAX_PER_VISIT = 50

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="page_views", db_index=False)  # (visit, viewed_at)
    path = models.CharField(max_length=2000)
    viewed_at = models.DateTimeField()

    class Meta:
        ordering = ["viewed_at", "id"]
        indexes = [
            # Journey on a call's page: a visit's pages in order.
            models.Index(fields=["visit", "viewed_at"], name="attr_pageview_visit_idx"),
        ]

    def __str__(self):
        return f"{self.visit_id} {self.path}"


class SourceDay(models.Model):
    """Human visits of one website from one source/medium on one UTC day: what the rules engine reads instead of
    scanning Visit (pools.selectors), so its run time does not grow with visits.

    Written only by attribution.source_counts.source_days_roll (a scheduled task, off the DNI request path), for
    the days before the website's SourceDayRollup.rolled_through, and the day `rolled_through` up to its
    `partial_until`; the visits after that are read live from Visit."""

    website = models.ForeignKey(Website, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="UTC day the visits started.")
    source = models.CharField(max_length=200, blank=True)
    medium = models.CharField(max_length=200, blank=True)
    visits = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["website", "day", "source", "medium"], name="attr_sourceday_unique"),
        ]
        indexes = [
            # The engine's read: a website's days in a window, summed per source/medium from the index alone
            # (PostgreSQL index-only scan; a website's rows of a year sit in hundreds of table pages otherwise).
            models.Index(fields=["website", "day", "source", "medium", "visits"], name="attr_sourceday_read_idx"),
        ]

    def __str__(self):
        return f"{self.website_id} {self.day} {self.source}/{self.medium}: {self.visits}"


class SourceDayRollup(models.Model):
    """How far a website's SourceDay rows reach: every UTC day before `rolled_through` is counted there.

    With `partial_until` (a moment of the day `rolled_through`), that day's SourceDay rows hold its human visits
    started before that moment (attribution.source_counts counts today up to a few minutes ago): reads take only
    the visits after it live. None: the day `rolled_through` has no rows."""

    website = models.OneToOneField(Website, on_delete=models.CASCADE, related_name="+")
    rolled_through = models.DateField()
    partial_until = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.website_id} through {self.rolled_through}"


class RetentionState(models.Model):
    """How far an account's raw rows have been deleted (reports.retention): the visits (with their page views and
    leases) that started before `visits_purged_before`, and the provider callbacks (CallEvent) of calls that
    started before `call_events_purged_before`. The next run resumes from here; days before
    `visits_purged_before` exist only in the rollups (ReportDay, SourceDay)."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, related_name="+")
    visits_purged_before = models.DateTimeField(null=True, blank=True)
    call_events_purged_before = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    def __str__(self):
        return f"{self.account_id}: visits before {self.visits_purged_before}"
