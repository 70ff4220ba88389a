from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core import checks  # noqa: F401  (registers the settings checks)

        # Imported once the app registry is ready (core.schedules imports django_q's models).
        from core.schedules import core_schedules, declare_schedules

        declare_schedules(self, core_schedules)
