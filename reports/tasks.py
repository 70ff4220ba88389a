"""django-q2 entry points (dotted paths are stored in schedules: keep them stable)."""

from reports.services import rollup_all


def rollup_reports():
    rollup_all()
