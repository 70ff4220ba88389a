"""Periodic jobs, registered idempotently after every migrate (Schedule.name is not unique in django-q2)."""

from django.conf import settings


def wanted_schedules() -> list[dict]:
    from django_q.models import Schedule

    return [
        {
            "name": "worker heartbeat",
            "func": "core.tasks.worker_heartbeat",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
        },
        {
            "name": "enforce automated pools",
            "func": "pools.tasks.enforce_all_pools",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.POOLS_ENFORCE_EVERY_MINUTES,
        },
        {
            "name": "sample visitor pool concurrency",
            "func": "pools.tasks.sample_pool_concurrency",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
        },
        {
            # Leases that lapsed without a heartbeat get their end time, and their numbers go back in rotation.
            "name": "release expired leases",
            "func": "trackers.tasks.release_expired_leases",
            "schedule_type": Schedule.MINUTES,
            "minutes": 5,
        },
        {
            # Finished days of the dashboard's reports; pages read today live, so a late run is slower, not wrong.
            "name": "rollup dashboard reports",
            "func": "dashboard.tasks.rollup_reports",
            "schedule_type": Schedule.MINUTES,
            "minutes": 15,
        },
    ]


def register_schedules() -> int:
    from django_q.models import Schedule

    names = []
    for spec in wanted_schedules():
        spec = dict(spec)
        name = spec.pop("name")
        duplicates = Schedule.objects.filter(name=name).order_by("id")
        keep = duplicates.first()
        if keep:
            duplicates.exclude(pk=keep.pk).delete()
            Schedule.objects.filter(pk=keep.pk).update(**spec, repeats=-1)
        else:
            Schedule.objects.create(name=name, repeats=-1, **spec)
        names.append(name)
    return len(names)


def register_on_migrate(sender, using="default", **kwargs):
    from django.db import connections

    if "django_q_schedule" in connections[using].introspection.table_names():
        register_schedules()
