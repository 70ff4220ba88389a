from django.db import models

from accounts.models import Website
from accounts.tenancy import TenantLinks


class Visitor(models.Model):
    """A browser, known by a random first-party id. Keeps the data of its first touch."""

    website = models.ForeignKey(Website, on_delete=models.CASCADE, related_name="visitors")
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

    website = models.ForeignKey(Website, on_delete=models.CASCADE, related_name="visits")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="visits")
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
        ]

    def __str__(self):
        return f"{self.session_uid} ({self.source}/{self.medium})"
