"""Periodic jobs, registered idempotently after every migrate (Schedule.name is not unique in django-q2).

Core knows no app's tasks: each app lists its own in `<app>/schedules.py` (`schedules()` → specs of
name, func, minutes) and declares them from its AppConfig.ready() with `declare_schedules`."""

from collections.abc import Callable

from django.db import connections
from django.db.models.signals import post_migrate
from django_q.models import Schedule

_DECLARED: dict[str, Callable[[], list[dict]]] = {}


def declare_schedules(app_config, schedules: Callable[[], list[dict]]) -> None:
    """Register `schedules()` (read when migrate runs, so settings apply) after every migrate of the app."""
    _DECLARED[app_config.label] = schedules

    def on_migrate(sender, using="default", **kwargs):
        if "django_q_schedule" in connections[using].introspection.table_names():
            register_schedules(schedules())

    post_migrate.connect(on_migrate, sender=app_config, weak=False, dispatch_uid=f"schedules.{app_config.label}")


def wanted_schedules() -> list[dict]:
    """Every app's declared schedules."""
    return [spec for schedules in _DECLARED.values() for spec in schedules()]


def register_schedules(specs: list[dict] | None = None) -> int:
    """Create or update each schedule by name, dropping duplicates a concurrent run may have made."""
    specs = wanted_schedules() if specs is None else specs
    for spec in specs:
        duplicates = Schedule.objects.filter(name=spec["name"]).order_by("id")
        keep = duplicates.first()
        if keep:
            duplicates.exclude(pk=keep.pk).delete()
        Schedule.objects.update_or_create(
            name=spec["name"],
            defaults={"func": spec["func"], "schedule_type": Schedule.MINUTES, "minutes": spec["minutes"], "repeats": -1},
        )
    return len(specs)


def core_schedules() -> list[dict]:
    return [{"name": "worker heartbeat", "func": "core.tasks.worker_heartbeat", "minutes": 1},
            {"name": "rate counters clean", "func": "core.tasks.rate_counters_clean", "minutes": 1}]
