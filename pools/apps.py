from django.apps import AppConfig

from pools.schedules import schedules


class PoolsConfig(AppConfig):
    name = "pools"

    def ready(self):
        # Imported once the app registry is ready (core.schedules imports django_q's models).
        from core.schedules import declare_schedules

        declare_schedules(self, schedules)
