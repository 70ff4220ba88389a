from django.utils import timezone

from core.models import Heartbeat


def worker_heartbeat():
    Heartbeat.objects.update_or_create(name="worker", defaults={"beat_at": timezone.now()})
