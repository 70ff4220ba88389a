from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "telephony"

    def ready(self):
        from telephony import checks  # noqa: F401  (registers the system checks)
