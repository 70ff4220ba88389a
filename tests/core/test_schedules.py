from django_q.models import Schedule

from core.schedules import register_schedules


def test_register_schedules_is_idempotent_and_removes_duplicates(db):
    Schedule.objects.create(name="worker heartbeat", func="core.tasks.worker_heartbeat", schedule_type=Schedule.HOURLY)
    Schedule.objects.create(name="worker heartbeat", func="core.tasks.worker_heartbeat", schedule_type=Schedule.HOURLY)
    register_schedules()
    register_schedules()
    beats = Schedule.objects.filter(name="worker heartbeat")
    assert beats.count() == 1
    assert beats.get().schedule_type == Schedule.MINUTES
    assert Schedule.objects.filter(name="enforce automated pools", func="pools.tasks.enforce_all_pools").count() == 1


def test_every_scheduled_function_is_importable(db):
    from django.utils.module_loading import import_string

    from core.schedules import wanted_schedules

    for spec in wanted_schedules():
        assert callable(import_string(spec["func"])), spec["name"]
