from django.db import models


class Heartbeat(models.Model):
    """Last time a background process proved it runs (the django-q2 worker writes 'worker')."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
