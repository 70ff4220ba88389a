from django.db import models


class Heartbeat(models.Model):
    """Last time a background process proved it runs (the django-q2 worker writes 'worker')."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class RateCounter(models.Model):
    """One row per rate-limited client (e.g. website key + IP) when the cache is the database: this minute's
    count, counted by ONE upsert statement (`core.rate_limit.rate_count_db`) instead of the database cache's
    read-then-write (about six queries). Rows of past minutes are deleted every minute (`rate_counters_prune`)."""

    name = models.CharField(max_length=200, primary_key=True)
    minute = models.BigIntegerField()  # the window: minutes since the epoch
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # rate_counters_prune: DELETE … WHERE minute < current minute
            models.Index(fields=["minute"], name="core_ratecounter_minute"),
        ]

    def __str__(self):
        return f"{self.name} @ {self.minute}: {self.count}"
