from django_q.models import Schedule

from core.schedules import register_schedules, wanted_schedules


def test_register_schedules_is_idempotent_and_removes_duplicates(db):
    Schedule.objects.create(name="worker heartbeat", func="core.tasks.worker_heartbeat", schedule_type=Schedule.HOURLY)
    Schedule.objects.create(name="worker heartbeat", func="core.tasks.worker_heartbeat", schedule_type=Schedule.HOURLY)
    register_schedules()
    register_schedules()
    beats = Schedule.objects.filter(name="worker heartbeat")
    assert beats.count() == 1
    assert beats.get().schedule_type == Schedule.MINUTES
    assert Schedule.objects.filter(name="enforce automated pools", func="pools.tasks.enforce_all_pools").count() == 1


def test_each_app_declares_its_own_schedules_and_every_function_is_importable(db):
    from django.utils.module_loading import import_string

    specs = wanted_schedules()
    apps = {spec["func"].split(".")[0] for spec in specs}
    assert apps == {"core", "attribution", "pools", "trackers", "calls", "reports", "integrations", "notifications"}
    for spec in specs:
        assert callable(import_string(spec["func"])), spec["name"]


def test_migrate_registers_every_apps_schedules(db):
    """The test database was migrated: post_migrate ran each app's registration."""
    assert set(Schedule.objects.values_list("name", flat=True)) >= {spec["name"] for spec in wanted_schedules()}
