from django.apps import AppConfig

from reports.schedules import schedules


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        # Imported once the app registry is ready (core.schedules imports django_q's models).
        from core.schedules import declare_schedules
        from reports.receivers import connect

        connect()

        declare_schedules(self, schedules)
