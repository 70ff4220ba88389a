from django.apps import AppConfig

from calls.schedules import schedules


class CallsConfig(AppConfig):
    name = "calls"

    def ready(self):
        # Imported once the app registry is ready (core.schedules imports django_q's models).
        from core.schedules import declare_schedules

        declare_schedules(self, schedules)
