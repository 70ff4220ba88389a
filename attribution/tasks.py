"""django-q2 entry points (dotted paths are stored in schedules: keep them stable)."""

from django.utils import timezone

from attribution.source_counts import source_days_roll

# Inside the worker's task timeout (Q_CLUSTER["timeout"], 60 s): a long catch-up resumes at the next run.
BUDGET_SECONDS = 40


def count_source_days() -> int:
    return source_days_roll(now=timezone.now(), budget_seconds=BUDGET_SECONDS)
