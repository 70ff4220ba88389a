from django.apps import AppConfig

from attribution.schedules import schedules


class AttributionConfig(AppConfig):
    name = "attribution"

    def ready(self):
        # Imported once the app registry is ready (core.schedules imports django_q's models).
        from core.schedules import declare_schedules

        declare_schedules(self, schedules)
