"""django-q2 entry points (dotted paths are stored in schedules: keep them stable)."""

from django.conf import settings
from django.utils import timezone

from core.queue import wake_on_commit
from reports.retention import retention_purge
from reports.services import rollup_all_within

ROLLUP_TASK = "reports.tasks.rollup_reports"

# Inside the worker's task timeout (Q_CLUSTER["timeout"], 60 s): the rest waits for the next run.
RETENTION_BUDGET_SECONDS = 40


def rollup_reports():
    """Rollup chunks for half the worker's task timeout (a chunk aims at a few seconds); a pass left unfinished
    (a large first rollup) queues its own continuation at once instead of waiting for the next schedule."""
    if not rollup_all_within(seconds=settings.Q_CLUSTER["timeout"] / 2):
        wake_on_commit(ROLLUP_TASK)


def purge_expired_rows() -> int:
    return retention_purge(now=timezone.now(), budget_seconds=RETENTION_BUDGET_SECONDS).visits
