"""django-q2 entry points (dotted paths are stored in schedules: keep them stable)."""

from django.conf import settings
from django.utils import timezone

from core.queue import wake_on_commit
from reports.retention import retention_purge
from reports.services import rollup_all_within

ROLLUP_TASK = "reports.tasks.rollup_reports"

# Inside the worker's task timeout (Q_CLUSTER["timeout"], 60 s): the rest waits for the next run.
RETENTION_BUDGET_SECONDS = 40


def rollup_reports(from_account_id: int = 0):
    """Rollup chunks for half the worker's task timeout (a chunk aims at a few seconds); a run left unfinished
    (a large first rollup, many accounts) queues its own continuation at once, from the account where it stopped,
    instead of waiting for the next schedule. The scheduled run starts from the first account."""
    left = rollup_all_within(seconds=settings.Q_CLUSTER["timeout"] / 2, from_account_id=from_account_id)
    if left is not None:
        wake_on_commit(ROLLUP_TASK, left)


def purge_expired_rows() -> int:
    return retention_purge(now=timezone.now(), budget_seconds=RETENTION_BUDGET_SECONDS).visits
