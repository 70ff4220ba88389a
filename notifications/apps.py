from django.apps import AppConfig

from notifications.schedules import schedules


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        from automation.signals import rule_notification_created
        from calls.signals import call_event
        from core.schedules import declare_schedules
        from integrations.signals import integration_failing
        from notifications import receivers

        call_event.connect(receivers.on_call_event, dispatch_uid="notifications.call_event")
        integration_failing.connect(receivers.on_integration_failing, dispatch_uid="notifications.integration_failing")
        rule_notification_created.connect(receivers.on_rule_notification, dispatch_uid="notifications.rule_notification")
        declare_schedules(self, schedules)
