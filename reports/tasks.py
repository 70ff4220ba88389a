"""django-q2 entry points (dotted paths are stored in schedules: keep them stable)."""

from django.utils import timezone

from reports.retention import retention_purge
from reports.services import rollup_all

# Inside the worker's task timeout (Q_CLUSTER["timeout"], 60 s): the rest waits for the next run.
RETENTION_BUDGET_SECONDS = 40


def rollup_reports():
    rollup_all()


def purge_expired_rows() -> int:
    return retention_purge(now=timezone.now(), budget_seconds=RETENTION_BUDGET_SECONDS).visits
