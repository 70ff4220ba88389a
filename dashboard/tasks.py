"""django-q2 entry points (dotted paths are stored in schedules: keep them stable)."""

from dashboard.services import rollup_all


def rollup_reports():
    rollup_all()
