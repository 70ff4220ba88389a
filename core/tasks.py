import time

from django.utils import timezone

from core.models import Heartbeat
from core.rate_limit import rate_counters_prune


def worker_heartbeat():
    Heartbeat.objects.update_or_create(name="worker", defaults={"beat_at": timezone.now()})


def rate_counters_clean():
    rate_counters_prune(before_minute=int(time.time() // 60))
