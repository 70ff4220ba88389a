from django.apps import AppConfig

from dashboard.schedules import schedules


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        # Imported once the app registry is ready (core.schedules imports django_q's models).
        from core.schedules import declare_schedules

        declare_schedules(self, schedules)
